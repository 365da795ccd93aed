import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore, type IdleTimeoutAction, type SessionStore } from '../../src/index'
import { RequireSession, SessionProvider, useIdlePrompt } from '../../src/react'
import { makeSession } from '../support/sessions'

// A user comes back after the idle timeout with every tab closed meanwhile (a
// bookmark to a protected page, the browser reopened). The stored record is
// still live: only the idle tracker, once the record is read, ends it. The
// guard must not show the protected page to the idle session in between (seen
// in a Next.js trial: the page, the user's name, then "Signed out" ~40 ms later).

const stores: SessionStore[] = []
afterEach(() => {
  cleanup()
  stores.splice(0).forEach((store) => store.destroy())
})

const MINUTE = 60_000

function Prompt({ onTimeout = 'end' }: { onTimeout?: IdleTimeoutAction }) {
  useIdlePrompt({ timeoutMs: 10 * MINUTE, promptMs: 2 * MINUTE, onTimeout })
  return null
}

let secretRenders = 0
function Secret() {
  secretRenders += 1
  return <p>secret</p>
}

/** A record stored by an earlier page, its last activity `idleMs` ago; the store of the page that reads it. */
async function storedRecord(idleMs: number) {
  const shared = new Map<string, unknown>()
  const earlier = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
  earlier.start()
  await earlier.signIn(makeSession({ lastActivityAt: new Date(Date.now() - idleMs).toISOString() }))
  expect(Date.now() - Date.parse(earlier.getState().session!.lastActivityAt)).toBeGreaterThanOrEqual(idleMs - 1000)
  earlier.destroy()
  const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
  stores.push(store)
  return store
}

const app = (store: SessionStore, onTimeout?: IdleTimeoutAction) => (
  <SessionProvider store={store}>
    <Prompt {...(onTimeout ? { onTimeout } : {})} />
    <RequireSession loading={<p>loading</p>}>
      <Secret />
    </RequireSession>
  </SessionProvider>
)

it('a page opened after the idle timeout never renders the protected children, then shows signed out', async () => {
  const store = await storedRecord(30 * MINUTE)
  secretRenders = 0
  render(app(store))
  await waitFor(() => expect(screen.getByText(/Signed out/)).toBeTruthy())
  expect(store.getState().session?.revokeReason).toBe('idle-timeout')
  expect(secretRenders).toBe(0)
})

it('the same under StrictMode', async () => {
  const store = await storedRecord(30 * MINUTE)
  secretRenders = 0
  render(<StrictMode>{app(store)}</StrictMode>)
  await waitFor(() => expect(screen.getByText(/Signed out/)).toBeTruthy())
  expect(secretRenders).toBe(0)
})

it('a page opened within the idle time shows the children', async () => {
  const store = await storedRecord(5 * MINUTE)
  secretRenders = 0
  render(app(store))
  await waitFor(() => expect(screen.getByText('secret')).toBeTruthy())
  await act(async () => {})
  expect(store.getState().status).toBe('authenticated')
})

// The store shows the idle end as decided while the action runs (idle-end.ts): the guard, a header outside it
// and getAccessToken() all see it. An action of the app's that keeps the session shows it again once settled.
it('an onTimeout of its own that keeps the session: signed out while it runs, the children again once it settles; run once', async () => {
  const store = await storedRecord(30 * MINUTE)
  let timeouts = 0
  let finish = () => {}
  secretRenders = 0
  render(app(store, () => ((timeouts += 1), new Promise<void>((resolve) => (finish = resolve)))))
  await waitFor(() => expect(timeouts).toBe(1))
  expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout', accessToken: '' } })
  expect(screen.getByText(/Signed out/)).toBeTruthy()
  await expect(store.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
  expect(secretRenders).toBe(0)
  await act(async () => finish())
  await waitFor(() => expect(screen.getByText('secret')).toBeTruthy())
  for (let i = 0; i < 5; i += 1) await act(async () => {})
  expect(store.getState().status).toBe('authenticated')
  expect(timeouts).toBe(1)
})

// The prompt rendered inside the guard's children (a protected layout's): the
// idle end hides the prompt with them, and its tracker stops. The decision
// stands (its action still runs, once), and a tracker made when the children
// come back does not decide again on the same activity: once per round
// before, 3 times here, and a function that keeps the session looped for good.
const inside = (store: SessionStore, onTimeout: IdleTimeoutAction) => (
  <SessionProvider store={store}>
    <RequireSession loading={<p>loading</p>}>
      <Prompt onTimeout={onTimeout} />
      <Secret />
    </RequireSession>
  </SessionProvider>
)

it('a prompt inside the guard runs its onTimeout once, and the children are not mounted again', async () => {
  const store = await storedRecord(30 * MINUTE)
  let timeouts = 0
  secretRenders = 0
  render(inside(store, async (given) => ((timeouts += 1), await given.end('idle-timeout'))))
  await waitFor(() => expect(screen.getByText(/Signed out/)).toBeTruthy())
  await act(async () => {})
  expect(timeouts).toBe(1)
  expect(secretRenders).toBe(1)
})

it('a prompt inside the guard whose onTimeout keeps the session: run once, the children stay, new activity makes it active', async () => {
  const store = await storedRecord(30 * MINUTE)
  let timeouts = 0
  render(inside(store, async () => void (timeouts += 1)))
  await waitFor(() => expect(timeouts).toBe(1))
  for (let i = 0; i < 5; i += 1) await act(async () => {})
  expect(timeouts).toBe(1)
  expect(screen.getByText('secret')).toBeTruthy()
  act(() => store.recordActivity())
  await act(async () => {})
  expect(store.getState().status).toBe('authenticated')
})
