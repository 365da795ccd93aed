import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthSessionError, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json } from '../support/provider-answers'

// A failed sign-in must not lose where the user was going: the callback page
// gets `returnTo` on the sign-in-failed error whenever the sign-in's state is
// known, so it can send the user back there (with the error) instead of to /.

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  localStorage.clear()
})

const metadata = { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token' }
const settings = { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'api', metadata }

function storeWith(source: SessionSource): SessionStore {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source })
  cleanups.push(() => store.destroy())
  return store
}

/** A store on the OIDC source, after login(options): the sign-in's state, as the provider will echo it. */
async function loggedIn(options?: Parameters<SessionStore['login']>[0]) {
  let redirected = ''
  const store = storeWith(createOidcSource(settings, { navigate: (url) => (redirected = url) }))
  await store.login(options)
  return { store, state: new URL(redirected).searchParams.get('state')! }
}

const failure = (promise: Promise<unknown>) => promise.then(() => expect.unreachable('it resolved'), (error: unknown) => error as AuthSessionError)

describe('returnTo on a failed sign-in, OIDC source', () => {
  it('the provider refused (access_denied): the error carries the returnTo login() was given', async () => {
    const { store, state } = await loggedIn({ returnTo: '/orders/42' })
    const error = await failure(store.completeLogin(`https://app.example/cb?error=access_denied&state=${state}`))
    expect(error).toBeInstanceOf(AuthSessionError)
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'access_denied', returnTo: '/orders/42' })
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('the code exchange failed (invalid_grant, the provider unreachable): the returnTo too, and never the code', async () => {
    vi.stubGlobal('fetch', async () => json(400, { error: 'invalid_grant', error_description: 'code c-secret-1 was used' }))
    const refused = await loggedIn({ returnTo: '/orders/42?tab=2#items' })
    const error = await failure(refused.store.completeLogin(`https://app.example/cb?code=c-secret-1&state=${refused.state}`))
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'invalid_grant', returnTo: '/orders/42?tab=2#items' })
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('c-secret-1')

    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const unreachable = await loggedIn({ returnTo: '/reports' })
    await expect(unreachable.store.completeLogin(`https://app.example/cb?code=c2&state=${unreachable.state}`)).rejects.toMatchObject({ code: 'sign-in-failed', returnTo: '/reports' })
  })

  it('a state this browser does not hold (spent, another browser, made up): the same typed error, without returnTo', async () => {
    const { store } = await loggedIn({ returnTo: '/orders/42' })
    const error = await failure(store.completeLogin('https://app.example/cb?error=access_denied&state=not-ours'))
    expect(error).toMatchObject({ name: 'AuthSessionError', code: 'sign-in-failed' })
    expect(error.returnTo).toBeUndefined()
  })

  it('login() without returnTo: none on the error', async () => {
    const { store, state } = await loggedIn()
    const error = await failure(store.completeLogin(`https://app.example/cb?error=login_required&state=${state}`))
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'login_required' })
    expect(error.returnTo).toBeUndefined()
  })

  it('a stored sign-in state whose returnTo is no string (browser storage is untrusted): none, on failure and on success', async () => {
    const tamper = (state: string) => {
      const key = `oidc.${state}`
      const stored = JSON.parse(localStorage.getItem(key)!) as { data?: unknown }
      localStorage.setItem(key, JSON.stringify({ ...stored, data: { returnTo: { href: '//evil.example' } } }))
    }
    const refused = await loggedIn({ returnTo: '/orders/42' })
    tamper(refused.state)
    const error = await failure(refused.store.completeLogin(`https://app.example/cb?error=access_denied&state=${refused.state}`))
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'access_denied' })
    expect(error.returnTo).toBeUndefined()

    vi.stubGlobal('fetch', async () => json(200, { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 600 }))
    const signedIn = await loggedIn({ returnTo: '/orders/42' })
    tamper(signedIn.state)
    const result = await signedIn.store.completeLogin(`https://app.example/cb?code=c1&state=${signedIn.state}`)
    expect(result.returnTo).toBeUndefined()
  })
})

describe('returnTo on a failed sign-in, any source', () => {
  const source = (completeSignIn: SessionSource['completeSignIn']): SessionSource => ({ name: 'custom', completeSignIn, refresh: () => Promise.reject(new Error('unused')) })

  it("a source's own sign-in-failed error with returnTo reaches the app as it is", async () => {
    const thrown = new AuthSessionError('sign-in-failed', 'The server refused the sign-in', { returnTo: '/reports' })
    const store = storeWith(source(() => Promise.reject(thrown)))
    const error = await failure(store.completeLogin('https://app.example/return'))
    expect(error).toBe(thrown)
    expect(error.returnTo).toBe('/reports')
  })

  it('an answer that is no active session keeps the returnTo the source answered', async () => {
    const store = storeWith(source(async () => ({ session: makeSession({ status: 'revoked' }), returnTo: '/reports' })))
    await expect(store.completeLogin('https://app.example/return')).rejects.toMatchObject({ code: 'sign-in-failed', returnTo: '/reports' })
  })

  it('a plain Error from the source, or an answer that is no object: no returnTo', async () => {
    for (const completeSignIn of [() => Promise.reject(new Error('down')), async () => null as never]) {
      const error = await failure(storeWith(source(completeSignIn)).completeLogin('https://app.example/return'))
      expect(error).toMatchObject({ code: 'sign-in-failed' })
      expect(error.returnTo).toBeUndefined()
    }
  })

  it('a returnTo that is no string (a source in JavaScript) is not passed on', async () => {
    const store = storeWith(source(async () => ({ session: makeSession({ status: 'revoked' }), returnTo: { href: '/x' } as never })))
    const error = await failure(store.completeLogin('https://app.example/return'))
    expect(error).toMatchObject({ code: 'sign-in-failed' })
    expect(error.returnTo).toBeUndefined()
    expect(new AuthSessionError('sign-in-failed', 'x', { returnTo: 42 as never }).returnTo).toBeUndefined()
  })
})
