import { createStore as createIdbStore, set } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AuthSessionError,
  createIdbPersistence,
  createMemoryPersistence,
  createSessionStore,
  parseSession,
  SessionParseError,
} from '../../src/index'
import { caught } from '../support/caught'
import { FakeClock } from '../support/fake-clock'
import { failingReads } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'
import { idbRaw, startedStore as started, stopStartedStores, trackStore } from '../support/started-store'

afterEach(() => {
  stopStartedStores()
  vi.unstubAllGlobals()
})

const v1Record = (session = makeSession()) => ({ version: 1, generation: 3, ended: false, reason: 'sign-in', session })

describe('store options that would be stored and read back as corrupt', () => {
  it.each([[1.5], [Number.NaN], [2 ** 53], ['2']])('version %s is refused with invalid-argument', (version) => {
    const error = caught(() => createSessionStore({ persistence: createMemoryPersistence(), channel: null, version: version as number }))
    expect(error).toBeInstanceOf(AuthSessionError)
    expect(error).toMatchObject({ code: 'invalid-argument' })
  })

  it('version 0 (any whole number) is taken and reads back', async () => {
    const shared = new Map<string, unknown>()
    const first = await started({ persistence: createMemoryPersistence(shared), version: 0 })
    await first.store.signIn(makeSession())
    const reloaded = await started({ persistence: createMemoryPersistence(shared), version: 0 })
    expect(reloaded.store.getState()).toMatchObject({ status: 'authenticated', error: null })
  })

  it('a migrate that is not a function is refused with invalid-argument', () => {
    const error = caught(() => createSessionStore({ persistence: createMemoryPersistence(), channel: null, version: 2, migrate: {} as never }))
    expect(error).toMatchObject({ code: 'invalid-argument' })
  })
})

describe('a migrate that cannot upgrade the stored session leaves it stored', () => {
  it.each([
    ['throws', () => { throw new TypeError('migration bug') }, /threw TypeError/],
    ['is async', async (session: unknown) => session, /returned a Promise/],
    ['answers an invalid session', () => ({ sessionId: 1 }), /Invalid session/],
    ['is missing', undefined, /no migrate function/],
  ])('when migrate %s: storage-migrate-failed, the record untouched, a fixed deploy reads it', async (_, migrate, message) => {
    const dbName = uniqueDbName()
    const session = makeSession()
    await set('session', v1Record(session), createIdbStore(dbName, 'sessions'))
    const { store, events } = await started({ dbName, version: 2, migrate: migrate as never })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-migrate-failed', message: expect.stringMatching(message) } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'storage-migrate-failed' }) }))
    // Not repaired, not quarantined: exactly what was stored.
    expect(await idbRaw(dbName)).toEqual(v1Record(session))
    expect(await idbRaw(dbName, 'session:quarantine')).toBeUndefined()
    // The next deploy fixes its migrate: the user is still signed in.
    const fixed = await started({ dbName, version: 2, migrate: (stored) => stored })
    expect(fixed.store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: session.sessionId } })
  })

  it('an old-version tab still open keeps its session; a new sign-in in the new version replaces the record', async () => {
    const shared = new Map<string, unknown>()
    const oldTab = await started({ persistence: createMemoryPersistence(shared), version: 1 })
    await oldTab.store.signIn(makeSession())
    const broken = () => {
      throw new Error('migration bug')
    }
    const newTab = await started({ persistence: createMemoryPersistence(shared), version: 2, migrate: broken })
    await oldTab.store.reconcile()
    expect(oldTab.store.getState().status).toBe('authenticated')
    const fresh = makeSession()
    await newTab.store.signIn(fresh)
    expect(newTab.store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { sessionId: fresh.sessionId } })
    expect(shared.get('session')).toMatchObject({ version: 2, session: { sessionId: fresh.sessionId } })
  })
})

describe('a read that fails while hydrating', () => {
  it('is reported as storage-read-failed, and the next read adopts the stored session', async () => {
    const dbName = uniqueDbName()
    const session = makeSession()
    await set('session', v1Record(session), createIdbStore(dbName, 'sessions'))
    const { store, events } = await started({ persistence: failingReads(createIdbPersistence({ dbName })) })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-read-failed' } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'storage-read-failed' }) }))
    await store.reconcile() // a wake-up or a tab message
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { sessionId: session.sessionId } })
  })
})

describe('parseSession refuses what storage would change or a comparison would choke on, naming the path', () => {
  class SessionDto {
    readonly fields = makeSession()
    get sessionId() {
      return this.fields.sessionId
    }
  }
  const cycle: Record<string, unknown> = { name: 'loop' }
  cycle.self = cycle
  it.each([
    ['a class instance', new SessionDto(), 'not-an-object', ''],
    ['a Date as user', { ...makeSession(), user: new Date() }, 'wrong-type', 'user'],
    ['a Map as deviceInfo', { ...makeSession(), deviceInfo: new Map([['userAgent', 'x']]) }, 'wrong-type', 'deviceInfo'],
    ['a function in metadata', { ...makeSession(), metadata: { callback: () => 1 } }, 'wrong-type', 'metadata.callback'],
    ['a BigInt in metadata', { ...makeSession(), metadata: { n: 1n } }, 'wrong-type', 'metadata.n'],
    ['a cycle in metadata', { ...makeSession(), metadata: { cycle } }, 'wrong-type', 'metadata.cycle.self'],
    ['a Date deep in an array', { ...makeSession(), metadata: { logins: [{ at: new Date() }] } }, 'wrong-type', 'metadata.logins[0].at'],
    ['a symbol under an unknown top-level key', { ...makeSession(), extra: Symbol('x') }, 'wrong-type', 'extra'],
    ['a Uint8Array in an open object', { ...makeSession(), user: { id: 'u1', key: new Uint8Array(4) } }, 'wrong-type', 'user.key'],
  ])('%s', (_, input, code, path) => {
    const error = caught(() => parseSession(input))
    expect(error).toBeInstanceOf(SessionParseError)
    expect(error).toMatchObject({ code, path })
  })

  it('keeps JSON data, a shared (not cyclic) object and objects without a prototype', () => {
    const shared = { a: 1 }
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { team: 'ops' })
    const session = parseSession({ ...makeSession(), metadata: { one: shared, two: shared, list: [1, 'x', null, true, { deep: [] }] }, user: bare })
    expect(session.metadata).toEqual({ one: { a: 1 }, two: { a: 1 }, list: [1, 'x', null, true, { deep: [] }] })
    expect(session.user.team).toBe('ops')
  })

  it('update() with a BigInt rejects with a typed error naming it, and writes nothing', async () => {
    const shared = new Map<string, unknown>()
    const { store } = await started({ persistence: createMemoryPersistence(shared) })
    await store.signIn(makeSession())
    const before = shared.get('session')
    await expect(store.update({ metadata: { n: 2n } })).rejects.toMatchObject({ name: 'SessionParseError', code: 'wrong-type', path: 'metadata.n' })
    await expect(store.update(() => ({ metadata: { n: 2n } }))).rejects.toBeInstanceOf(SessionParseError)
    expect(shared.get('session')).toBe(before)
  })
})

it('a quarantined record keeps no bytes: buffers only as their length, other objects as their kind', async () => {
  const shared = new Map<string, unknown>()
  const secret = new TextEncoder().encode('private_secret')
  shared.set('session', { version: 1, generation: 2, ended: false, session: { metadata: { key: secret, raw: secret.buffer, seen: new Map([['a', 'b']]) } } })
  await started({ persistence: createMemoryPersistence(shared) })
  const kept = shared.get('session:quarantine') as { session: { metadata: Record<string, unknown> } }
  expect(kept.session.metadata).toEqual({ key: '[bytes, 14]', raw: '[bytes, 14]', seen: '[Map]' })
})

it('the IndexedDB open timeout runs on the store clock', async () => {
  vi.stubGlobal('indexedDB', { open: () => ({}) }) // an open that never answers
  const clock = new FakeClock()
  const store = trackStore(createSessionStore({ channel: null, clock, openTimeoutMs: 50 }))
  const events: string[] = []
  store.on((event) => events.push(event.type))
  store.start()
  await new Promise((resolve) => setTimeout(resolve, 120)) // real time passes; the store's clock does not
  expect(events).not.toContain('storage-unavailable')
  expect(store.getState().status).toBe('loading')
  await clock.advance(50)
  await store.whenHydrated()
  expect(events).toContain('storage-unavailable')
  expect(store.getState().status).toBe('unauthenticated')
})

it("an app's state listener throwing during hydration: hydration completes, the error surfaces as uncaught", async () => {
  const rethrown: unknown[] = []
  vi.stubGlobal('queueMicrotask', (callback: () => void) => {
    try {
      callback()
    } catch (error) {
      rethrown.push(error)
    }
  })
  const shared = new Map<string, unknown>([['session', v1Record()]])
  const store = trackStore(createSessionStore({ persistence: createMemoryPersistence(shared), channel: null }))
  const bug = new Error('app listener bug')
  let calls = 0
  store.subscribe(() => {
    calls += 1
    if (calls === 1) throw bug
  })
  await expect(store.whenHydrated()).resolves.toBeUndefined()
  expect(store.hasHydrated()).toBe(true)
  expect(store.getState().status).toBe('authenticated')
  expect(rethrown).toEqual([bug])
  await expect(store.whenHydrated()).resolves.toBeUndefined()
})
