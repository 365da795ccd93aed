import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type AuthenticationSession, type SessionStore } from '../../src/index'
import { createOidcSource, type OidcSourceOptions } from '../../src/oidc'
import { json } from '../support/provider-answers'
import { makeSession } from '../support/sessions'

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  localStorage.clear()
})

const ISSUER = 'https://idp.example'
const endpoints = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token` }
const settings = { authority: ISSUER, client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid offline_access' }
const withEndSession = { ...settings, metadata: { ...endpoints, end_session_endpoint: `${ISSUER}/session/end`, revocation_endpoint: `${ISSUER}/revoke` } }
const TOKENS = { accessToken: 'at-secret-42', refreshToken: 'rt-secret-42', idToken: 'id-secret-42' }

/** Signs `session` in to a store over `source`; `navigated` collects where logout() sent the page. */
async function signedIn(settingsGiven: Parameters<typeof createOidcSource>[0], options: OidcSourceOptions, session: Partial<AuthenticationSession> = {}) {
  const navigated: string[] = []
  const source = createOidcSource(settingsGiven, { navigate: (url) => void navigated.push(url), ...options })
  const store: SessionStore = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source })
  cleanups.push(() => store.destroy())
  await store.whenHydrated()
  await store.signIn(makeSession({ ...TOKENS, ...session }))
  return { store, navigated }
}

describe('createOidcSource(settings, { logoutParams }): more parameters for the end-session page', () => {
  it('an object: its parameters reach the end-session URL beside the ID token hint and the settings\' own, and no other token does', async () => {
    vi.stubGlobal('fetch', vi.fn())
    const { store, navigated } = await signedIn(
      { ...withEndSession, post_logout_redirect_uri: 'https://app.example/', extraQueryParams: { audience: 'https://api.example' } },
      { logoutParams: { logout_uri: 'https://app.example/bye', ui_locales: 'de', skipped: undefined } },
    )
    await store.logout()
    expect(navigated).toHaveLength(1)
    const url = new URL(navigated[0]!)
    expect(url.origin + url.pathname).toBe(`${ISSUER}/session/end`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: 'id-secret-42',
      post_logout_redirect_uri: 'https://app.example/',
      audience: 'https://api.example',
      logout_uri: 'https://app.example/bye',
      ui_locales: 'de',
    })
    expect(navigated[0]).not.toContain('at-secret-42')
    expect(navigated[0]).not.toContain('rt-secret-42')
    expect(fetch).not.toHaveBeenCalled() // nothing revoked besides
  })

  it("a null among the settings' extraQueryParams (config read from JSON: not set) stays out, as oidc-client-ts leaves it out without logoutParams", async () => {
    vi.stubGlobal('fetch', vi.fn())
    const extraQueryParams = { audience: null, resource: 'https://api.example' } as never
    for (const options of [{}, { logoutParams: { logout_uri: 'https://app.example/bye' } }]) {
      const { store, navigated } = await signedIn({ ...withEndSession, extraQueryParams }, options)
      await store.logout()
      const params = new URL(navigated[0]!).searchParams
      expect(params.has('audience')).toBe(false)
      expect(params.get('resource')).toBe('https://api.example')
    }
  })

  it("Amazon Cognito: a discovery document without end_session_endpoint, the hosted UI's /logout seeded, goes there with client_id and logout_uri", async () => {
    const pool = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab12Cd34'
    const hostedUi = 'https://my-app.auth.eu-west-1.amazoncognito.com'
    const fetched: string[] = []
    vi.stubGlobal('fetch', async (input: string) => {
      fetched.push(String(input))
      // Cognito's discovery document: no end_session_endpoint, and no revocation_endpoint either.
      return json(200, {
        issuer: pool,
        authorization_endpoint: `${hostedUi}/oauth2/authorize`,
        token_endpoint: `${hostedUi}/oauth2/token`,
        userinfo_endpoint: `${hostedUi}/oauth2/userInfo`,
        jwks_uri: `${pool}/.well-known/jwks.json`,
        response_types_supported: ['code', 'token'],
      })
    })
    const { store, navigated } = await signedIn(
      { ...settings, authority: pool, post_logout_redirect_uri: 'https://app.example/', metadataSeed: { end_session_endpoint: `${hostedUi}/logout` } },
      { logoutParams: { client_id: 'app', logout_uri: 'https://app.example/' } },
    )
    await store.logout()
    expect(fetched).toEqual([`${pool}/.well-known/openid-configuration`])
    const url = new URL(navigated[0]!)
    expect(url.origin + url.pathname).toBe(`${hostedUi}/logout`)
    expect(url.searchParams.getAll('client_id')).toEqual(['app'])
    expect(url.searchParams.get('logout_uri')).toBe('https://app.example/')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })

  it('client_id and post_logout_redirect_uri given here are sent once, in place of those oidc-client-ts adds itself', async () => {
    vi.stubGlobal('fetch', vi.fn())
    // Without an ID token and with a redirect URI, oidc-client-ts adds client_id of its own.
    const { store, navigated } = await signedIn(
      { ...withEndSession, post_logout_redirect_uri: 'https://app.example/' },
      { logoutParams: { client_id: 'app', post_logout_redirect_uri: 'https://app.example/signed-out' } },
      { idToken: undefined },
    )
    await store.logout()
    const url = new URL(navigated[0]!)
    expect(url.searchParams.getAll('client_id')).toEqual(['app'])
    expect(url.searchParams.getAll('post_logout_redirect_uri')).toEqual(['https://app.example/signed-out'])
  })

  it('a function: called at each logout with the ended session, not when the source is made; not at all when the logout revokes instead', async () => {
    const revoked: string[] = []
    vi.stubGlobal('fetch', async (input: string) => (revoked.push(String(input)), new Response(null, { status: 200 })))
    const logoutParams = vi.fn((session: AuthenticationSession) => ({ logout_hint: session.user.id ?? '' }))
    const { store, navigated } = await signedIn(withEndSession, { logoutParams }, { user: { '@type': 'User', id: 'user-7', username: 'u7' } })
    expect(logoutParams).not.toHaveBeenCalled()
    await store.logout()
    expect(logoutParams).toHaveBeenCalledTimes(1)
    expect(logoutParams.mock.calls[0]![0]).toMatchObject({ user: { id: 'user-7' }, idToken: 'id-secret-42' })
    expect(new URL(navigated[0]!).searchParams.get('logout_hint')).toBe('user-7')

    await store.signIn(makeSession(TOKENS))
    await store.logout({ redirect: false })
    expect(revoked).toEqual([`${ISSUER}/revoke`])
    expect(logoutParams).toHaveBeenCalledTimes(1)
    expect(navigated).toHaveLength(1)
  })

  it.each([
    ['a string', 'logout_uri=x', 'expected a plain object of strings, got a string'],
    ['an array', [['logout_uri', 'x']], 'expected a plain object of strings, got an array'],
    ['a number value', { logout_uri: 3 }, '.logout_uri: expected a string, got a number'],
    ['id_token_hint', { id_token_hint: 'someone-else' }, "id_token_hint is the session's ID token"],
  ])('%s is refused when the source is made: invalid-argument', (_, logoutParams, message) => {
    expect(() => createOidcSource(withEndSession, { logoutParams: logoutParams as never })).toThrow(
      expect.objectContaining({ name: 'AuthSessionError', code: 'invalid-argument', message: expect.stringContaining(message) }),
    )
  })

  it.each([
    ['answers no object', () => null, 'logoutParams(session): expected a plain object of strings, got null'],
    ['answers a token where a string belongs', () => ({ logout_uri: 42 }), 'logoutParams(session).logout_uri: expected a string'],
    ['throws', () => { throw new Error('no location here') }, 'no location here'],
  ])('a function that %s: logout() ends the session, goes nowhere, and rejects with sign-out-failed', async (_, logoutParams, message) => {
    vi.stubGlobal('fetch', vi.fn())
    const { store, navigated } = await signedIn(withEndSession, { logoutParams: logoutParams as never })
    const error = (await store.logout().catch((e: unknown) => e)) as Error
    expect(error).toMatchObject({ name: 'AuthSessionError', code: 'sign-out-failed', message: expect.stringContaining(message) })
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toMatch(/secret-42/)
    expect(navigated).toEqual([])
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })
})
