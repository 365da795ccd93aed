import { get, set, createStore as createIdbStore } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionSource, type SessionStore } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { slowIndexedDb } from '../support/indexeddb-faults'
import { webStorage, tearable } from '../support/torn-pages'
import { makeSession, uniqueDbName } from '../support/sessions'

/** Races around a tab's own logout: the 16 ms grace before its write, and the next page finishing a noted one. */
const extra: SessionStore[] = []
afterEach(() => {
  destroyTabs()
  extra.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
})
const realIndexedDb = globalThis.indexedDB

const stored = (shared: Map<string, unknown>) => shared.get('session') as { generation: number; ended: boolean; session: Record<string, unknown> }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A provider 40 ms away: it rotates the refresh token at once, its answer arrives later; sign-outs revoke (and are recorded). */
function slowProvider(accessTokenTtlMs: number) {
  const clock = new FakeClock()
  const server = new FakeTokenServer(clock, { accessTokenTtlMs })
  const inner = server.source()
  const revoked: string[] = []
  const source: SessionSource = {
    ...inner,
    refresh: async (session, context) => {
      const answer = await inner.refresh(session, context)
      await sleep(40)
      return answer
    },
    signOut: async (session) => void revoked.push(session.refreshToken!),
  }
  return { clock, server, source, revoked }
}

describe("a tab's own logout, while it is being written", () => {
  it("a /logout page reloaded mid-logout: the next page's logout() still signs out at the provider, once", async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const signOut = vi.fn(async () => {})
    const source: SessionSource = { ...server.source(), signOut }
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { persistence, page } = tearable(createMemoryPersistence(shared))
    const { store: first } = await startedTab({ persistence, logoutJournal: journal, clock, locks: createMemoryLocks(), source })
    await first.signIn(server.signInSession())
    page.torn = true
    void first.logout({ redirect: false }) // the page goes away during its end()
    await settle()
    expect(stored(shared).ended).toBe(false)
    first.destroy()
    // The next page of the tab is the /logout route again: it calls logout() on mount.
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal, clock, locks: createMemoryLocks(), source })
    await next.logout({ redirect: false })
    await settle()
    expect(stored(shared).ended).toBe(true)
    expect(signOut).toHaveBeenCalledTimes(1)
  })

  it('an access token asked for during the logout grace starts no refresh: logout() revokes the live refresh token', async () => {
    const { clock, server, source, revoked } = slowProvider(60_000)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source, logoutJournal: null })
    await store.signIn(server.signInSession())
    clock.sleep(61_000) // the access token expired
    const loggingOut = store.logout({ redirect: false })
    const token = store.getAccessToken().catch((e) => e)
    await loggingOut
    await token
    await sleep(60)
    // Whatever the provider considers the live refresh token now must be the one revoked.
    const live = (server as unknown as { current: string }).current
    expect(revoked).toEqual([live])
  })

  it('the refresh timer firing during the logout grace calls no provider; logout() revokes the live refresh token', async () => {
    const { clock, server, source, revoked } = slowProvider(10 * 60_000)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source, logoutJournal: null })
    await store.signIn(server.signInSession())
    const due = store.nextRefreshAt()!
    clock.sleep(due - clock.now() - 1) // 1 ms before the refresh is due
    const loggingOut = store.logout({ redirect: false })
    await Promise.resolve()
    await clock.advance(1) // the timer fires while the logout waits out its grace
    await loggingOut
    await sleep(60)
    const live = (server as unknown as { current: string }).current
    expect({ providerRefreshes: server.refreshes, revoked }).toEqual({ providerRefreshes: 0, revoked: [live] })
  })

  it('the next page opens IndexedDB slowly (memory at first): the noted logout is not lost when IndexedDB answers', async () => {
    const dbName = uniqueDbName()
    const idb = createIdbStore(dbName, 'sessions')
    const session = makeSession()
    await set('session', { version: 1, generation: 3, epoch: 'e1', ended: false, reason: 'sign-in', session }, idb)
    const journal = webStorage()
    // What the previous page of this tab noted before it went away mid-write.
    journal.setItem(`authsession:ending:${dbName}:session`, JSON.stringify({ sessionId: session.sessionId, generation: 3, epoch: 'e1', revokeReason: 'user-logout', revokedAt: new Date().toISOString() }))
    const slow = slowIndexedDb(realIndexedDb)
    vi.stubGlobal('indexedDB', slow.factory)
    const store = createSessionStore({ dbName, openTimeoutMs: 50, logoutJournal: journal, channel: null })
    extra.push(store)
    store.start()
    await store.whenHydrated()
    vi.unstubAllGlobals()
    expect(store.getState().status).toBe('unauthenticated')
    slow.release()
    await vi.waitFor(() => expect(store.getState().error).toBeNull())
    await settle(10)
    expect(store.getState().status).toBe('unauthenticated')
    expect(await get('session', idb)).toMatchObject({ ended: true })
  })

  /**
   * The next page finds a noted logout of generation 1; its own first write
   * waits until tab b has stored `write` (generation 2).
   */
  async function nextPageAfter(write: (b: SessionStore) => Promise<unknown>) {
    const shared = new Map<string, unknown>()
    const channel = bus()
    const journal = webStorage()
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), logoutJournal: null })
    await b.signIn(makeSession())
    const rec = stored(shared) as unknown as { generation: number; epoch: string; loginGeneration: number; session: { sessionId: string } }
    // As end() notes an unconditional logout: naming its login.
    journal.setItem('authsession:ending:authsession:session', JSON.stringify({ sessionId: rec.session.sessionId, generation: rec.generation, epoch: rec.epoch, loginGeneration: rec.loginGeneration, revokeReason: 'user-logout', revokedAt: new Date().toISOString() }))
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const memory = createMemoryPersistence(shared)
    const gated: SessionPersistence = { ...memory, update: async (decide) => (await gate, memory.update(decide)) }
    const a = createSessionStore({ persistence: gated, channel: channel(), logoutJournal: journal, wake: { subscribe: () => () => {} } })
    extra.push(a)
    a.start()
    await a.whenHydrated()
    expect(a.getState().status).toBe('unauthenticated') // shown ended at once
    const shown: string[] = []
    a.subscribe((state) => void shown.push(state.status))
    await write(b)
    expect(stored(shared)).toMatchObject({ generation: 2, ended: false })
    release()
    return { a, b, shared, shown }
  }

  it('a noted logout also ends a later write of the same login that another tab stored first', async () => {
    const { a, b, shared, shown } = await nextPageAfter((b) => b.update({ metadata: { theme: 'dark' } }))
    await vi.waitFor(() => expect(stored(shared)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout', metadata: { theme: 'dark' } } }))
    await vi.waitFor(() => expect({ a: a.getState().status, b: b.getState().status }).toEqual({ a: 'unauthenticated', b: 'unauthenticated' }))
    expect(shown).not.toContain('authenticated') // the later record was never shown signed in on the next page
  })

  it('a noted logout never ends a new login stored first, even into the same IdP session: both tabs show it', async () => {
    const { a, b, shared } = await nextPageAfter((b) => b.signIn({ ...b.getState().session!, accessToken: 'at_again', refreshToken: 'rt_again' }))
    await vi.waitFor(() => expect({ a: a.getState().status, b: b.getState().status }).toEqual({ a: 'authenticated', b: 'authenticated' }))
    expect(stored(shared)).toMatchObject({ ended: false, session: { accessToken: 'at_again' } })
  })

  it('the delivery grace leaves no document or window listeners behind', async () => {
    const count = new Map<string, number>()
    const track = (target: EventTarget) => {
      const add = target.addEventListener.bind(target)
      const remove = target.removeEventListener.bind(target)
      vi.spyOn(target, 'addEventListener').mockImplementation(((type: string, l: never, o: never) => (count.set(type, (count.get(type) ?? 0) + 1), add(type, l, o))) as never)
      vi.spyOn(target, 'removeEventListener').mockImplementation(((type: string, l: never, o: never) => (count.set(type, (count.get(type) ?? 0) - 1), remove(type, l, o))) as never)
    }
    // A journal that takes the note and a channel that carries the announcement: the grace is only waited for both.
    const { store } = await startedTab({ persistence: createMemoryPersistence(), logoutJournal: webStorage(), channel: bus()() })
    await store.signIn(makeSession())
    track(document)
    track(window)
    await store.end('user-logout')
    vi.restoreAllMocks()
    expect(Object.fromEntries([...count].filter(([, n]) => n !== 0))).toEqual({})
    expect(count.get('visibilitychange')).toBe(0)
  })
})
