import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { createOidcSource } from '../../src/oidc'

const stores: SessionStore[] = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  localStorage.clear()
})

const ISSUER = 'https://idp.example'
const settings = {
  authority: ISSUER,
  client_id: 'app',
  redirect_uri: 'https://app.example/cb',
  scope: 'openid offline_access',
  metadata: { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token` },
  // What some providers need on every authorization request (Auth0: the API the access token is for).
  extraQueryParams: { audience: 'https://api.example' },
}

async function authorizationUrl(extraParams?: Record<string, string>): Promise<URL> {
  let redirected = ''
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source: createOidcSource(settings, { navigate: (url) => (redirected = url) }) })
  stores.push(store)
  await store.login(extraParams ? { extraParams } : {})
  return new URL(redirected)
}

describe("login({ extraParams }) with the OIDC source, whose settings have extraQueryParams of their own", () => {
  it('a plain login sends the settings\' parameters', async () => {
    expect((await authorizationUrl()).searchParams.get('audience')).toBe('https://api.example')
  })

  it("a step-up's extraParams are added to the settings' parameters, not put in their place", async () => {
    // Before: oidc-client-ts takes extraQueryParams given to the request instead of the settings' ones, so a
    // step-up (acr_values) dropped the audience: the new access token was not for the API, and every API call failed.
    const url = await authorizationUrl({ acr_values: 'mfa' })
    expect(url.searchParams.get('acr_values')).toBe('mfa')
    expect(url.searchParams.get('audience')).toBe('https://api.example')
  })

  it('extraParams may override one of the settings\' parameters', async () => {
    expect((await authorizationUrl({ audience: 'https://other.example' })).searchParams.getAll('audience')).toEqual(['https://other.example'])
  })
})
