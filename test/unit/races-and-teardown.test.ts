import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  RefreshError,
  type AuthenticationSession,
  type Locks,
  type SessionPersistence,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer, firstAnswerHeld } from '../support/fake-source'
import { announceLogout, bus, destroyTabs, failable, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

type Raw = { generation: number; epoch?: string; ended: boolean; session: AuthenticationSession }
const LOCK = 'authsession:refresh:authsession:session'

describe('a new sign-in while another tab’s announced logout is pending', () => {
  it('a sign-in into the same IdP session (same sessionId) lands', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const first = makeSession({ sessionId: 'idp-sid-1' }, clock.now())
    await b.signIn(first)
    await settle()
    // Tab a logs out (e.g. logout({ redirect: false }): the IdP session stays), announces, and closes before its tombstone.
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    // The user signs in again in b at once; the IdP still has its session, so the new login carries the same sid.
    const again = makeSession({ sessionId: 'idp-sid-1', accessToken: 'at-new', refreshToken: 'rt-new' }, clock.now())
    await b.signIn(again)
    await settle()
    // What the user sees: signIn() resolves without error, but nothing is stored or shown: b stays signed out
    // (then the confirm writes the old logout). The commit guard refuses any non-ended write whose sessionId equals
    // the held one while logoutPending(), and a sign-in into the same IdP session has that sessionId.
    // README: "its tombstone, a new sign-in or a clear still land". Correct: the new sign-in is stored and shown.
    expect({ status: b.getState().status, stored: (shared.get('session') as Raw).session.accessToken }).toEqual({ status: 'authenticated', stored: 'at-new' })
  })
})

describe('the unsaved-answer flag after destroy()', () => {
  it('a store destroyed while storing a refresh answer does not keep the flag lock (other tabs would defer forever)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: a } = await startedTab({ persistence, clock, locks, channel: channel(), source: server.source() })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock: new FakeClock(), locks, channel: channel(), source: server.source() })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    await b.reconcile()
    // The disk is full: a's update waits in memory (any unsaved change will do; a first unsaved refresh answer too).
    disk.full = true
    await a.update({ ipAddress: '192.0.2.1' })
    // a refreshes; the answer cannot be stored; a waits 100 ms to try again (under the refresh lock)...
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle(10)
    // ...and the app unmounts the provider / destroys the store meanwhile (the tab stays open).
    a.destroy()
    await refreshing
    await settle(10)
    // What the user sees: the destroyed store raised the "unsaved answer" Web Lock *after* destroy() and holds it
    // for good (a 30 s look-again timer on a dead store keeps it, and its store listener is never removed), so
    // every other tab defers its refresh with refresh-deferred until the whole tab closes: getAccessToken() in
    // b fails once its token expires. Correct: destroy() ends the flag; nothing raises it afterwards.
    const flagHeld = await locks.isHeld!(`${LOCK}:unsaved`)
    const bRefresh = await b.refresh({ force: true }).then(() => 'refreshed', (error: RefreshError) => error.code)
    // (Its answer is lost with it: b's refresh reaches the provider, which may refuse the spent token; it is not deferred.)
    expect({ flagHeld, deferred: bRefresh === 'refresh-deferred', timersOnDestroyedStore: clock.pending() }).toEqual({ flagHeld: false, deferred: false, timersOnDestroyedStore: 0 })
  })
})

describe('an ending for a record not read yet, then destroy()', () => {
  it('leaves no timer and writes nothing after destroy()', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const seed = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null, clock })
    trackTab(seed)
    await seed.signIn(makeSession({}, clock.now()))
    let releaseRead!: () => void
    const gate = new Promise<void>((resolve) => (releaseRead = resolve))
    const memory = createMemoryPersistence(shared)
    const slow: SessionPersistence = { ...memory, read: async () => (await gate, memory.read()) }
    const bClock = new FakeClock()
    const b = createSessionStore({ persistence: slow, channel: channel(), clock: bClock, wake: { subscribe: () => () => {} } })
    b.start() // hydrating: the read waits
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    b.destroy()
    releaseRead()
    await settle(10)
    // What the user sees: a destroyed store (an unmounted provider) starts a 2 s confirm timer after destroy()
    // and, when it fires, writes to storage and flips its state. Correct: nothing runs after destroy().
    expect(bClock.pending()).toBe(0)
  })
})

describe('a late answer, and the same tab’s next attempt', () => {
  it('the tab does not send the refresh token again while its own request with it is still outstanding', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60_000 })
    const shared = new Map<string, unknown>()
    // A source that ignores the abort: the provider has rotated, the answer is on the wire.
    const held = firstAnswerHeld(server.source())
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, source: held.source, refresh: { timeoutMs: 1000, retryBaseMs: 1000 } })
    await store.completeLogin('https://app.example/cb?code=1')
    await settle()
    await clock.advance(48_000) // due (expiry minus 20 % of 60 s): the refresh starts; its answer stays on the wire
    await clock.advance(2000) // the scheduler gives up at 2 x timeout (refresh-timeout, backoff 0.5-1 s)
    await clock.advance(1500) // the backoff passes while the first answer is still on the wire: the tab retries
    held.release() // the late answer arrives
    await settle(10)
    // What the user sees: signed out. The tab's own retry sent the refresh token that its still-outstanding
    // request had already spent: invalid_grant, the session ends with token-expired, and the late answer (the
    // only valid tokens) is then dropped. README: "An answer arriving after the scheduler stopped waiting ... is
    // still stored over the record it refreshed." Correct: while a request with this refresh token is still
    // outstanding in this tab, the tab does not send it again (defer, like for another tab's unsaved answer).
    expect({ invalidGrants: server.invalidGrants, status: store.getState().status }).toEqual({ invalidGrants: 0, status: 'authenticated' })
  })
})

describe('a Locks whose request throws synchronously', () => {
  it('getAccessToken() rejects with a typed RefreshError', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60_000 })
    const locks: Locks = {
      request: () => {
        throw new DOMException('The request is not allowed', 'SecurityError')
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks, source: server.source() })
    await store.completeLogin('https://app.example/cb?code=1')
    clock.sleep(2 * 60_000)
    const outcome = await store.getAccessToken().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    // What the user sees: getAccessToken() rejects with the raw DOMException (no `code`), and a timer-driven check()
    // throws out of the timer callback, so no backoff is armed. refresh() calls deps.locks.request(...) outside any
    // try, so couldNotRun's .catch only sees async rejections. README: "any failure outside the provider call is a
    // transient refresh-network with a backoff". Correct: RefreshError 'refresh-network' with a local backoff.
    expect('error' in outcome && outcome.error instanceof RefreshError).toBe(true)
  })
})

describe('a passed refresh-token expiry while another tab holds an unsaved answer', () => {
  it('the other tab does not end the session: the unsaved answer carries a new refresh token and expiry', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 2 * 60_000 })
    const inner = server.source()
    // A provider with sliding refresh-token expiry (Keycloak's refresh_expires_in): each refresh gives 30 min more.
    const source = {
      ...inner,
      refresh: async (session: AuthenticationSession, context: Parameters<typeof inner.refresh>[1]) => {
        const answer = await inner.refresh(session, context)
        return { ...answer, session: { ...answer.session, refreshTokenExpiresAt: new Date(clock.serverNow() + 30 * 60_000).toISOString() } }
      },
    }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    // Tab a's storage fails (its IndexedDB connection broke); tab b's works.
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const opts = { clock, locks, source, refresh: { retryBaseMs: 1000, retryMaxMs: 30_000 } }
    const { store: a } = await startedTab({ ...opts, persistence, channel: channel() })
    const { store: b } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel(), refresh: { ...opts.refresh, leadMs: 10_000 } })
    await a.signIn(server.signInSession({ refreshTokenExpiresAt: new Date(clock.serverNow() + 5 * 60_000).toISOString() }))
    await settle()
    await b.reconcile()
    disk.full = true
    await clock.advance(100_000) // a refreshes at 96 s: rotated, answer unsaved, flag raised
    await clock.advance(20_000) // b is due at 110 s: deferred (refresh-deferred), as README promises
    expect(b.getState().status).toBe('authenticated')
    await clock.advance(4 * 60_000) // past the old refresh token's stored expiry (5 min)
    await settle(10)
    // What the user sees: signed out in every tab with token-expired, although tab a holds a valid rotated refresh
    // token (30 more minutes) and was refreshing fine. refreshUnderLock checks the *stored* refresh-token expiry
    // before it checks the unsaved-answer flag, so b ends the session, and a's unsaved answer is dropped when the
    // tombstone lands. Correct: while another tab holds an unsaved answer, b defers (the stored expiry belongs to
    // a refresh token that is already spent), and nobody is signed out.
    expect({ a: a.getState().status, b: b.getState().status, invalidGrants: server.invalidGrants }).toEqual({ a: 'authenticated', b: 'authenticated', invalidGrants: 0 })
  })
})
