import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type AuthenticationSession, type SessionSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

// A provider may restate the session id in a refresh answer (an ID token with
// another sid; a cookie server that rotates its session id on each refresh).
// It is still the same login: a logout decided while that refresh was on its
// way must end it like any other refresh of the login.
describe('a logout while another tab refreshes', () => {
  it.each([
    ['keeps the session id', (id: string) => id],
    ['restates the session id', (id: string) => `${id}-rotated`],
  ])('ends the session in every tab when the refresh answer %s', async (_, nextId) => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const locks = createMemoryLocks()
    let answer!: () => void
    const source: SessionSource = {
      name: 'rotating',
      refresh: async (session: AuthenticationSession) => {
        await new Promise<void>((resolve) => (answer = resolve))
        return { session: { ...session, sessionId: nextId(session.sessionId), accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: new Date(clock.now() + 600_000).toISOString() } }
      },
    }
    const tab = () => startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks, source })
    const { store: a } = await tab()
    const { store: b } = await tab()
    await a.signIn(makeSession({ refreshToken: 'rt-1', expiresAt: new Date(clock.now() + 600_000).toISOString() }, clock.now()))
    await settle()
    const refreshing = b.refresh({ force: true }).catch(() => {})
    await settle()
    const ending = a.end('user-logout')
    answer() // the provider's answer arrives as the logout is announced: stored before b hears of it
    await refreshing
    await ending
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
    expect([a.getState().status, b.getState().status]).toEqual(['unauthenticated', 'unauthenticated'])
  })

  it('without a logout, the refreshed record keeps the session id it was signed in with', async () => {
    const clock = new FakeClock()
    const source: SessionSource = { name: 'rotating', refresh: async (session) => ({ session: { ...session, sessionId: 'server-2', accessToken: 'at-2', refreshToken: 'rt-2' } }) }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source })
    await store.signIn(makeSession({ sessionId: 'server-1', refreshToken: 'rt-1', expiresAt: new Date(clock.now() + 600_000).toISOString() }, clock.now()))
    await store.refresh({ force: true })
    expect(store.getState().session).toMatchObject({ sessionId: 'server-1', refreshToken: 'rt-2' })
  })
})
