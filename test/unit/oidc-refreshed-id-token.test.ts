import { afterEach, describe, expect, it, vi } from 'vitest'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { jwt, json } from '../support/provider-answers'

afterEach(() => vi.unstubAllGlobals())

const seconds = (ms: number) => Math.floor(ms / 1000)
const metadata = { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token' }
const settings = { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', metadata }
const signedInAt = Date.parse('2026-11-23T12:00:00Z')
const original = { iss: metadata.issuer, aud: 'app', sub: 'user-1', sid: 'sid-1', iat: seconds(signedInAt), auth_time: seconds(signedInAt) }

/** Refreshes a session signed in with `original` against a provider whose refreshed ID token has `claims`. */
async function refreshWith(claims: object | null, signedIn: object = original) {
  const idToken = claims ? { id_token: jwt(claims) } : {}
  vi.stubGlobal('fetch', async () => json(200, { access_token: 'at-2', refresh_token: 'rt-2', ...idToken, token_type: 'Bearer', expires_in: 600 }))
  const session = makeSession({ refreshToken: 'rt-1', idToken: jwt(signedIn), sessionId: 'sid-1', user: { id: 'user-1', username: 'u' }, isMfaVerified: true, authenticationMethod: { name: 'urn:mfa', amr: ['pwd', 'otp'] }, initiatedAt: new Date(signedInAt).toISOString() }, Date.now())
  return { before: session, after: (await createOidcSource(settings).refresh(session, { signal: new AbortController().signal, timeoutMs: 15_000 })).session }
}

describe("a refreshed ID token that restates the login differently (the provider's quirk, same user)", () => {
  // Azure AD B2C, Cognito with rotation, Rauthy and Keycloak (after the user
  // authenticated again elsewhere in the SSO session) state another auth_time:
  // the same user, whose rotated tokens must be kept, not thrown away with a logout.
  it('a new auth_time: the rotated tokens are kept, the login time with them', async () => {
    const now = seconds(Date.now())
    const { after: session } = await refreshWith({ ...original, iat: now, auth_time: now })
    expect(session).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2', user: { id: 'user-1' }, sessionId: 'sid-1' })
    // A refresh keeps the login's time (the store tells one login from the next by it).
    expect(session.initiatedAt).toBe(new Date(signedInAt).toISOString())
  })

  it('no ID token in the answer: the sign-in\'s is kept, with what it said of the login', async () => {
    const { before, after } = await refreshWith(null, { ...original, amr: ['pwd', 'otp'], acr: 'urn:mfa' })
    expect(after).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2', idToken: before.idToken, sessionId: before.sessionId, initiatedAt: before.initiatedAt })
    expect(after).toMatchObject({ isMfaVerified: true, authenticationMethod: { name: 'urn:mfa', amr: ['pwd', 'otp'] } })
  })

  it.each([
    ['another user', { sub: 'user-2' }],
    ['a token issued to another party', { azp: 'other-app' }],
  ])('%s is still refused as definitive (id_token_mismatch)', async (_, change) => {
    const signedIn = { ...original, azp: 'app' }
    await expect(refreshWith({ ...signedIn, ...change, iat: seconds(Date.now()) }, signedIn)).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'id_token_mismatch' })
  })
})
