import { get, set, createStore as createIdbStore } from 'idb-keyval'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type AuthenticationSession, type SessionSource, type SessionStore } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, failable, startedTab, trackTab } from '../support/fake-tabs'
import { slowIndexedDb } from '../support/indexeddb-faults'
import { webStorage } from '../support/torn-pages'
import { makeSession, uniqueDbName } from '../support/sessions'

const extra: SessionStore[] = []
afterEach(() => {
  destroyTabs()
  extra.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
})
const realIndexedDb = globalThis.indexedDB
const JOURNAL_KEY = 'authsession:ending:authsession:session'
const stored = (shared: Map<string, unknown>) =>
  shared.get('session') as { generation: number; epoch: string; ended: boolean; session: AuthenticationSession }

/** Storage as a torn /logout page left it: S live at generation 1, and the journal naming it. */
async function tornLogoutLeftovers() {
  const shared = new Map<string, unknown>()
  const { store: before } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
  const s = makeSession()
  await before.signIn(s)
  before.destroy()
  const rec = stored(shared)
  const journal = webStorage()
  journal.setItem(JOURNAL_KEY, JSON.stringify({ sessionId: s.sessionId, generation: rec.generation, epoch: rec.epoch, revokeReason: 'user-logout', revokedAt: new Date().toISOString() }))
  return { shared, journal, s }
}

describe('a logout noted by the previous page, finished by this one', () => {
  it("logout() of a session signed in after the page finished a noted logout tells the provider about that session, not the old one", async () => {
    const { shared, journal, s } = await tornLogoutLeftovers()
    const signOut = vi.fn(async (_session: AuthenticationSession) => {})
    const source: SessionSource = { name: 'fake', refresh: async () => ({ session: makeSession() }), signOut }
    // Page load: the noted logout of S is finished here (no logout() called on this page yet).
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal, source, locks: createMemoryLocks() })
    await vi.waitFor(() => expect(stored(shared).ended).toBe(true))
    // Much later: the user signs in again (S2) in this tab.
    const s2 = makeSession()
    await a.signIn(s2)
    expect(a.getState().status).toBe('authenticated')
    // Another tab (no message reaches a) ends S2.
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    await b.end('user-logout')
    expect(stored(shared).ended).toBe(true)
    // a still shows S2; the user clicks "Sign out".
    expect(a.getState().session?.sessionId).toBe(s2.sessionId)
    await a.logout({ redirect: false })
    expect(signOut).toHaveBeenCalledTimes(1)
    // Expected: the provider is told about S2 (what this tab showed), never about S from the page load.
    expect(signOut.mock.calls[0]![0].sessionId).toBe(s2.sessionId)
  })

  it("a sign-in issued while the page hydrates (same IdP session id) lands after the previous page's noted logout, and stands", async () => {
    const { shared, journal, s } = await tornLogoutLeftovers()
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } }))
    // The app signs in on load (before the stored record was read): a new login into the same IdP session.
    const again = makeSession({ sessionId: s.sessionId })
    await store.signIn(again)
    await settle(10)
    // Expected: the new sign-in (a newer record than the one noted) stands; only the noted record is ended.
    expect({ status: store.getState().status, storedEnded: stored(shared).ended }).toEqual({ status: 'authenticated', storedEnded: false })
  })

  it('without a source, getAccessToken() hands out no token during the own logout grace', async () => {
    const { store } = await startedTab({ persistence: createMemoryPersistence(), logoutJournal: null })
    await store.signIn(makeSession())
    const ending = store.end('user-logout')
    await Promise.resolve()
    await Promise.resolve()
    const got = await store.getAccessToken().then(
      () => 'token',
      (e) => e.code,
    )
    await ending
    expect(got).toBe('not-authenticated')
  })

  it("logout() of a new session while an earlier logout's provider call is still out ends the new session locally", async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    let releaseFirst!: () => void
    const signOut = vi.fn((_session: AuthenticationSession) => (signOut.mock.calls.length === 1 ? new Promise<void>((r) => (releaseFirst = r)) : Promise.resolve()))
    const source: SessionSource = { ...server.source(), signOut }
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source, logoutJournal: null })
    await store.signIn(server.signInSession())
    void store.logout({ redirect: false }) // the provider's revoke hangs (unreachable)
    await vi.waitFor(() => expect(signOut).toHaveBeenCalledTimes(1))
    expect(store.getState().status).toBe('unauthenticated')
    // The user signs in again on this page, then signs out.
    const s2 = server.signInSession()
    await store.signIn(s2)
    const second = store.logout({ redirect: false })
    await Promise.race([second, settle(20)])
    // Expected: locally first; the user is signed out even if the provider cannot be reached.
    expect({ status: store.getState().status, storedEnded: stored(shared).ended }).toEqual({ status: 'unauthenticated', storedEnded: true })
    releaseFirst()
  })

  it('the "change" event of a hydrated record ended by the noted logout reports unauthenticated to app listeners', async () => {
    const { shared, journal } = await tornLogoutLeftovers()
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } }))
    const seen: string[] = []
    store.on((e) => e.type === 'change' && seen.push(`${e.status}/${store.getState().status}`))
    store.start()
    await store.whenHydrated()
    await settle()
    // Expected: no listener is told 'authenticated' for the session the noted logout ends.
    expect(seen.some((x) => x.startsWith('authenticated'))).toBe(false)
  })
})

describe('controls (expected to pass)', () => {
  it('the same sign-in issued a moment later (after hydration) stands', async () => {
    const { shared, journal, s } = await tornLogoutLeftovers()
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } }))
    await store.whenHydrated()
    await settle()
    await store.signIn(makeSession({ sessionId: s.sessionId }))
    await settle(10)
    expect({ status: store.getState().status, storedEnded: stored(shared).ended }).toEqual({ status: 'authenticated', storedEnded: false })
  })
  it('logout() called before hydration and again while it runs (same session) signs out at the provider once', async () => {
    const shared = new Map<string, unknown>()
    const { store: before } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    await before.signIn(makeSession())
    before.destroy()
    const signOut = vi.fn(async (_session: AuthenticationSession) => {})
    const source: SessionSource = { name: 'fake', refresh: async () => ({ session: makeSession() }), signOut }
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), logoutJournal: null, channel: null, wake: { subscribe: () => () => {} }, source, locks: createMemoryLocks() }))
    store.start()
    // A /logout route calls logout() on mount, before the stored record was read...
    const first = store.logout({ redirect: false })
    await store.whenHydrated()
    // ...and the user clicks "Sign out" while it runs (same session, nothing else happened).
    const second = store.logout({ redirect: false })
    await Promise.all([first, second])
    await settle()
    // README: "once per session: a second call for the same session while one runs gets the same promise".
    expect({ sameCall: first === second, signOuts: signOut.mock.calls.length }).toEqual({ sameCall: true, signOuts: 1 })
  })

  it("a logout that could not be stored stays noted when the page later ends a second, memory-held session: the next page does not show the first one signed in", async () => {
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: page1 } = await startedTab({ persistence, logoutJournal: journal })
    const s = makeSession()
    await page1.signIn(s)
    disk.full = true
    await page1.end('user-logout') // kept in memory; "a failed write keeps the note: the next page of this tab tries again"
    expect(page1.getState().status).toBe('unauthenticated')
    await page1.signIn(makeSession()) // held in memory (disk full)
    await page1.end('user-logout') // its logout, also not stored
    page1.destroy()
    // The note now names the memory-held session, not the one storage still holds live.
    expect(JSON.parse(journal.items.get(JOURNAL_KEY)!).sessionId).not.toBe(s.sessionId)
    expect(stored(shared)).toMatchObject({ ended: false, session: { sessionId: s.sessionId } })
    // The tab's next page (disk still full or not: the read works).
    const { store: page2 } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal })
    await settle()
    expect({ status: page2.getState().status, storedEnded: stored(shared).ended }).toEqual({ status: 'unauthenticated', storedEnded: true })
  })

  it.each([
    ['stands', false],
    ['stands, also after its first activity write', true],
  ])("the noted logout ends only the record it names: another tab's new login into the same IdP session, stored just after this page's first read, %s", async (_, thenActivity) => {
    const { shared, journal, s } = await tornLogoutLeftovers()
    const rec = stored(shared)
    const memory = createMemoryPersistence(shared)
    const again = makeSession({ sessionId: s.sessionId })
    let reads = 0
    const persistence = {
      ...memory,
      read: async () => {
        const value = await memory.read()
        if (reads++ === 0) {
          // Another tab signs in anew (a sign-in stores when its tokens were obtained, and starts a login generation), and may write again at once.
          const login = { ...rec, tokensObtainedAt: Date.now() + 1000, reason: 'sign-in', session: again, loginGeneration: rec.generation + 1 }
          shared.set('session', { ...login, generation: rec.generation + 1 })
          if (thenActivity) shared.set('session', { ...login, generation: rec.generation + 2, reason: 'activity', session: { ...again, lastActivityAt: new Date().toISOString() } })
        }
        return value
      },
    }
    const store = trackTab(createSessionStore({ persistence, logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } }))
    store.start()
    await store.whenHydrated()
    await settle()
    expect({ storedEnded: stored(shared).ended, storedToken: stored(shared).session.accessToken }).toEqual({ storedEnded: false, storedToken: again.accessToken })
  })

  it('reconcile() before start() finishes the noted logout once, and the page stays signed out after hydration', async () => {
    const { shared, journal } = await tornLogoutLeftovers()
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } }))
    const seen: string[] = []
    store.on((e) => e.type === 'change' && seen.push(e.status))
    await store.reconcile()
    store.start()
    await store.whenHydrated()
    await settle()
    expect({ status: store.getState().status, storedEnded: stored(shared).ended, seen }).toEqual({ status: 'unauthenticated', storedEnded: true, seen: ['unauthenticated', 'unauthenticated'] })
  })
  it('after a memory fallback, a sign-in made on the memory fallback is kept when IndexedDB answers with the session the previous page logged out of', async () => {
    const dbName = uniqueDbName()
    const idb = createIdbStore(dbName, 'sessions')
    const s = makeSession()
    await set('session', { version: 1, generation: 3, epoch: 'e1', ended: false, reason: 'sign-in', session: s }, idb)
    const journal = webStorage()
    journal.setItem(`authsession:ending:${dbName}:session`, JSON.stringify({ sessionId: s.sessionId, generation: 3, epoch: 'e1', revokeReason: 'user-logout', revokedAt: new Date().toISOString() }))
    const slow = slowIndexedDb(realIndexedDb)
    vi.stubGlobal('indexedDB', slow.factory)
    const store = createSessionStore({ dbName, openTimeoutMs: 50, logoutJournal: journal, channel: null, wake: { subscribe: () => () => {} } })
    extra.push(store)
    store.start()
    await store.whenHydrated()
    vi.unstubAllGlobals()
    const s2 = makeSession()
    await store.signIn(s2)
    expect(store.getState().session?.sessionId).toBe(s2.sessionId)
    slow.release()
    await vi.waitFor(() => expect(store.getState().error).toBeNull())
    await settle(10)
    const raw = (await get('session', idb)) as { ended: boolean; session: AuthenticationSession }
    // S was logged out (the note); no tab holds a live session any more, so the user's new sign-in S2 should stand.
    expect({ status: store.getState().status, shown: store.getState().session?.sessionId, storedId: raw.session.sessionId, storedEnded: raw.ended }).toEqual({
      status: 'authenticated',
      shown: s2.sessionId,
      storedId: s2.sessionId,
      storedEnded: false,
    })
  })

})
