import { useEffect, useState } from 'react'
import { act, render, screen } from '@testing-library/react'
import { createElement as h } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore } from '../../src/index'
import { SessionProvider, useAccessToken, useSession, useSessionStore } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, noWake, trackTab } from '../support/fake-tabs'

afterEach(() => {
  destroyTabs()
  history.replaceState(null, '', '/')
})

describe("README's quick start", () => {
  it('after the callback completes, the app shows the signed-in header', async () => {
    const server = new FakeTokenServer(new FakeClock(Date.now()))
    const source = server.source()
    const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(), channel: null, wake: noWake, source, locks: createMemoryLocks() }))
    // The README's components (keep in step with README.md), but for the source (and store={store} so the test can clean up).
    function App() {
      return h(SessionProvider, { store }, location.pathname === '/callback' ? h(Callback) : h(Header))
    }
    function Callback() {
      const store = useSessionStore()
      const [done, setDone] = useState(false)
      useEffect(() => {
        store.completeLogin().then(({ returnTo }) => {
          history.replaceState(null, '', returnTo ?? '/')
          setDone(true)
        }, console.error)
      }, [store])
      return done ? h(Header) : h('p', null, 'Signing in…')
    }
    function Header() {
      const { status, session, login, logout } = useSession()
      const getAccessToken = useAccessToken()
      if (status === 'loading') return null
      if (status === 'unauthenticated') return h('button', { onClick: () => login() }, 'Sign in')
      void getAccessToken
      return h('button', { onClick: () => logout() }, `Sign out ${session!.user.username}`)
    }
    history.pushState(null, '', '/callback?code=abc&state=xyz')
    render(h(App))
    await act(async () => { await settle(10) })
    expect(location.pathname).toBe('/')
    expect(store.getState().status).toBe('authenticated')
    // Signed in, the URL is '/', and the page shows the app (replaceState alone re-renders nothing).
    expect(screen.queryByText('Signing in…')).toBeNull()
    expect(screen.getByText(/Sign out/)).toBeTruthy()
  })
})
