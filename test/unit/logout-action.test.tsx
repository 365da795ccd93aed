import { StrictMode, useEffect } from 'react'
import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { SessionProvider, useSessionStore } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { Status } from '../support/status-view'

const stores: SessionStore[] = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  destroyTabs()
})

describe('logout(): locally first, then once at the provider with the stored tokens', () => {
  it('a /logout route calling logout() on mount (StrictMode) signs out at the provider once', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const signOut = vi.fn(async () => {})
    const source = { ...server.source(), signOut }
    const shared = new Map<string, unknown>()
    const store = createSessionStore({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), channel: null, source })
    stores.push(store)
    await store.completeLogin('cb')
    function LogoutRoute() {
      const s = useSessionStore()
      useEffect(() => {
        s.logout({ redirect: false }).catch(() => {})
      }, [s])
      return <Status />
    }
    render(
      <StrictMode>
        <SessionProvider store={store}>
          <LogoutRoute />
        </SessionProvider>
      </StrictMode>,
    )
    await screen.findByText('unauthenticated:alice')
    await act(() => settle())
    expect(signOut).toHaveBeenCalledTimes(1)
  })

  it('logout({ redirect: false }) in a tab that has not re-read storage yet revokes the live refresh token, not a spent one', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    const revoked: string[] = []
    const source: SessionSource = { ...inner, signOut: async (session, options) => void (options?.redirect === false && session.refreshToken && revoked.push(session.refreshToken)) }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    // No BroadcastChannel (README: tabs then converge on focus, visibility and pageshow).
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    await a.signIn(server.signInSession())
    await b.reconcile()
    await a.refresh({ force: true }) // the provider rotates: rt-1 is spent, rt-2 is stored
    const stored = (shared.get('session') as { session: { refreshToken: string } }).session.refreshToken
    await b.logout({ redirect: false })
    expect((shared.get('session') as { ended: boolean }).ended).toBe(true)
    expect(revoked).toEqual([stored])
  })

  it('once the tab has re-read storage, logout({ redirect: false }) revokes the stored refresh token', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    const revoked: string[] = []
    const source: SessionSource = { ...inner, signOut: async (session) => void revoked.push(session.refreshToken!) }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    await a.signIn(server.signInSession())
    await a.refresh({ force: true })
    await b.reconcile()
    await b.logout({ redirect: false })
    expect(revoked).toEqual(['rt-2'])
  })
})
