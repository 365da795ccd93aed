import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json } from '../support/provider-answers'

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  localStorage.clear()
})

const ISSUER = 'https://idp.example'
const endpoints = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
}
const settings = { authority: ISSUER, client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid offline_access' }

/** A fetch that never answers, until oidc-client-ts aborts it at its timeout. */
const hangingFetch = (calls: string[]) => (input: string, init: RequestInit = {}) => {
  calls.push(String(input))
  return new Promise<Response>((_, reject) => {
    init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
  })
}

function storeWith(source: ReturnType<typeof createOidcSource>): SessionStore {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source })
  cleanups.push(() => store.destroy())
  return store
}

async function signedIn(source: ReturnType<typeof createOidcSource>) {
  const store = storeWith(source)
  await store.whenHydrated()
  const session = makeSession({ refreshToken: 'rt-secret-42', idToken: 'id-secret-42' })
  await store.signIn(session)
  return { store, session }
}

describe('sign-in with the OIDC source', () => {
  it('a provider that cannot be reached at login() is a typed sign-in-failed', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch')
    })
    const store = storeWith(createOidcSource(settings, { navigate: () => {} }))
    await expect(store.login()).rejects.toMatchObject({ name: 'AuthSessionError', code: 'sign-in-failed', message: expect.stringContaining('could not be started') })
  })

  it('a provider that never answers: login() and completeLogin() fail at the request timeout, not never', async () => {
    const calls: string[] = []
    vi.stubGlobal('fetch', hangingFetch(calls))
    const discoveryHangs = storeWith(createOidcSource(settings, { navigate: () => {}, requestTimeoutSeconds: 0.05 }))
    await expect(discoveryHangs.login()).rejects.toMatchObject({ code: 'sign-in-failed', message: expect.stringContaining('timed out') })
    expect(calls).toEqual([`${ISSUER}/.well-known/openid-configuration`])

    let redirected = ''
    const exchangeHangs = storeWith(createOidcSource({ ...settings, metadata: endpoints }, { navigate: (url) => (redirected = url), requestTimeoutSeconds: 0.05 }))
    await exchangeHangs.login()
    const callback = `https://app.example/cb?code=c1&state=${new URL(redirected).searchParams.get('state')}`
    await expect(exchangeHangs.completeLogin(callback)).rejects.toMatchObject({ code: 'sign-in-failed', message: expect.stringContaining('timed out') })
    expect(calls.at(-1)).toBe(`${ISSUER}/token`)
    await exchangeHangs.whenHydrated()
    expect(exchangeHangs.getState().status).toBe('unauthenticated')
  })

  it('a refused sign-in says what the provider said, description included', async () => {
    let redirected = ''
    const store = storeWith(createOidcSource({ ...settings, metadata: endpoints }, { navigate: (url) => (redirected = url) }))
    await store.login()
    const state = new URL(redirected).searchParams.get('state')
    const error = await store.completeLogin(`https://app.example/cb?error=access_denied&error_description=User%20cancelled&state=${state}`).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'access_denied', message: 'The sign-in could not be completed: access_denied (User cancelled)' })
  })
})

describe('sign-out with the OIDC source', () => {
  // RFC 7009: the body of a successful revocation is ignored, whatever its type (oidc-provider: empty text/plain).
  it.each([
    ['no body', () => new Response(null, { status: 200 })],
    ['an empty text/plain body', () => new Response('', { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })],
    ['a text/plain "OK"', () => new Response('OK', { status: 200, headers: { 'Content-Type': 'text/plain' } })],
    ['an HTML page', () => new Response('<p>Revoked</p>', { status: 200, headers: { 'Content-Type': 'text/html' } })],
    ['a JSON body', () => json(200, {})],
  ])('a provider without an end-session page: logout() revokes the refresh token and stays on the page (answer with %s)', async (_, answer) => {
    const revoked: Array<Record<string, string>> = []
    vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
      expect(String(input)).toBe(`${ISSUER}/revoke`)
      revoked.push(Object.fromEntries(new URLSearchParams(String(init.body))))
      return answer()
    })
    const navigate = vi.fn()
    const { store } = await signedIn(createOidcSource({ ...settings, metadata: { ...endpoints, revocation_endpoint: `${ISSUER}/revoke` } }, { navigate }))
    await store.logout()
    expect(navigate).not.toHaveBeenCalled()
    expect(revoked).toEqual([expect.objectContaining({ token: 'rt-secret-42', token_type_hint: 'refresh_token' })])
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })

  it('with an end-session page: logout() goes there with the ID token as hint, and revokes nothing', async () => {
    const fetched = vi.fn()
    vi.stubGlobal('fetch', fetched)
    const navigate = vi.fn()
    const metadata = { ...endpoints, end_session_endpoint: `${ISSUER}/session/end`, revocation_endpoint: `${ISSUER}/revoke` }
    const { store } = await signedIn(createOidcSource({ ...settings, metadata }, { navigate }))
    await store.logout()
    expect(fetched).not.toHaveBeenCalled()
    const url = new URL(navigate.mock.calls[0]![0] as string)
    expect(url.origin + url.pathname).toBe(`${ISSUER}/session/end`)
    expect(url.searchParams.get('id_token_hint')).toBe('id-secret-42')
  })

  it.each([
    ['neither an end-session page nor revocation', {}, {}, 'neither an end-session page nor token revocation'],
    ['no end-session page and no refresh token to revoke', { revocation_endpoint: `${ISSUER}/revoke` }, { refreshToken: undefined }, 'no refresh token to revoke'],
    ['redirect: false and no revocation', { end_session_endpoint: `${ISSUER}/session/end` }, { redirect: false }, 'no token revocation'],
  ])('%s: the provider cannot be told, logout() rejects with sign-out-failed after ending the session', async (_, more, options, why) => {
    const fetched = vi.fn()
    vi.stubGlobal('fetch', fetched)
    const navigate = vi.fn()
    const store = storeWith(createOidcSource({ ...settings, metadata: { ...endpoints, ...more } }, { navigate }))
    await store.whenHydrated()
    const { redirect, refreshToken } = { refreshToken: 'rt-secret-42', ...options } as { redirect?: boolean; refreshToken?: string }
    await store.signIn(makeSession({ refreshToken }))
    await expect(store.logout(redirect === undefined ? {} : { redirect })).rejects.toMatchObject({ code: 'sign-out-failed', message: expect.stringContaining(why) })
    expect(fetched).not.toHaveBeenCalled()
    expect(navigate).not.toHaveBeenCalled()
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('redirect: false and no refresh token: nothing is left to revoke, logout() resolves', async () => {
    const fetched = vi.fn()
    vi.stubGlobal('fetch', fetched)
    const store = storeWith(createOidcSource({ ...settings, metadata: { ...endpoints, revocation_endpoint: `${ISSUER}/revoke` } }, { navigate: () => {} }))
    await store.whenHydrated()
    await store.signIn(makeSession({ refreshToken: undefined }))
    await expect(store.logout({ redirect: false })).resolves.toBeUndefined()
    expect(fetched).not.toHaveBeenCalled()
  })

  it.each([
    ['revocation answers 503', { redirect: false }, async () => json(503, { error: 'temporarily_unavailable' })],
    ['revocation unreachable', { redirect: false }, async () => Promise.reject(new TypeError('Failed to fetch'))],
    ['discovery unreachable (the end-session page cannot be found)', {}, async () => Promise.reject(new TypeError('Failed to fetch'))],
  ])('%s: logout() ends the session here and rejects with sign-out-failed, naming no token', async (_, options, answer) => {
    vi.stubGlobal('fetch', answer)
    const metadata = 'redirect' in options ? { ...endpoints, revocation_endpoint: `${ISSUER}/revoke` } : undefined
    const { store } = await signedIn(createOidcSource({ ...settings, metadata }, { navigate: () => {} }))
    const error = (await store.logout(options).catch((e: unknown) => e)) as Error & { code: string }
    expect(error).toMatchObject({ name: 'AuthSessionError', code: 'sign-out-failed', message: expect.stringContaining('Signed out here') })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    expect(store.getState().session).not.toHaveProperty('refreshToken')
    const everything = `${error.message} ${String(error.cause)} ${JSON.stringify(error.cause)} ${JSON.stringify(Object.entries(error.cause ?? {}))}`
    expect(everything).not.toContain('rt-secret-42')
    expect(everything).not.toContain('id-secret-42')
  })

  it('a revocation that never answers fails at the request timeout', async () => {
    vi.stubGlobal('fetch', hangingFetch([]))
    const metadata = { ...endpoints, revocation_endpoint: `${ISSUER}/revoke` }
    const { store } = await signedIn(createOidcSource({ ...settings, metadata }, { navigate: () => {}, requestTimeoutSeconds: 0.05 }))
    await expect(store.logout({ redirect: false })).rejects.toMatchObject({ code: 'sign-out-failed', message: expect.stringContaining('timed out') })
    expect(store.getState().status).toBe('unauthenticated')
  })
})

describe('refresh with the OIDC source', () => {
  it("discovery that never answers still ends within the scheduler's timeout", async () => {
    vi.stubGlobal('fetch', hangingFetch([]))
    const source = createOidcSource(settings, { requestTimeoutSeconds: 5 })
    const started = Date.now()
    const error = await source.refresh(makeSession(), { signal: new AbortController().signal, timeoutMs: 100 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'RefreshError', code: 'refresh-timeout' })
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
