import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdbPersistence, createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionStore } from '../../src/index'
import { forceCloseDatabase } from 'fake-indexeddb'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, failable, noWake, startedTab } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'

/** Storage taken away under a running store: the database deleted, emptied or closed by the browser. */
const extra: SessionStore[] = []
afterEach(() => {
  destroyTabs()
  extra.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const deleteDatabase = (name: string) =>
  new Promise<'deleted' | 'blocked'>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve('deleted')
    request.onerror = () => reject(request.error)
    request.onblocked = () => resolve('blocked')
  })

/** The connections opened to `dbName` from here on, and which of them are still open. */
function trackConnections(dbName: string) {
  const all: Array<{ db: IDBDatabase; closed: boolean }> = []
  const open = indexedDB.open.bind(indexedDB)
  vi.spyOn(indexedDB, 'open').mockImplementation((name: string, version?: number) => {
    const request = open(name, version)
    if (name === dbName) {
      request.addEventListener('success', () => {
        const entry = { db: request.result, closed: false }
        const close = entry.db.close.bind(entry.db)
        entry.db.close = () => ((entry.closed = true), close())
        entry.db.addEventListener('close', () => (entry.closed = true))
        all.push(entry)
      })
    }
    return request
  })
  return { open: () => all.filter((entry) => !entry.closed).map((entry) => entry.db) }
}

/** Persistence over `inner` whose watchers can be told by hand, counting closes. */
function watchable(inner: SessionPersistence) {
  const watchers = new Set<() => void>()
  const counts = { closes: 0 }
  const persistence: SessionPersistence = {
    ...inner,
    watch: (listener) => (watchers.add(listener), () => void watchers.delete(listener)),
    close: () => void (counts.closes += 1),
  }
  return { persistence, counts, watchers, tell: () => watchers.forEach((listener) => listener()) }
}

describe('the database deleted or cleared under a running store', () => {
  it('deleteDatabase is never blocked by an open store, which then follows the empty database', async () => {
    const dbName = uniqueDbName()
    const { store } = await startedTab({ dbName })
    await store.signIn(makeSession())
    expect(await deleteDatabase(dbName)).toBe('deleted')
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null }))
    // The store goes on using storage: a new sign-in is stored and read back by another tab.
    await store.signIn(makeSession({ sessionId: 'after-the-wipe' }))
    const { store: other } = await startedTab({ dbName })
    expect(other.getState().session?.sessionId).toBe('after-the-wipe')
  })

  it('a watcher told the stored data may be gone reads again, and stops being told once the store stops', async () => {
    const shared = new Map<string, unknown>()
    const { persistence, counts, watchers, tell } = watchable(createMemoryPersistence(shared))
    const { store, stop } = await startedTab({ persistence })
    await store.signIn(makeSession())
    shared.delete('session') // gone with no write a tab announced
    tell()
    await vi.waitFor(() => expect(store.getState().status).toBe('unauthenticated'))
    stop()
    await settle()
    expect(watchers.size).toBe(0)
    expect(counts.closes).toBe(1) // a stopped store lets go of its connection
    store.destroy()
    expect(counts.closes).toBe(2)
  })

  it('a write refused on an emptied key signs the tab out, as a read of it would', async () => {
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared) })
    await store.signIn(makeSession())
    shared.delete('session')
    expect(await store.update({ ipAddress: '192.0.2.9' })).toBe(false)
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null }))
  })

  it.each([
    ['corrupt', { version: 1, generation: 'x' }, 'storage-corrupt'],
    ['of an older version migrate cannot upgrade', { version: 0, generation: 3, ended: false, session: {} }, 'storage-migrate-failed'],
  ])('a write refused over a record that is %s: the tab reads it and reports it, as on start-up', async (_, bad, code) => {
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), migrate: () => { throw new Error('no') } })
    await store.signIn(makeSession())
    shared.set('session', bad)
    expect(await store.update({ ipAddress: '192.0.2.9' })).toBe(false)
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code } }))
  })

  it('a sign-in this tab could not store yet outlives the emptied key, and is stored there', async () => {
    const shared = new Map<string, unknown>()
    const { persistence: full, disk } = failable(createMemoryPersistence(shared))
    const { persistence, tell } = watchable(full)
    const clock = new FakeClock()
    const { store } = await startedTab({ persistence, clock })
    await store.signIn(makeSession({ sessionId: 'A' }))
    disk.full = true
    await store.signIn(makeSession({ sessionId: 'B' })) // kept in memory, shown
    disk.full = false
    shared.delete('session') // "clear local data" also freed the disk
    tell()
    await settle()
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: 'B' } })
    await clock.advance(5000) // the unsaved change's next offer
    expect(shared.get('session')).toMatchObject({ session: { sessionId: 'B' } })
  })

  it('the browser closing the connection (site data cleared) makes the store read again, on a new connection', async () => {
    const dbName = uniqueDbName()
    const connections = trackConnections(dbName)
    const { store: a } = await startedTab({ dbName })
    await a.signIn(makeSession())
    const [aConnection] = connections.open()
    const { store: b } = await startedTab({ dbName }) // no tab channel: a hears nothing from b
    expect(await b.update({ ipAddress: '192.0.2.7' })).toBe(true)
    expect(a.getState().session?.ipAddress).not.toBe('192.0.2.7')
    forceCloseDatabase(aConnection as never)
    await vi.waitFor(() => expect(a.getState().session?.ipAddress).toBe('192.0.2.7'))
    expect(await a.update({ ipAddress: '192.0.2.8' })).toBe(true) // and writes on its new connection
  })

  it('a delete another connection blocks: writes fail after the open timeout instead of hanging, and the tab follows once it goes through', async () => {
    const dbName = uniqueDbName()
    const { store } = await startedTab({ dbName, openTimeoutMs: 100 })
    await store.signIn(makeSession())
    const stubborn = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open(dbName)
      request.onsuccess = () => resolve(request.result) // a tab of an earlier release: it never closes on versionchange
    })
    const request = indexedDB.deleteDatabase(dbName)
    const deleted = new Promise((resolve) => (request.onsuccess = resolve))
    await new Promise((resolve) => (request.onblocked = resolve)) // the store has let go; the stubborn tab has not
    const updated = await Promise.race([store.update({ ipAddress: '192.0.2.2' }), new Promise((resolve) => setTimeout(() => resolve('hung'), 1000))])
    expect(updated).not.toBe('hung')
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: { code: 'storage-write-failed' } }) // kept in memory
    stubborn.close()
    await deleted
    await vi.waitFor(() => expect(store.getState().status).toBe('unauthenticated'))
  })

  it('a store stopped or destroyed while a write is in flight closes the connection that write opened', async () => {
    const dbName = uniqueDbName()
    const connections = trackConnections(dbName)
    const store = createSessionStore({ dbName, channel: null, wake: noWake, logoutJournal: null })
    extra.push(store)
    const stop = store.start()
    await store.whenHydrated()
    await store.signIn(makeSession())
    const ending = store.end('user-logout')
    stop()
    await ending
    await settle()
    expect(connections.open()).toHaveLength(0)
    void store.update({ ipAddress: '192.0.2.3' })
    store.destroy()
    await settle()
    expect(connections.open()).toHaveLength(0)
  })

  it('a connection closed before its close event arrived (InvalidStateError on the next transaction) is replaced once, and the write lands', async () => {
    const dbName = uniqueDbName()
    const connections = trackConnections(dbName)
    const persistence = createIdbPersistence({ dbName })
    await persistence.update(() => ({ next: 1, result: null }))
    const [first] = connections.open()
    IDBDatabase.prototype.close.call(first!) // closed under us, with no event
    expect(await persistence.update((current) => ({ next: (current as number) + 1, result: 'stored' }))).toBe('stored')
    expect(await persistence.read()).toBe(2)
    expect(connections.open().filter((db) => db !== first)).toHaveLength(1) // one new connection (the tracker missed the bare close)
    persistence.close()
  })

  it('operations on an open connection arm no open deadline; a reopen does', async () => {
    const dbName = uniqueDbName()
    const persistence = createIdbPersistence({ dbName, openTimeoutMs: 4321 })
    await persistence.update(() => ({ next: 1, result: null }))
    const timers = vi.spyOn(globalThis, 'setTimeout')
    const deadlines = () => timers.mock.calls.filter(([, ms]) => ms === 4321).length
    await persistence.update(() => ({ next: 2, result: null }))
    await persistence.read()
    expect(deadlines()).toBe(0)
    expect(await deleteDatabase(dbName)).toBe('deleted') // versionchange: the connection goes
    expect(await persistence.read()).toBeUndefined()
    expect(deadlines()).toBe(1)
    persistence.close()
  })

  it('a closed IndexedDB persistence opens again on its next use', async () => {
    const dbName = uniqueDbName()
    const persistence = createIdbPersistence({ dbName })
    await persistence.update(() => ({ next: { hello: 1 }, result: null }))
    persistence.close()
    expect(await deleteDatabase(dbName)).toBe('deleted') // nothing held it open
    expect(await persistence.read()).toBeUndefined()
    await persistence.update(() => ({ next: { hello: 2 }, result: null }))
    expect(await persistence.read()).toEqual({ hello: 2 })
    persistence.close()
  })
})

