import { StrictMode, type ReactNode } from 'react'
import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  AuthSessionError,
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  type SessionPersistence,
  type SessionSource,
  type SessionStore,
  type SignInOptions,
} from '../../src/index'
import { RequireSession, SessionProvider, type RequireSessionProps, type SignedOutProps } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { noWake } from '../support/fake-tabs'

const stores: SessionStore[] = []
beforeEach(() => history.replaceState(null, '', '/reports?tab=2#top'))
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  history.replaceState(null, '', '/')
})

type StartSignIn = (options?: SignInOptions) => Promise<void>

/** A store on a source whose sign-in start the test counts; `startSignIn` never settles unless given (a page leaving). */
function guardedStore(startSignIn = vi.fn<StartSignIn>(() => new Promise(() => {})), extra: Partial<SessionSource> = {}, persistence?: SessionPersistence) {
  const clock = new FakeClock()
  const server = new FakeTokenServer(clock)
  const source: SessionSource = { ...server.source(), startSignIn, ...extra }
  const store = createSessionStore({ persistence: persistence ?? createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, wake: noWake, source })
  stores.push(store)
  return { store, server, startSignIn }
}

const showSignedOut = ({ reason, error, session, login }: SignedOutProps) => (
  <p>
    signed-out:{reason ?? 'none'}:{error ? (error as AuthSessionError).code : 'ok'}:{session ? 'record' : 'null'}
    <button onClick={login}>again</button>
  </p>
)

async function renderGuard(store: SessionStore, props: Partial<RequireSessionProps> = {}, wrap = (ui: ReactNode) => <StrictMode>{ui}</StrictMode>) {
  const view = render(
    wrap(
      <SessionProvider store={store}>
        <RequireSession loading={<p>loading</p>} signedOut={showSignedOut} {...props}>
          <p>secret</p>
        </RequireSession>
      </SessionProvider>,
    ),
  )
  await act(() => settle())
  return view
}

describe('RequireSession', () => {
  it('renders its children while signed in, and signs in nowhere', async () => {
    const { store, server, startSignIn } = guardedStore()
    await store.signIn(server.signInSession())
    await renderGuard(store)
    expect(screen.getByText('secret')).toBeTruthy()
    expect(startSignIn).not.toHaveBeenCalled()
  })

  it('shows `loading` while the stored record is read, then the children', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const shared = new Map<string, unknown>()
    const other = guardedStore(undefined, {}, createMemoryPersistence(shared)) // another tab signed in
    await other.store.signIn(other.server.signInSession())
    const inner = createMemoryPersistence(shared)
    const persistence: SessionPersistence = { ...inner, read: async () => (await held, inner.read()) }
    const { store, startSignIn } = guardedStore(undefined, {}, persistence)
    await renderGuard(store)
    expect(screen.getByText('loading')).toBeTruthy()
    expect(screen.queryByText('secret')).toBeNull()
    release()
    await act(() => settle())
    expect(screen.getByText('secret')).toBeTruthy()
    expect(startSignIn).not.toHaveBeenCalled()
  })

  // Mounted once the record has been read (a route the user moves to, a lazy
  // route), StrictMode runs the effect twice with nothing stored: the README's
  // old recipe started two sign-ins there, and the second one's redirect won.
  it.each(['mounted while the record is read', 'mounted once it has been read'])('never signed in here, %s: under StrictMode it signs in once, to the current path, search and hash, showing `loading`', async (when) => {
    const { store, startSignIn } = guardedStore()
    if (when.includes('once')) await store.whenHydrated()
    await renderGuard(store)
    expect(startSignIn).toHaveBeenCalledTimes(1)
    expect(startSignIn).toHaveBeenCalledWith({ returnTo: '/reports?tab=2#top' })
    expect(screen.getByText('loading')).toBeTruthy()
  })

  it('also once with a source whose sign-in start resolves at once (it left the page itself), and once for guards mounted together', async () => {
    const { store, startSignIn } = guardedStore(vi.fn<StartSignIn>(async () => {}))
    await store.whenHydrated()
    await renderGuard(store)
    expect(startSignIn).toHaveBeenCalledTimes(1)
    const two = guardedStore()
    await two.store.whenHydrated()
    await renderGuard(two.store, {}, (ui) => (
      <StrictMode>
        {ui}
        <SessionProvider store={two.store}>
          <RequireSession>
            <p>other</p>
          </RequireSession>
        </SessionProvider>
      </StrictMode>
    ))
    expect(two.startSignIn).toHaveBeenCalledTimes(1)
    expect(screen.getAllByText('loading')).toHaveLength(2)
  })

  it('takes returnTo as a function read as the sign-in starts, and loginOptions', async () => {
    const { store, startSignIn } = guardedStore()
    const returnTo = vi.fn(() => '/chosen')
    await renderGuard(store, { returnTo, loginOptions: { extraParams: { acr_values: 'mfa' } } })
    expect(returnTo).toHaveBeenCalledTimes(1)
    expect(startSignIn).toHaveBeenCalledWith({ returnTo: '/chosen', extraParams: { acr_values: 'mfa' } })
  })

  it('an ended session: the signed-out screen with its reason, no sign-in of its own; its login() signs in to here', async () => {
    const { store, server, startSignIn } = guardedStore()
    await store.signIn(server.signInSession())
    await renderGuard(store)
    await act(async () => void (await store.end('idle-timeout')))
    expect(screen.getByText('signed-out:idle-timeout:ok:record')).toBeTruthy()
    expect(startSignIn).not.toHaveBeenCalled()
    fireEvent.click(screen.getByText('again'))
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(1)
    expect(startSignIn).toHaveBeenCalledWith({ returnTo: '/reports?tab=2#top' })
    expect(screen.getByText('loading')).toBeTruthy() // the page is leaving
  })

  it('the default signed-out screen: a message and a Sign in button that signs in', async () => {
    const { store, server, startSignIn } = guardedStore()
    await store.signIn(server.signInSession())
    await renderGuard(store, { signedOut: undefined })
    await act(async () => void (await store.end('user-logout')))
    expect(screen.getByText(/Signed out/)).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(1)
  })

  it("clicked while this tab's logout is under way: logout-in-progress is no error; the signed-out screen stays", async () => {
    const signOut = vi.fn(() => new Promise<void>(() => {})) // leaving for the end-session page
    const { store, server, startSignIn } = guardedStore(undefined, { signOut })
    await store.signIn(server.signInSession())
    const onError = vi.fn()
    await renderGuard(store, { onError })
    await act(async () => {
      void store.logout()
      await settle()
    })
    expect(signOut).toHaveBeenCalledTimes(1)
    fireEvent.click(screen.getByText('again'))
    await act(() => settle())
    expect(screen.getByText('signed-out:user-logout:ok:record')).toBeTruthy()
    expect(startSignIn).not.toHaveBeenCalled()
    expect(onError).not.toHaveBeenCalled()
  })

  it('a failed sign-in reaches onError once and shows on the signed-out screen, is not retried on its own, and "again" retries', async () => {
    const { store, startSignIn } = guardedStore(vi.fn<StartSignIn>(async () => Promise.reject(new Error('provider unreachable'))))
    const onError = vi.fn()
    const view = await renderGuard(store, { onError })
    expect(onError).toHaveBeenCalledTimes(1)
    expect(onError.mock.calls[0]![0]).toMatchObject({ name: 'AuthSessionError', code: 'sign-in-failed' })
    expect(screen.getByText('signed-out:none:sign-in-failed:null')).toBeTruthy()
    view.rerender(
      <StrictMode>
        <SessionProvider store={store}>
          <RequireSession signedOut={showSignedOut} onError={onError}>
            <p>secret</p>
          </RequireSession>
        </SessionProvider>
      </StrictMode>,
    )
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(1)
    fireEvent.click(screen.getByText('again'))
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(2)
    expect(onError).toHaveBeenCalledTimes(2)
  })

  it('guards mounted together that share a failed sign-in each show it; it reaches onError once, from the guard that started it', async () => {
    const { store, startSignIn } = guardedStore(vi.fn<StartSignIn>(async () => Promise.reject(new Error('provider unreachable'))))
    await store.whenHydrated()
    const onError = vi.fn()
    await renderGuard(store, { onError }, (ui) => (
      <StrictMode>
        {ui}
        {ui}
      </StrictMode>
    ))
    expect(startSignIn).toHaveBeenCalledTimes(1)
    expect(screen.getAllByText('signed-out:none:sign-in-failed:null')).toHaveLength(2)
    expect(onError).toHaveBeenCalledTimes(1)
  })

  it('the default screen shows a failed sign-in as an alert with Try again; without onError nothing is left unhandled', async () => {
    const { store, startSignIn } = guardedStore(vi.fn<StartSignIn>(async () => Promise.reject(new Error('provider unreachable'))))
    await renderGuard(store, { signedOut: undefined })
    expect(screen.getByRole('alert').textContent).toMatch(/Sign-in failed/)
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(2)
    expect(screen.getByRole('alert')).toBeTruthy()
  })

  it('back from the provider through the back/forward cache: the signed-out screen, not `loading` for good, nor another sign-in', async () => {
    const { store, startSignIn } = guardedStore(vi.fn<StartSignIn>(async () => {}))
    await renderGuard(store)
    expect(screen.getByText('loading')).toBeTruthy()
    act(() => void dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false }))) // the page's own load: no return
    expect(screen.getByText('loading')).toBeTruthy()
    act(() => void dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })))
    expect(screen.getByText('signed-out:none:ok:null')).toBeTruthy()
    await act(() => settle())
    expect(startSignIn).toHaveBeenCalledTimes(1)
  })

  it('a sign-in in another tab while it waits shows the children; signed out again with nothing stored, it signs in anew', async () => {
    const { store, server, startSignIn } = guardedStore()
    await renderGuard(store)
    expect(startSignIn).toHaveBeenCalledTimes(1)
    await act(async () => {
      await store.signIn(server.signInSession())
      await settle()
    })
    expect(screen.getByText('secret')).toBeTruthy()
    await act(async () => {
      await store.clear()
      await settle()
    })
    expect(startSignIn).toHaveBeenCalledTimes(2)
    expect(screen.getByText('loading')).toBeTruthy()
  })
})
