import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, type AuthenticationSession } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'

afterEach(destroyTabs)

// A tab whose view of the activity is stale (no tab messages, or just resumed) decides an idle timeout while the
// user is active in another tab: end('idle-timeout') is refused there (record-actions.ts). logout({ reason:
// 'idle-timeout' }) must then not sign the user out at the provider either: that ends (or revokes) the very
// session the active tab goes on using, and a redirect comes back to a page signed in from storage.
describe('logout({ reason: idle-timeout }) refused for activity stored since', () => {
  it('tells the provider nothing and leaves the session live', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const signedOut: string[] = []
    const source = { ...server.source(), signOut: async (session: AuthenticationSession) => void signedOut.push(session.sessionId) }
    const stale = await startedTab({ clock, persistence: createMemoryPersistence(shared), source })
    const active = await startedTab({ clock, persistence: createMemoryPersistence(shared) })
    await stale.store.signIn(server.signInSession())
    await active.store.reconcile()
    await clock.advance(20 * 60_000)
    active.store.recordActivity() // the user is active there; the stale tab is not told (no channel, no wake-up)
    await settle()
    await clock.advance(1000)
    expect(stale.store.derived()!.idleMinutes).toBeGreaterThan(15) // what the app's idle timer reads there

    await stale.store.logout({ reason: 'idle-timeout', redirect: false })

    await active.store.reconcile()
    expect(active.store.getState().status).toBe('authenticated')
    expect(stale.store.getState().status).toBe('authenticated') // adopted the stored record
    expect(signedOut).toEqual([])
  })
})

// An idle end is not announced ahead of its write, as a logout is: the write may find it stale and refuse it,
// and tabs holding the same record would show signed out meanwhile (until their confirm re-read it, 2 s later).
describe('end(idle-timeout) decided on a stale view', () => {
  /** Tabs on one storage; `messages: false` makes a tab that tells no other. */
  const world = () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const tab = async (messages = true) =>
      (await startedTab({ clock, persistence: createMemoryPersistence(shared), ...(messages ? { channel: channel() } : {}) })).store
    return { clock, server, tab }
  }

  it('another tab holding the same record never shows signed out', async () => {
    const { clock, server, tab } = world()
    const [stale, bystander, active] = [await tab(), await tab(), await tab(false)]
    await stale.signIn(server.signInSession())
    await settle()
    await active.reconcile()
    await clock.advance(20 * 60_000)
    active.recordActivity()
    await settle()
    const shown: string[] = []
    bystander.subscribe((state) => shown.push(state.status))

    await stale.end('idle-timeout')
    await settle(10)

    expect(shown).not.toContain('unauthenticated')
    expect(bystander.getState().status).toBe('authenticated')
    expect(stale.getState().status).toBe('authenticated')
  })

  it('one decided on the stored activity still ends the session in every tab', async () => {
    const { clock, server, tab } = world()
    const [idle, other] = [await tab(), await tab()]
    await idle.signIn(server.signInSession())
    await settle()
    await clock.advance(20 * 60_000)
    await idle.end('idle-timeout')
    await settle(10)
    expect(other.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })
  })
})
