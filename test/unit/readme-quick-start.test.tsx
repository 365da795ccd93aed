import { useEffect, useState } from 'react'
import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionSource } from '../../src/index'
import { SessionProvider, useAccessToken, useSession, useSessionStore } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, noWake, trackTab } from '../support/fake-tabs'

afterEach(() => {
  destroyTabs()
  history.replaceState(null, '', '/')
})

/** The README's quick start (keep in step with README.md), but for the source, and store={store} so the test can clean up. */
function quickStart(source: SessionSource) {
  const store = trackTab(createSessionStore({ persistence: createMemoryPersistence(), channel: null, wake: noWake, source, locks: createMemoryLocks() }))

  function App() {
    return <SessionProvider store={store}>{location.pathname === '/callback' ? <Callback /> : <Header />}</SessionProvider>
  }

  function Callback() {
    const store = useSessionStore()
    const [outcome, setOutcome] = useState<'pending' | 'done' | Error>('pending')
    useEffect(() => {
      store.completeLogin().then(
        ({ returnTo }) => {
          history.replaceState(null, '', returnTo ?? '/')
          setOutcome('done')
        },
        (error: Error) => {
          history.replaceState(null, '', '/')
          setOutcome(error)
        },
      )
    }, [store])
    if (outcome === 'pending') return <p>Signing in…</p>
    return (
      <>
        {outcome instanceof Error && <p role="alert">{outcome.message}</p>}
        <Header />
      </>
    )
  }

  function Header() {
    const { status, session, login, logout } = useSession()
    const getAccessToken = useAccessToken()
    if (status === 'loading') return null
    if (status === 'unauthenticated') return <button onClick={() => login().catch(console.error)}>Sign in</button>
    void getAccessToken
    return <button onClick={() => logout().catch(console.error)}>Sign out {session.user.username}</button>
  }

  return { store, App }
}

describe("README's quick start", () => {
  it('after the callback completes, the app shows the signed-in header', async () => {
    const { store, App } = quickStart(new FakeTokenServer(new FakeClock(Date.now())).source())
    history.pushState(null, '', '/callback?code=abc&state=xyz')
    render(<App />)
    await act(async () => { await settle(10) })
    expect(location.pathname).toBe('/')
    expect(store.getState().status).toBe('authenticated')
    // Signed in, the URL is '/', and the page shows the app (replaceState alone re-renders nothing).
    expect(screen.queryByText('Signing in…')).toBeNull()
    expect(screen.getByText(/Sign out/)).toBeTruthy()
  })

  it('a callback that fails (a used code, access_denied) says why and shows the app, never "Signing in…" for good', async () => {
    const source = new FakeTokenServer(new FakeClock(Date.now())).source()
    const refused: SessionSource = {
      ...source,
      refresh: source.refresh.bind(source),
      completeSignIn: async () => {
        throw new AuthSessionError('sign-in-failed', 'The sign-in could not be completed: No matching state found in storage')
      },
    }
    history.pushState(null, '', '/callback?code=used&state=gone')
    const { App } = quickStart(refused)
    render(<App />)
    expect((await screen.findByRole('alert')).textContent).toContain('No matching state')
    expect(await screen.findByText('Sign in')).toBeTruthy()
    expect(location.search).toBe('')
  })
})
