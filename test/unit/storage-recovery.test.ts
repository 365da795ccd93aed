import { afterEach, describe, expect, it, vi } from 'vitest'
import { get, set, createStore as createIdbStore } from 'idb-keyval'
import { createSessionStore, type SessionEvent, type SessionStore, type SessionStoreOptions } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { makeSession, uniqueDbName } from '../support/sessions'
import { failingWrites, slowIndexedDb } from '../support/indexeddb-faults'

const stores: SessionStore[] = []
const restore: Array<() => void> = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  restore.splice(0).forEach((undo) => undo())
  vi.unstubAllGlobals()
})

const realIndexedDb = globalThis.indexedDB
const idb = (dbName: string) => createIdbStore(dbName, 'sessions')
const stored = (dbName: string) => get('session', idb(dbName)) as Promise<Record<string, unknown> | undefined>

/** A store whose IndexedDB open answers only on `release()`, long after its 50 ms timeout. */
async function slowStore(dbName: string, options: SessionStoreOptions = {}) {
  const slow = slowIndexedDb(realIndexedDb)
  vi.stubGlobal('indexedDB', slow.factory)
  const store = createSessionStore({ dbName, openTimeoutMs: 50, ...options })
  stores.push(store)
  const events: SessionEvent[] = []
  store.on((event) => events.push(event))
  store.start()
  // The open timeout runs on the store's clock.
  if (options.clock instanceof FakeClock) await options.clock.advance(50)
  await store.whenHydrated()
  // The store has its connection request; everyone else gets the normal factory again.
  vi.unstubAllGlobals()
  return { store, events, release: slow.release }
}

describe('IndexedDB that answers after the open timeout', () => {
  it('the tab on memory rejoins the shared record, and follows other tabs from then on', async () => {
    const dbName = uniqueDbName()
    const session = makeSession()
    await set('session', { version: 1, generation: 3, ended: false, reason: 'sign-in', session }, idb(dbName))
    const { store, events, release } = await slowStore(dbName)
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-unavailable' } })

    release()
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'authenticated', session, error: null }))
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['storage-unavailable', 'storage-recovered']))

    // Joined for real: another tab's logout reaches it through IndexedDB.
    const other = createSessionStore({ dbName })
    stores.push(other)
    other.start()
    await other.whenHydrated()
    await other.end('user-logout')
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } }))
  })

  it('a sign-in made while on memory is stored once IndexedDB answers', async () => {
    const dbName = uniqueDbName()
    const { store, release } = await slowStore(dbName)
    const session = makeSession()
    await store.signIn(session)
    expect(await stored(dbName)).toBeUndefined()

    release()
    await vi.waitFor(async () => expect(await stored(dbName)).toMatchObject({ ended: false, session }))
    expect(store.getState()).toMatchObject({ status: 'authenticated', session })
  })

  it('…but never over a session another tab signed in meanwhile', async () => {
    const dbName = uniqueDbName()
    const { store, release } = await slowStore(dbName)
    await store.signIn(makeSession())
    const theirs = makeSession()
    await set('session', { version: 1, generation: 1, ended: false, reason: 'sign-in', session: theirs }, idb(dbName))

    release()
    await vi.waitFor(() => expect(store.getState().session).toEqual(theirs))
    expect(await stored(dbName)).toMatchObject({ generation: 1, session: theirs })
  })

  it('a logout made while on memory ends the same stored session', async () => {
    const dbName = uniqueDbName()
    const session = makeSession()
    await set('session', { version: 1, generation: 5, ended: false, reason: 'sign-in', session }, idb(dbName))
    const { store, release } = await slowStore(dbName)
    await store.signIn(session)
    await store.end('user-logout')

    release()
    await vi.waitFor(async () =>
      expect(await stored(dbName)).toMatchObject({ generation: 6, ended: true, session: { status: 'revoked', accessToken: '' } }),
    )
    expect(JSON.stringify(await stored(dbName))).not.toContain('secret')
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('a destroyed store does not act on a late answer', async () => {
    const dbName = uniqueDbName()
    const { store, events, release } = await slowStore(dbName)
    await store.signIn(makeSession())
    store.destroy()
    release()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(events.map((event) => event.type)).not.toContain('storage-recovered')
    expect(await stored(dbName)).toBeUndefined()
  })
})

/** Read-write transactions throw a quota error (a full disk) until the returned function is called. */
function failWrites() {
  const writes = failingWrites(() => new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
  restore.push(writes.undo)
  return writes.heal
}

describe('IndexedDB answers late, and the write carrying the memory change over fails', () => {
  const rejoinFailed = async (dbName: string) => {
    const clock = new FakeClock()
    const tab = await slowStore(dbName, { channel: null, clock })
    return { ...tab, clock, quotaError: () => expect(tab.events).toContainEqual(expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'storage-quota' }) })) }
  }

  it('a sign-in made on memory is kept (its token handed out) and stored once the disk has room', async () => {
    const dbName = uniqueDbName()
    const { store, clock, release, quotaError } = await rejoinFailed(dbName)
    const session = makeSession()
    await store.signIn(session)
    const roomAgain = failWrites()
    release()
    await vi.waitFor(quotaError)
    roomAgain()
    await clock.advance(60_000) // the retries of a change held in memory have run by now
    await store.reconcile()
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: session.sessionId } })
    await expect(store.getAccessToken()).resolves.toBe(session.accessToken)
    expect(await stored(dbName)).toMatchObject({ ended: false, session: { sessionId: session.sessionId } })
  })

  it('a logout made on memory is not lost: the tab stays signed out and the stored session is ended', async () => {
    const dbName = uniqueDbName()
    const session = makeSession()
    await set('session', { version: 1, generation: 5, ended: false, reason: 'sign-in', session }, idb(dbName))
    const { store, clock, release, quotaError } = await rejoinFailed(dbName)
    await store.signIn(session)
    await store.end('user-logout')
    const roomAgain = failWrites()
    release()
    await vi.waitFor(quotaError)
    roomAgain()
    await clock.advance(60_000)
    await store.reconcile()
    expect(store.getState().status).toBe('unauthenticated')
    expect(await stored(dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
  })
})
