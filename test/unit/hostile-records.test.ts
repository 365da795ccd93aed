import { createStore as createIdbStore, set } from 'idb-keyval'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, parseSession, SessionParseError, type SessionEvent } from '../../src/index'
import { caught } from '../support/caught'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, noWake, startedTab } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'
import { idbRaw } from '../support/started-store'

// Records that no release of this library writes, but that storage can hold
// (a script of the origin, a devtools edit, a bit flip): each must leave the
// tab working, with a typed error where something was refused.

afterEach(() => destroyTabs())

const stored = (record: Record<string, unknown>) =>
  new Map<string, unknown>([['session', { version: 1, ended: false, reason: 'update', epoch: 'e1', session: makeSession(), ...record }]])

const errorsOf = (events: SessionEvent[]) => events.flatMap((event) => (event.type === 'error' ? [event.error.code] : []))

describe('an array whose length is not its size (sparse)', () => {
  const sparse = (length: number) => Object.assign([], { length })

  it('is refused at once in new input, naming its path', () => {
    const started = Date.now()
    const error = caught(() => parseSession({ ...makeSession(), metadata: { list: sparse(2 ** 32 - 1) } }))
    expect(error).toBeInstanceOf(SessionParseError)
    expect(error).toMatchObject({ code: 'wrong-type', path: 'metadata.list' })
    expect((error as Error).message).toMatch(/longer than 100000 items/)
    // The walk over 4 billion indexes took minutes, or crashed the tab.
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('in a stored record is left out: the user stays signed in and nothing is quarantined', async () => {
    const dbName = uniqueDbName()
    const session = { ...makeSession(), metadata: { theme: 'dark', list: sparse(2 ** 32 - 1) } }
    await set('session', { version: 1, generation: 3, ended: false, reason: 'update', session }, createIdbStore(dbName, 'sessions'))
    const { store } = await startedTab({ dbName, logoutJournal: null })
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { sessionId: session.sessionId } })
    expect(store.getState().session?.metadata).toEqual({ theme: 'dark' })
    expect(await idbRaw(dbName, 'session:quarantine')).toBeUndefined()
  })

  it('in a corrupt record: quarantined by its length, at once', async () => {
    const shared = new Map<string, unknown>([['session', { version: 1, generation: 2, ended: false, session: { list: sparse(2 ** 32 - 1) } }]])
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-corrupt' } })
    expect(shared.get('session:quarantine')).toMatchObject({ session: { list: '[array, 4294967295 items]' } })
  })

  it('an array of ordinary length still round-trips, holes as null (as JSON)', () => {
    const list = ['a', , 'c'] // eslint-disable-line no-sparse-arrays
    expect(parseSession({ ...makeSession(), metadata: { list } }).metadata).toEqual({ list: ['a', null, 'c'] })
  })
})

describe('a clock skew no clock can have', () => {
  it.each([1e300, 9e15, -9e15])('stored (%d): ignored, and end() still ends the session', async (skew) => {
    const shared = stored({ generation: 4, clockSkewMs: skew })
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    expect(store.getState().status).toBe('authenticated')
    await expect(store.end('user-logout')).resolves.toBeUndefined()
    expect(store.getState().status).toBe('unauthenticated')
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
    expect(Date.parse((shared.get('session') as { session: { revokedAt: string } }).session.revokedAt)).toBeGreaterThan(0)
  })

  it("in a source's sign-in answer: not stored, and logout() still works", async () => {
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({
      persistence: createMemoryPersistence(shared),
      logoutJournal: null,
      locks: createMemoryLocks(),
      source: { name: 'odd', completeSignIn: async () => ({ session: makeSession(), clockSkewMs: 9e15 }), refresh: async () => ({ session: makeSession() }) },
    })
    await store.completeLogin('https://app.example/cb?code=1')
    expect((shared.get('session') as { clockSkewMs?: number }).clockSkewMs).toBeUndefined()
    await expect(store.logout()).resolves.toBeUndefined()
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('stored (9e15) with a valid token: refreshes wait for its expiry (the skew would have put it in the past)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = stored({ generation: 4, clockSkewMs: 9e15, session: server.signInSession() })
    await startedTab({ persistence: createMemoryPersistence(shared), clock, source: server.source(), locks: createMemoryLocks(), wake: noWake, logoutJournal: null })
    await clock.advance(5 * 60_000)
    expect(server.refreshes).toBe(0)
    await clock.advance(5 * 60_000)
    expect(server.refreshes).toBe(1)
  })

  it("in a source's refresh answer: ignored, so the next refresh waits for the new token's expiry", async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    const source = { ...inner, refresh: async (...args: Parameters<typeof inner.refresh>) => ({ ...(await inner.refresh(...args)), clockSkewMs: 9e15 }) }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, source, locks: createMemoryLocks(), wake: noWake, logoutJournal: null })
    await store.signIn(server.signInSession())
    await store.refresh({ force: true })
    await clock.advance(60_000)
    expect(server.refreshes).toBe(1)
  })

  it('a large real one (a device clock ten years slow) is still applied', async () => {
    const tenYears = 10 * 365 * 24 * 3600_000
    const shared = stored({ generation: 4, clockSkewMs: tenYears })
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    await store.end('user-logout')
    const revokedAt = Date.parse((shared.get('session') as { session: { revokedAt: string } }).session.revokedAt)
    expect(revokedAt - Date.now()).toBeGreaterThan(tenYears - 60_000)
  })
})

describe('refresh times from a clock since set back (or nonsense)', () => {
  const setUp = async (record: Record<string, unknown>) => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    // Tokens that expired a minute ago: a refresh is due now.
    const session = server.signInSession({ expiresAt: new Date(clock.now() - 60_000).toISOString() })
    const shared = stored({ generation: 4, session, ...record })
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, source: server.source(), locks: createMemoryLocks(), wake: noWake, logoutJournal: null })
    return { clock, server, store }
  }

  it.each([
    ['a last refresh a day ahead', (now: number) => ({ refreshedAt: now + 86_400_000 })],
    ['a last refresh at 1e300', () => ({ refreshedAt: 1e300 })],
    ['a retry a day ahead', (now: number) => ({ refreshRetryAt: now + 86_400_000, refreshFailedAt: now + 86_000_000, refreshFailures: 3 })],
    ['a retry at 1e300', () => ({ refreshRetryAt: 1e300, refreshFailedAt: 1e300, refreshFailures: 3 })],
  ])('%s does not hold refreshes back', async (_, times) => {
    const { clock, server, store } = await setUp(times(new FakeClock().now()))
    // Within the minimum interval: a time a day ahead is taken for a clock set back (clock-set-back.ts) while no tab ran, the refresh as made just now.
    await clock.advance(6000)
    expect(server.refreshes).toBe(1)
    await clock.advance(5 * 60_000)
    expect(server.refreshes).toBe(1) // no loop
    expect(store.getState().status).toBe('authenticated')
    await expect(store.getAccessToken()).resolves.toMatch(/^at-/)
  })

  it('a backoff within the longest one is still kept (the control)', async () => {
    const now = new FakeClock().now()
    const { clock, server } = await setUp({ refreshRetryAt: now + 30_000, refreshFailedAt: now, refreshFailures: 3 })
    await clock.advance(10_000)
    expect(server.refreshes).toBe(0)
    await clock.advance(25_000)
    expect(server.refreshes).toBe(1)
  })
})

describe('a generation at the last safe integer', () => {
  it('a valid record there: the next write starts a new epoch at 1, and the session survives a re-read', async () => {
    const shared = stored({ generation: Number.MAX_SAFE_INTEGER })
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    await expect(store.update({ metadata: { theme: 'dark' } })).resolves.toBe(true)
    expect(shared.get('session')).toMatchObject({ generation: 1, loginGeneration: 1 })
    expect((shared.get('session') as { epoch: string }).epoch).not.toBe('e1')
    await store.reconcile()
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null, session: { metadata: { theme: 'dark' } } })
    await store.update({ metadata: { theme: 'light' } })
    expect(shared.get('session')).toMatchObject({ generation: 2 })
    expect(errorsOf(events)).toEqual([])
  })

  it('a corrupt record there: repaired once, and a sign-in after it stays signed in', async () => {
    const shared = new Map<string, unknown>([['session', { version: 1, generation: Number.MAX_SAFE_INTEGER, ended: false, session: 'garbage' }]])
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    await store.reconcile()
    await store.signIn(makeSession())
    await store.reconcile()
    expect(store.getState().status).toBe('authenticated')
    expect(errorsOf(events)).toEqual([])
    expect(shared.get('session:quarantine')).toMatchObject({ generation: Number.MAX_SAFE_INTEGER, session: '[string, 7 chars]' })
  })
})

describe("a database of the app's own under authsession's dbName", () => {
  const appDatabase = (name: string) =>
    new Promise<void>((resolve, reject) => {
      const request = indexedDB.open(name, 3)
      request.onupgradeneeded = () => request.result.createObjectStore('other')
      request.onsuccess = () => (request.result.close(), resolve())
      request.onerror = () => reject(request.error)
    })

  it('is left as it is (its owner opens it at its version again); the tab says why it keeps its session in memory', async () => {
    const dbName = uniqueDbName()
    await appDatabase(dbName)
    const { store } = await startedTab({ dbName, logoutJournal: null })
    expect(store.getState().error).toMatchObject({ code: 'storage-unavailable', message: expect.stringContaining(`database "${dbName}" exists without the object store "sessions"`) })
    await store.signIn(makeSession())
    expect(store.getState().status).toBe('authenticated')
    const reopened = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName, 3)
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    expect([reopened.version, [...reopened.objectStoreNames]]).toEqual([3, ['other']])
    reopened.close()
  })
})

describe('storage that fell back to memory', () => {
  it('keeps saying so after a sign-in (the session still lives in this tab only)', async () => {
    const original = globalThis.indexedDB
    // @ts-expect-error: a browser without IndexedDB
    delete globalThis.indexedDB
    try {
      const { store } = await startedTab({ dbName: uniqueDbName(), logoutJournal: null })
      expect(store.getState().error?.code).toBe('storage-unavailable')
      await store.signIn(makeSession())
      expect(store.getState()).toMatchObject({ status: 'authenticated', error: { code: 'storage-unavailable' } })
    } finally {
      globalThis.indexedDB = original
    }
  })
})
