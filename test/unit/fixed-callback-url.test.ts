import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type SessionSource } from '../../src/index'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(() => destroyTabs())

// A source whose callback URL is fixed (singleUseCallbacks unset: a cookie
// session, the app's own login form): the README promises "a sign-in on every
// visit". A page that signs in again without reloading (the app's own login
// form, a popup) completes the same URL a second time.
/** A started tab on a cookie source whose every completion answers a new session (`sess-1`, `sess-2`, ...). */
async function cookieTab() {
  const calls = { n: 0 }
  const source: SessionSource = {
    name: 'cookie',
    refresh: async (session) => ({ session }),
    completeSignIn: async () => ({ session: makeSession({ sessionId: `sess-${++calls.n}` }) }),
  }
  const { store } = await startedTab({ persistence: createMemoryPersistence(), locks: createMemoryLocks(), logoutJournal: null, source })
  return { store, calls }
}

describe('completeLogin() with a fixed callback URL (singleUseCallbacks unset)', () => {
  const CALLBACK = 'https://app.example/callback'

  it('a second sign-in in the same page, after a logout, is completed and stored', async () => {
    const { store, calls } = await cookieTab()
    await store.completeLogin(CALLBACK)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: 'sess-1' } })
    await store.logout()
    expect(store.getState().status).toBe('unauthenticated')

    const { session } = await store.completeLogin(CALLBACK)
    expect(calls.n).toBe(2)
    expect(session.sessionId).toBe('sess-2')
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: 'sess-2' } })
  })

  it('a sign-in that failed (the session endpoint down) can be tried again in the same page', async () => {
    const answers = [() => Promise.reject(new Error('The session endpoint answered 503')), async () => ({ session: makeSession({ sessionId: 'sess-ok' }) })]
    const source: SessionSource = { name: 'cookie', refresh: async (session) => ({ session }), completeSignIn: () => answers.shift()!() }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), locks: createMemoryLocks(), logoutJournal: null, source })
    await expect(store.completeLogin(CALLBACK)).rejects.toMatchObject({ code: 'sign-in-failed' })
    await expect(store.completeLogin(CALLBACK)).resolves.toMatchObject({ session: { sessionId: 'sess-ok' } })
    expect(store.getState().status).toBe('authenticated')
  })

  it("calls made while one runs (StrictMode's double effect) still share it: one completion", async () => {
    const { store, calls } = await cookieTab()
    const first = store.completeLogin(CALLBACK)
    expect(store.completeLogin(CALLBACK)).toBe(first)
    await first
    expect(calls.n).toBe(1)
  })
})

// A single-use callback (an authorization code: the OIDC source's) is shared
// while the tab stays signed in after it; once it is signed out, what the
// first call answered (tokens of the ended session) is not handed out again.
describe('completeLogin() with single-use callback URLs, after a logout', () => {
  it('a later call of the same URL does not resolve with the ended session: it tries again, and the spent code is refused', async () => {
    const spent = new Set<string>()
    const source: SessionSource = {
      name: 'code',
      singleUseCallbacks: true,
      refresh: async (session) => ({ session }),
      completeSignIn: async (url) => {
        if (spent.has(url)) throw new Error('invalid_grant: the code was used')
        spent.add(url)
        return { session: makeSession({ sessionId: 'sid-1', accessToken: 'at-first' }), returnTo: '/inbox' }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), locks: createMemoryLocks(), logoutJournal: null, source })
    const url = 'https://app.example/callback?code=c1&state=s1'
    const first = store.completeLogin(url)
    await expect(first).resolves.toMatchObject({ session: { accessToken: 'at-first' }, returnTo: '/inbox' })
    expect(store.completeLogin(url)).toBe(first) // a re-render while signed in: the same completion
    await store.logout()
    const later = store.completeLogin(url)
    expect(later).not.toBe(first)
    await expect(later).rejects.toMatchObject({ code: 'sign-in-failed' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated' })
  })
})
