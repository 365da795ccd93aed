import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdbPersistence, createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionStore } from '../../src/index'
import { settle } from '../support/fake-clock'
import { destroyTabs, noWake, startedTab } from '../support/fake-tabs'
import { webStorage } from '../support/torn-pages'
import { makeSession, uniqueDbName } from '../support/sessions'

/** Storage taken away under a running store (deleted, cleared, closed), and a logout note no storage takes. */
const extra: SessionStore[] = []
afterEach(() => {
  destroyTabs()
  extra.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
})

const deleteDatabase = (name: string) =>
  new Promise<'deleted' | 'blocked'>((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve('deleted')
    request.onerror = () => reject(request.error)
    request.onblocked = () => resolve('blocked')
  })

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
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null })
  })

  it('a closed IndexedDB persistence opens again on its next use', async () => {
    const dbName = uniqueDbName()
    const persistence = createIdbPersistence({ dbName })
    await persistence.update(() => ({ next: { hello: 1 }, result: null }))
    persistence.close!()
    expect(await deleteDatabase(dbName)).toBe('deleted') // nothing held it open
    expect(await persistence.read()).toBeUndefined()
    await persistence.update(() => ({ next: { hello: 2 }, result: null }))
    expect(await persistence.read()).toEqual({ hello: 2 })
    persistence.close!()
  })
})

describe('a logout note no storage takes', () => {
  const full = () => ({ ...webStorage(), setItem: () => { throw new DOMException('full', 'QuotaExceededError') } })

  it('localStorage full: the note goes to sessionStorage, and the next page of the tab finishes the logout', async () => {
    const local = full()
    const session = webStorage()
    vi.stubGlobal('localStorage', local)
    vi.stubGlobal('sessionStorage', session)
    const shared = new Map<string, unknown>()
    let torn = false
    const memory = createMemoryPersistence(shared)
    const tearable: SessionPersistence = { ...memory, update: (decide) => (torn ? new Promise(() => {}) : memory.update(decide)) }
    const { store: first } = await startedTab({ persistence: tearable })
    await first.signIn(makeSession())
    torn = true // the page goes away mid-write
    void first.end('user-logout')
    await settle()
    expect(session.items.size).toBe(1)
    first.destroy()
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared) })
    expect(next.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await vi.waitFor(() => expect(shared.get('session')).toMatchObject({ ended: true }))
    expect(session.items.size).toBe(0)
  })

  it('no storage takes the note: the tombstone write starts at once, with no grace', async () => {
    const starts = async (logoutJournal: ReturnType<typeof webStorage> | null) => {
      const memory = createMemoryPersistence()
      let writes = 0
      const counted: SessionPersistence = { ...memory, update: (decide) => ((writes += 1), memory.update(decide)) }
      const store = createSessionStore({ persistence: counted, channel: null, wake: noWake, logoutJournal })
      extra.push(store)
      store.start()
      await store.signIn(makeSession())
      const before = writes
      const ending = store.end('user-logout')
      for (let i = 0; i < 10; i += 1) await Promise.resolve()
      const startedAtOnce = writes > before
      await ending
      return startedAtOnce
    }
    expect(document.visibilityState).toBe('visible') // a visible tab waits the grace when it has noted the logout
    expect(await starts(webStorage())).toBe(false)
    expect(await starts(full())).toBe(true)
    expect(await starts(null)).toBe(true)
  })
})
