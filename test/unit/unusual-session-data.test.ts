import { createStore as createIdbStore, set } from 'idb-keyval'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, parseSession, SessionParseError } from '../../src/index'
import { caught } from '../support/caught'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { noWake } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'
import { idbRaw, startedStore as started, stopStartedStores } from '../support/started-store'

afterEach(() => stopStartedStores())


describe('a record an earlier release stored with data that is not JSON (a Date in metadata)', () => {
  const storedWithDate = async () => {
    const dbName = uniqueDbName()
    const session = { ...makeSession(), metadata: { lastSeen: new Date('2026-11-20T10:00:00Z'), theme: 'dark' } }
    // What IndexedDB kept of it: a real Date.
    await set('session', { version: 1, generation: 4, ended: false, reason: 'update', session }, createIdbStore(dbName, 'sessions'))
    return { dbName, session }
  }

  it('is still read, as JSON would carry it: the user stays signed in, nothing is quarantined', async () => {
    const { dbName, session } = await storedWithDate()
    const { store } = await started({ dbName })
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { sessionId: session.sessionId } })
    expect(store.getState().session?.metadata).toEqual({ lastSeen: '2026-11-20T10:00:00.000Z', theme: 'dark' })
    expect(await idbRaw(dbName, 'session:quarantine')).toBeUndefined()
  })

  it('refreshes like any other session (a source answer spreads the old session back)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const dbName = uniqueDbName()
    const session = { ...server.signInSession(), metadata: { lastSeen: new Date(clock.now()), seen: new Map([['a', 1]]) } }
    await set('session', { version: 1, generation: 4, ended: false, reason: 'update', session }, createIdbStore(dbName, 'sessions'))
    const { store, events } = await started({ dbName, clock, source: server.source(), locks: createMemoryLocks(), wake: noWake })
    await expect(store.refresh({ force: true })).resolves.toBeUndefined()
    expect(server.refreshes).toBe(1)
    expect(events.map((event) => event.type)).toContain('refreshed')
    expect(events.map((event) => event.type)).not.toContain('refresh-failed')
    expect(await idbRaw(dbName)).toMatchObject({ session: { metadata: { lastSeen: new Date(clock.now()).toISOString() } } })
  })

  it('can still be updated, also with a patch spread from a copy of it; a new non-JSON value is refused', async () => {
    const { dbName } = await storedWithDate()
    const { store } = await started({ dbName })
    await expect(store.update({ ipAddress: '10.0.0.1' })).resolves.toBe(true)
    const copy = store.getState().session!
    await expect(store.update({ ...copy, deviceTrustLevel: 'trusted' })).resolves.toBe(true)
    await expect(store.update((stored) => ({ metadata: { ...stored.metadata, theme: 'light' } }))).resolves.toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ session: { ipAddress: '10.0.0.1', deviceTrustLevel: 'trusted', metadata: { theme: 'light' } } })
    await expect(store.update({ metadata: { at: new Date() } })).rejects.toMatchObject({ name: 'SessionParseError', path: 'metadata.at' })
    await expect(store.update((stored) => ({ metadata: { ...stored.metadata, logins: [new Date()] } }))).rejects.toMatchObject({ path: 'metadata.logins[0]' })
  })

  it('migrate gets the session as stored (its Date a Date), and what it answers is carried over as JSON would', async () => {
    const { dbName } = await storedWithDate()
    const migrate = (old: unknown) => {
      const stored = old as { metadata: { lastSeen: Date } }
      return { ...stored, metadata: { loginAt: stored.metadata.lastSeen.toISOString(), since: new Date('2026-11-21T00:00:00Z') } }
    }
    const { store } = await started({ dbName, version: 2, migrate })
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null })
    expect(store.getState().session?.metadata).toEqual({ loginAt: '2026-11-20T10:00:00.000Z', since: '2026-11-21T00:00:00.000Z' })
    await store.update({ ipAddress: '10.0.0.3' })
    expect(await idbRaw(dbName)).toMatchObject({ version: 2, session: { metadata: { since: '2026-11-21T00:00:00.000Z' } } })
  })
})

describe('parseSession with unusual objects', () => {
  it('takes a reactive Proxy of plain data (Vue, MobX) and returns a plain copy', () => {
    const metadata = new Proxy({ theme: 'dark', tags: ['a'] }, {})
    const session = parseSession({ ...makeSession(), metadata })
    expect(session.metadata).toEqual({ theme: 'dark', tags: ['a'] })
    expect(session.metadata).not.toBe(metadata)
  })

  it('refuses a Map, a Set or a Date in a patch, whatever JSON.stringify makes of it', async () => {
    const { store } = await started({ persistence: createMemoryPersistence() })
    await store.signIn({ ...makeSession(), metadata: {}, ipAddress: '2026-11-20T10:00:00.000Z' })
    await expect(store.update(() => ({ metadata: new Map([['a', 1]]) as never }))).rejects.toMatchObject({ path: 'metadata' })
    await expect(store.update(() => ({ metadata: { tags: new Set(['a']) } }))).rejects.toMatchObject({ path: 'metadata.tags' })
    await expect(store.update(() => ({ ipAddress: new Date('2026-11-20T10:00:00Z') as never }))).rejects.toMatchObject({ path: 'ipAddress' })
    await expect(store.update({ metadata: { score: Number.NaN } })).rejects.toMatchObject({ path: 'metadata.score' })
  })

  it('a revoked Proxy in update() is refused with a SessionParseError', async () => {
    const { store } = await started({ persistence: createMemoryPersistence() })
    await store.signIn(makeSession())
    const { proxy, revoke } = Proxy.revocable({ theme: 'dark' }, {})
    revoke()
    await expect(store.update({ metadata: proxy })).rejects.toBeInstanceOf(SessionParseError)
  })

  it('update() takes a Proxy patch value too', async () => {
    const { store } = await started({ persistence: createMemoryPersistence() })
    await store.signIn(makeSession())
    await expect(store.update({ metadata: new Proxy({ theme: 'dark' }, {}) })).resolves.toBe(true)
    expect(store.getState().session?.metadata).toEqual({ theme: 'dark' })
  })

  it('refuses absurd nesting with a SessionParseError naming where, not a stack overflow', () => {
    let deep: Record<string, unknown> = {}
    for (let i = 0; i < 20_000; i += 1) deep = { d: deep }
    const error = caught(() => parseSession({ ...makeSession(), metadata: deep }))
    expect(error).toBeInstanceOf(SessionParseError)
    expect((error as SessionParseError).path).toMatch(/^metadata(\.d)+$/)
  })

  it('refuses a value that throws when read (a revoked Proxy) with a SessionParseError', () => {
    const { proxy, revoke } = Proxy.revocable({ theme: 'dark' }, {})
    revoke()
    expect(caught(() => parseSession({ ...makeSession(), metadata: proxy }))).toBeInstanceOf(SessionParseError)
    expect(caught(() => parseSession(proxy))).toBeInstanceOf(SessionParseError)
  })
})

describe('what storage holds is carried over as JSON would, and a value is read once', () => {
  const storedSession = async (session: Record<string, unknown>) => {
    const dbName = uniqueDbName()
    await set('session', { version: 1, generation: 2, ended: false, reason: 'update', session }, createIdbStore(dbName, 'sessions'))
    return dbName
  }

  it('a Map kept as metadata and a Set kept as location read as {} (not quarantined, still signed in)', async () => {
    const dbName = await storedSession({ ...makeSession(), metadata: new Map([['a', 1]]), location: new Set(['x']) })
    const { store } = await started({ dbName })
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { metadata: {}, location: {} } })
  })

  it('metadata nested 70 levels deep (kept by an earlier release) survives the next update', async () => {
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 70; i += 1) deep = { d: deep }
    const dbName = await storedSession({ ...makeSession(), metadata: deep })
    const { store } = await started({ dbName })
    await expect(store.update({ ipAddress: '10.0.0.2' })).resolves.toBe(true)
    expect(JSON.stringify(await idbRaw(dbName))).toContain('"leaf":true')
  })

  it('an own "__proto__" key stays a key: it never becomes the copy\'s prototype nor supplies a field', () => {
    const { scopes: _scopes, ...withoutScopes } = makeSession()
    const input = JSON.parse(JSON.stringify(withoutScopes).replace('{', '{"__proto__":{"scopes":42},')) as unknown
    const session = parseSession(input)
    expect(session.scopes).toBeUndefined()
    expect(Object.getPrototypeOf(session)).toBe(Object.prototype)
    const metadata = parseSession({ ...makeSession(), metadata: JSON.parse('{"__proto__":{"x":1},"y":2}') }).metadata!
    expect(Object.keys(metadata)).toEqual(['__proto__', 'y'])
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype)
  })

  it('a getter that answers differently the second time cannot get an invalid value stored', async () => {
    let reads = 0
    const input = { ...makeSession() } as Record<string, unknown>
    Object.defineProperty(input, 'expiresAt', { enumerable: true, get: () => (++reads === 1 ? '2030-01-01T00:00:00Z' : 'soon') })
    const shared = new Map<string, unknown>()
    const { store } = await started({ persistence: createMemoryPersistence(shared) })
    await store.signIn(input as never)
    const next = await started({ persistence: createMemoryPersistence(shared) })
    expect(next.store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { expiresAt: '2030-01-01T00:00:00Z' } })
  })

  it('error messages never print a value given for a credential', () => {
    const error = caught(() => parseSession({ ...makeSession(), refreshToken: 918273645546372 })) as Error
    expect(error).toMatchObject({ code: 'wrong-type', path: 'refreshToken' })
    expect(error.message).not.toContain('918273645546372')
  })

  it('a key with a dot is quoted in the path, unlike a nested key', () => {
    expect(caught(() => parseSession({ ...makeSession(), metadata: { 'a.b': () => 1 } }))).toMatchObject({ path: 'metadata["a.b"]' })
    expect(caught(() => parseSession({ ...makeSession(), metadata: { a: { b: () => 1 } } }))).toMatchObject({ path: 'metadata.a.b' })
  })

  it('a Proxy of a Map whose prototype trap claims a plain object is refused', () => {
    const lying = new Proxy(new Map([['a', 1]]), { getPrototypeOf: () => Object.prototype })
    expect(caught(() => parseSession({ ...makeSession(), metadata: { m: lying } }))).toMatchObject({ code: 'wrong-type', path: 'metadata.m' })
  })
})

it('a migrate that edits its argument leaves the stored record as it was for the other readers', async () => {
  const shared = new Map<string, unknown>([
    ['session', { version: 1, generation: 2, ended: false, reason: 'sign-in', session: { ...makeSession(), metadata: { role: 'admin' } } }],
  ])
  const migrate = (old: unknown) => {
    const session = old as { metadata: Record<string, unknown> }
    session.metadata.roles = [session.metadata.role]
    delete session.metadata.role
    return session
  }
  const first = await started({ persistence: createMemoryPersistence(shared), version: 2, migrate })
  const second = await started({ persistence: createMemoryPersistence(shared), version: 2, migrate })
  expect(first.store.getState().session?.metadata).toEqual({ roles: ['admin'] })
  expect(second.store.getState().session?.metadata).toEqual({ roles: ['admin'] })
  expect(shared.get('session')).toMatchObject({ version: 1, session: { metadata: { role: 'admin' } } })
})

it('keys Object.prototype has ("constructor", "toString") are copied where the built-ins are frozen', () => {
  const saved = Object.getOwnPropertyDescriptor(Object.prototype, 'constructor')!
  Object.defineProperty(Object.prototype, 'constructor', { ...saved, writable: false })
  let result: unknown
  try {
    result = caught(() => parseSession({ ...makeSession(), metadata: JSON.parse('{"constructor":"x","toString":"y"}') }))
  } finally {
    Object.defineProperty(Object.prototype, 'constructor', saved)
  }
  expect(result).toBeUndefined()
  const { metadata } = parseSession({ ...makeSession(), metadata: JSON.parse('{"constructor":"x","toString":"y"}') })
  expect(Object.keys(metadata!)).toEqual(['constructor', 'toString'])
  expect(metadata!.constructor).toBe('x')
})
