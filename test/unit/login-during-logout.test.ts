import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createWindowWakeSource, type SessionSource, type WakeReason } from '../../src/index'
import { leavePage } from '../../src/sources/leave-page'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'

afterEach(() => {
  destroyTabs()
  vi.useRealTimers()
})

// A route guard (signed out → login()) reacts to the sign-out its own tab was
// just shown. Its sign-in replaced logout()'s navigation to the provider's
// end-session page, and the provider signed the user straight back in
// (test/e2e/guard-during-logout.test.ts, in Chromium against oidc-provider).
describe("login() during this tab's own logout()", () => {
  async function signedInTab() {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    let leave = () => {}
    const startSignIn = vi.fn(async () => {})
    // A sign-out that leaves the page: settles once the page is back, as the OIDC source's does.
    const signOut = vi.fn(() => new Promise<void>((back) => (leave = back)))
    const source: SessionSource = { ...server.source(), startSignIn, signOut }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source })
    await store.signIn(server.signInSession())
    return { store, startSignIn, signOut, back: () => leave() }
  }

  it('is refused with logout-in-progress while the logout is under way, and starts no sign-in', async () => {
    const { store, startSignIn, signOut, back } = await signedInTab()
    const loggingOut = store.logout()
    const shown = new Promise<void>((resolve) => {
      const stop = store.subscribe((state) => state.status === 'unauthenticated' && (stop(), resolve()))
    })
    await shown
    await expect(store.login({ returnTo: '/reports' })).rejects.toMatchObject({ name: 'AuthSessionError', code: 'logout-in-progress' })
    await vi.waitFor(() => expect(signOut).toHaveBeenCalledTimes(1))
    // Still leaving for the provider: still refused.
    await expect(store.login()).rejects.toMatchObject({ code: 'logout-in-progress' })
    expect(startSignIn).not.toHaveBeenCalled()
    back()
    await loggingOut
    expect(store.getState().session).toMatchObject({ revokeReason: 'user-logout' })
  })

  it('once the logout has settled (the page came back, or never left), login() signs in again', async () => {
    const { store, startSignIn, back } = await signedInTab()
    const loggingOut = store.logout()
    await vi.waitFor(() => expect(store.getState().status).toBe('unauthenticated'))
    back()
    await loggingOut
    await store.login({ returnTo: '/reports' })
    expect(startSignIn).toHaveBeenCalledWith({ returnTo: '/reports' })
  })

  it('a logout() that failed at the provider does not hold login() back', async () => {
    const { store, signOut, startSignIn } = await signedInTab()
    signOut.mockImplementationOnce(async () => {
      throw new Error('end-session unreachable')
    })
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    await store.login()
    expect(startSignIn).toHaveBeenCalledTimes(1)
  })
})

describe('leavePage (the OIDC source default navigate)', () => {
  it('navigates at once, and settles once the page is shown again (back/forward cache)', async () => {
    let settled = false
    const leaving = leavePage('#provider').then(() => (settled = true))
    expect(location.hash).toBe('#provider')
    await Promise.resolve()
    expect(settled).toBe(false)
    // The pageshow that ends this page's own load (a logout begun at start-up, before images loaded) is no return.
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }))
    await Promise.resolve()
    expect(settled).toBe(false)
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
    await leaving
    expect(settled).toBe(true)
  })

  it('rejects when the page cannot be sent there (location.assign throws), as location.assign did before', async () => {
    // The OIDC source turns the rejection into sign-in-failed or sign-out-failed: resolving would report a
    // sign-out the provider never heard of as done, and forget to tell it on the next logout().
    await expect(leavePage('http://[')).rejects.toMatchObject({ name: 'SyntaxError' })
  })

  it('settles after 5 s when the page stayed (a beforeunload prompt the user cancelled)', async () => {
    vi.useFakeTimers()
    let settled = false
    void leavePage('#stayed').then(() => (settled = true))
    await vi.advanceTimersByTimeAsync(4_999)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(settled).toBe(true)
  })
})

describe('a sign-out that never settles (a source of your own: location.assign, then a promise that never settles)', () => {
  it('holds login() back only until the page is back from the back/forward cache', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const startSignIn = vi.fn(async () => {})
    const signOut = vi.fn(() => new Promise<void>(() => {}))
    const wakeListeners = new Set<(reason: WakeReason) => void>()
    const wake = { subscribe: (listener: (reason: WakeReason) => void) => (wakeListeners.add(listener), () => void wakeListeners.delete(listener)) }
    const source: SessionSource = { ...server.source(), startSignIn, signOut }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source, wake })
    await store.signIn(server.signInSession())
    const listening = wakeListeners.size
    void store.logout()
    await vi.waitFor(() => expect(signOut).toHaveBeenCalledTimes(1))
    await expect(store.login()).rejects.toMatchObject({ code: 'logout-in-progress' })
    wakeListeners.forEach((listener) => listener('focus'))
    await expect(store.login()).rejects.toMatchObject({ code: 'logout-in-progress' })
    // The back button: the page it left for is behind it.
    wakeListeners.forEach((listener) => listener('pageshow'))
    expect(wakeListeners.size).toBe(listening) // the logout's listener is gone with its job (not one per logout for the page's life)
    await store.login()
    expect(startSignIn).toHaveBeenCalledTimes(1)
  })
  // A wake source of the app's own may tell a listener at once, from inside subscribe (the page was just restored).
  it('a wake source that calls its listener from inside subscribe neither breaks the logout nor keeps the listener', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const signOut = vi.fn(async () => {})
    const listeners = new Set<(reason: WakeReason) => void>()
    let restored = false
    const wake = {
      subscribe: (listener: (reason: WakeReason) => void) => {
        listeners.add(listener)
        if (restored) listener('pageshow')
        return () => void listeners.delete(listener)
      },
    }
    const source: SessionSource = { ...server.source(), startSignIn: async () => {}, signOut }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source, wake })
    await store.signIn(server.signInSession())
    const listening = listeners.size
    restored = true
    await store.logout()
    expect(signOut).toHaveBeenCalledTimes(1)
    expect(store.getState().status).toBe('unauthenticated')
    expect(listeners.size).toBe(listening)
  })
  // A page's first pageshow (persisted: false) comes after its load event, which waits for its images:
  // a logout begun at start-up (an idle timeout found on load, a /logout route) often runs across it
  // (its signOut still fetching the provider's discovery document), and the page has gone nowhere.
  it('is not released by the pageshow that ends a page load (not a restore from the back/forward cache)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const startSignIn = vi.fn(async () => {})
    const signOut = vi.fn(() => new Promise<void>(() => {}))
    const source: SessionSource = { ...server.source(), startSignIn, signOut }
    const wake = createWindowWakeSource()
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source, wake })
    await store.signIn(server.signInSession())
    void store.logout()
    await vi.waitFor(() => expect(signOut).toHaveBeenCalledTimes(1))
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }))
    await expect(store.login()).rejects.toMatchObject({ code: 'logout-in-progress' })
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
    await store.login()
    expect(startSignIn).toHaveBeenCalledTimes(1)
  })
})
