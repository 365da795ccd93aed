import { describe, expect, it } from 'vitest'
import { AuthSessionError, parseSession } from '../../src/index'
import { fromOidcClientUser, mapTokenResponse, type TokenResponseLike } from '../../src/oidc'
import { jwt } from '../support/provider-answers'

const NOW = Date.parse('2026-11-23T12:00:00Z')
const s = (ms: number) => Math.floor(ms / 1000)
const HOUR = 3_600_000

/** What UserManager's User.toStorageString() writes: the ID token from the sign-in (or last refresh) three hours ago. */
function storedUser(overrides: Record<string, unknown> = {}) {
  const signedInAt = NOW - 3 * HOUR
  const idClaims = { iss: 'https://id.example.test', sub: 'user-42', sid: 'sid-abc', iat: s(signedInAt), exp: s(signedInAt + HOUR), auth_time: s(signedInAt), amr: ['pwd'], acr: 'urn:acr:pwd' }
  // oidc-client-ts's profile drops auth_time, acr, amr (its default protocol claims) and adds userinfo's claims.
  const { auth_time: _a, acr: _b, amr: _c, ...profile } = idClaims
  return {
    id_token: jwt(idClaims),
    session_state: null,
    access_token: 'at-secret-1',
    refresh_token: 'rt-secret-1',
    token_type: 'Bearer',
    scope: 'openid profile offline_access',
    profile: { ...profile, preferred_username: 'alice', email: 'alice@example.test' },
    expires_at: s(NOW) + 120,
    ...overrides,
  }
}

const context = { now: NOW, deviceInfo: () => ({ userAgent: 'ua' }) }

describe('fromOidcClientUser', () => {
  it('maps a stored User onto a valid record, its times as the User states them', () => {
    const session = fromOidcClientUser(JSON.stringify(storedUser()), context)!
    expect(() => parseSession(session)).not.toThrow()
    expect(session).toMatchObject({
      user: { id: 'user-42', username: 'alice', email: 'alice@example.test' },
      sessionId: 'sid-abc',
      status: 'active',
      accessToken: 'at-secret-1',
      refreshToken: 'rt-secret-1',
      idToken: storedUser().id_token,
      tokenType: 'Bearer',
      scopes: ['openid', 'profile', 'offline_access'],
      initiatedAt: new Date(NOW - 3 * HOUR).toISOString(), // auth_time, from the ID token
      expiresAt: new Date(NOW + 120_000).toISOString(), // expires_at, not moved by the ID token's age
      lastActivityAt: new Date(NOW).toISOString(),
      deviceInfo: { userAgent: 'ua' },
      authenticationMethod: { acr: 'urn:acr:pwd', amr: ['pwd'] },
      identityProvider: { name: 'https://id.example.test' },
    })
  })

  it('mapTokenResponse alone would read the old ID token as just issued, and move the expiry back by its age', () => {
    // Why the helper exists: the same User through mapTokenResponse.
    const { session, clockSkewMs } = mapTokenResponse(storedUser() as TokenResponseLike, { ...context, providerName: 'x' })
    expect(clockSkewMs).toBe(-3 * HOUR)
    expect(session.expiresAt).toBe(new Date(NOW + 120_000 - 3 * HOUR).toISOString())
  })

  it('takes a User object as UserManager.getUser() answers it, and providerName', () => {
    const session = fromOidcClientUser({ ...storedUser(), state: { returnTo: '/x' }, url_state: 'u' }, { ...context, providerName: 'Corp IdP' })!
    expect(session.identityProvider?.name).toBe('Corp IdP')
    expect(JSON.stringify(session)).not.toContain('returnTo')
  })

  it('an expired access token with a refresh token is migrated (the store refreshes it at once)', () => {
    const session = fromOidcClientUser(storedUser({ expires_at: s(NOW) - 600 }), context)!
    expect(Date.parse(session.expiresAt)).toBe(NOW - 600_000)
    expect(session.refreshToken).toBe('rt-secret-1')
  })

  it('an expired access token without a refresh token holds nothing to sign in with: null', () => {
    expect(fromOidcClientUser(storedUser({ expires_at: s(NOW) - 1, refresh_token: undefined }), context)).toBeNull()
    expect(fromOidcClientUser(storedUser({ expires_at: s(NOW) + 60, refresh_token: undefined }), context)).not.toBeNull()
  })

  it.each([
    ['malformed JSON', '{"access_token":"at-secret-1","refresh_token":"rt-secret-1",'],
    ['JSON that is not an object', '"at-secret-1"'],
    ['no access token', JSON.stringify(storedUser({ access_token: '' }))],
    ['an access token that is not a string', { ...storedUser(), access_token: 42 }],
    ['a profile that is not an object', { ...storedUser(), profile: 'at-secret-1' }],
    ['a scope that is not a string', { ...storedUser(), scope: ['openid'] }],
    ['a refresh token that is not a string', { ...storedUser(), refresh_token: 42 }],
    ['an ID token that is not a string', { ...storedUser(), id_token: { sub: 'at-secret-1' } }],
    ['null', null],
    ['a number', 7],
  ])('%s: invalid-argument, quoting no token', (_, value) => {
    let caught: unknown
    try {
      fromOidcClientUser(value, context)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(AuthSessionError)
    expect(caught).toMatchObject({ code: 'invalid-argument' })
    const error = caught as Error
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain('secret')
  })

  it('refuses a context of the wrong type', () => {
    expect(() => fromOidcClientUser(storedUser(), { now: '2026' as never })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})
