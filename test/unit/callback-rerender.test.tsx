import { Suspense, useEffect, useState } from 'react'
import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { SessionProvider, useSessionStore } from '../../src/react'
import { bus } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => {
  cleanup()
  stores.splice(0).forEach((store) => store.destroy())
})

const CALLBACK = 'https://app.example/callback'

// A cookie source like the README's: completeSignIn reads the session endpoint
// and takes returnTo out of sessionStorage (a second call finds none). After 10
// calls it never answers, so a loop stops instead of running the test forever.
function cookieSource() {
  const calls = { n: 0 }
  let returnTo: string | undefined = '/orders/42'
  const source: SessionSource = {
    name: 'cookie',
    refresh: async (session) => ({ session }),
    completeSignIn: async () => {
      if (++calls.n > 10) return new Promise(() => {})
      const taken = returnTo
      returnTo = undefined
      return { session: makeSession({ sessionId: `sess-${calls.n}` }), returnTo: taken }
    },
  }
  return { source, calls }
}

async function startedStore(source: SessionSource) {
  const store = createSessionStore({ persistence: createMemoryPersistence(), locks: createMemoryLocks(), channel: null, logoutJournal: null, source })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  return store
}

// The callback's effect or render may run again once the sign-in settled: a
// Suspense retry, a route remounting its element. That is the same visit, not
// a second sign-in: it must get the settled result, not redeem again.
describe('completeLogin() called again on the same visit, after it settled (fixed callback URL)', () => {
  // Suspense's own protocol (what React 19's `use` does, and React 18 knows
  // too): throw the pending promise, render again once it settles. A new
  // promise on the retry would suspend again, forever.
  const settled = new WeakMap<Promise<unknown>, { value: unknown }>()
  function read<T>(promise: Promise<T>): T {
    const result = settled.get(promise)
    if (result) return result.value as T
    throw promise.then((value) => void settled.set(promise, { value }))
  }
  it('reading store.completeLogin() below Suspense completes once and renders (no retry loop)', async () => {
    const { source, calls } = cookieSource()
    const store = await startedStore(source)
    function Callback() {
      const { returnTo } = read(useSessionStore().completeLogin(CALLBACK))
      return <p>back to {returnTo}</p>
    }
    await act(async () => {
      render(
        <SessionProvider store={store}>
          <Suspense fallback={<p>Signing in…</p>}>
            <Callback />
          </Suspense>
        </SessionProvider>,
      )
    })
    for (let i = 0; i < 20; i += 1) await act(async () => new Promise((resolve) => setTimeout(resolve, 5)))
    expect(calls.n).toBe(1)
    expect(screen.getByText('back to /orders/42')).toBeTruthy()
  })

  it('a callback element remounted after the sign-in (a keyed route) gets the same result', async () => {
    const { source, calls } = cookieSource()
    const store = await startedStore(source)
    const seen: (string | undefined)[] = []
    function Callback() {
      const store = useSessionStore()
      useEffect(() => void store.completeLogin(CALLBACK).then(({ returnTo }) => seen.push(returnTo)), [store])
      return null
    }
    function Routes() {
      const [key, setKey] = useState(0)
      return (
        <>
          <Callback key={key} />
          <button onClick={() => setKey(1)}>remount</button>
        </>
      )
    }
    render(
      <SessionProvider store={store}>
        <Routes />
      </SessionProvider>,
    )
    await act(async () => new Promise((resolve) => setTimeout(resolve, 20)))
    await act(async () => screen.getByText('remount').click())
    await act(async () => new Promise((resolve) => setTimeout(resolve, 20)))
    expect(calls.n).toBe(1)
    expect(seen).toEqual(['/orders/42', '/orders/42'])
    expect(store.getState().session?.sessionId).toBe('sess-1')
  })
})

describe('completeLogin() of a fixed callback URL after a new sign-in in the same page', () => {
  it('after login() (a popup, the app’s own form) completes anew, though the first login still lasts', async () => {
    const { source, calls } = cookieSource()
    source.startSignIn = async () => {}
    const store = await startedStore(source)
    await store.completeLogin(CALLBACK)
    await store.login()
    const { session } = await store.completeLogin(CALLBACK)
    expect(calls.n).toBe(2)
    expect(session.sessionId).toBe('sess-2')
    expect(store.getState().session?.sessionId).toBe('sess-2')
  })

  it('after the tab was signed out in another way (idle, another tab) completes anew', async () => {
    const { source, calls } = cookieSource()
    const store = await startedStore(source)
    await store.completeLogin(CALLBACK)
    await store.end('idle-timeout')
    await expect(store.completeLogin(CALLBACK)).resolves.toMatchObject({ session: { sessionId: 'sess-2' } })
    expect(calls.n).toBe(2)
  })
})

describe('completeLogin() of a fixed callback URL in two tabs (a duplicated callback tab)', () => {
  it("a tab that adopted the other tab's sign-in reuses its own result: no sign-in ping-pong between re-rendering tabs", async () => {
    const { source, calls } = cookieSource()
    const shared = { map: new Map<string, unknown>(), locks: createMemoryLocks(), channel: bus() }
    const tab = async () => {
      const store = createSessionStore({ persistence: createMemoryPersistence(shared.map), locks: shared.locks, channel: shared.channel(), logoutJournal: null, source })
      stores.push(store)
      store.start()
      await store.whenHydrated()
      return store
    }
    const [a, b] = [await tab(), await tab()]
    await a.completeLogin(CALLBACK)
    await b.completeLogin(CALLBACK) // the duplicated tab signs in too (a fixed URL is a sign-in on every visit)
    await new Promise((resolve) => setTimeout(resolve, 20)) // a adopts b's sign-in
    expect(a.getState().session?.sessionId).toBe('sess-2')
    // a re-renders (it follows the session) and asks again: the same visit, still signed in.
    await a.completeLogin(CALLBACK)
    expect(calls.n).toBe(2)
  })
})
