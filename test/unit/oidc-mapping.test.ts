import { describe, expect, it } from 'vitest'
import { parseSession, RefreshError } from '../../src/index'
import { classifyOidcError, mapTokenResponse, type TokenResponseLike } from '../../src/oidc'
import { jwt } from '../support/provider-answers'


const NOW = Date.parse('2026-11-23T12:00:00Z')
const s = (ms: number) => Math.floor(ms / 1000)

function response(overrides: Partial<TokenResponseLike> = {}, claims: Record<string, unknown> = {}): TokenResponseLike {
  const idClaims = { sub: 'user-42', sid: 'sid-abc', iat: s(NOW), auth_time: s(NOW) - 60, amr: ['pwd'], acr: 'urn:acr:pwd', ...claims }
  return {
    access_token: 'at-1',
    refresh_token: 'rt-1',
    id_token: jwt(idClaims),
    token_type: 'Bearer',
    scope: 'openid profile offline_access',
    expires_at: s(NOW) + 300,
    profile: { ...idClaims, preferred_username: 'alice', email: 'alice@example.test', name: 'Alice' },
    ...overrides,
  }
}

const context = { now: NOW, deviceInfo: () => ({ userAgent: 'ua' }), providerName: 'Test IdP' }

describe('mapTokenResponse', () => {
  it('maps tokens, claims and times onto a valid record', () => {
    const { session, clockSkewMs } = mapTokenResponse(response(), context)
    expect(() => parseSession(session)).not.toThrow()
    expect(clockSkewMs).toBe(0)
    expect(session).toMatchObject({
      user: { '@type': 'User', id: 'user-42', username: 'alice', email: 'alice@example.test', name: 'Alice' },
      sessionId: 'sid-abc',
      status: 'active',
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      tokenType: 'Bearer',
      scopes: ['openid', 'profile', 'offline_access'],
      initiatedAt: '2026-11-23T11:59:00.000Z',
      expiresAt: '2026-11-23T12:05:00.000Z',
      lastActivityAt: '2026-11-23T12:00:00.000Z',
      deviceInfo: { userAgent: 'ua' },
      isMfaVerified: false,
      authenticationMethod: { name: 'urn:acr:pwd', amr: ['pwd'], acr: 'urn:acr:pwd' },
      identityProvider: { '@type': 'IdentityProvider', name: 'Test IdP', protocol: 'oidc' },
      metadata: { protocol: 'oidc' },
    })
    expect(session).not.toHaveProperty('mfaVerifiedAt')
    expect(session).not.toHaveProperty('refreshTokenExpiresAt')
  })

  it('marks MFA from amr and sets mfaVerifiedAt to the authentication time', () => {
    const { session } = mapTokenResponse(response({}, { amr: ['pwd', 'otp'] }), context)
    expect(session).toMatchObject({ isMfaVerified: true, mfaVerifiedAt: '2026-11-23T11:59:00.000Z' })
  })

  it('takes idp from the ID token and keeps unmapped protocol fields in metadata', () => {
    const { session } = mapTokenResponse(response({ session_state: 'st', not_before_policy: 0 }, { idp: 'google', tenant: 't1' }), context)
    expect(session.identityProvider).toMatchObject({ name: 'google', protocol: 'oidc' })
    expect(session.metadata).toMatchObject({ tokenResponse: { session_state: 'st', not_before_policy: 0 }, claims: { tenant: 't1' } })
    expect(JSON.stringify(session.metadata)).not.toContain('at-1')
  })

  it("metadata.tokenResponse holds the last answer with tokens: a field a refresh no longer sends goes, an answer without an access token leaves it", () => {
    const signedIn = mapTokenResponse(response({ session_state: 'st-1', not_before_policy: 0 }), context).session
    // A gateway's maintenance body answered in place of the provider: nothing of it is kept.
    const unusable = mapTokenResponse({ status: 'maintenance' } as unknown as TokenResponseLike, { ...context, previous: signedIn }).session
    expect(unusable.metadata?.tokenResponse).toEqual({ session_state: 'st-1', not_before_policy: 0 })
    const refreshed = mapTokenResponse(response({ access_token: 'at-2', session_state: 'st-2' }), { ...context, previous: unusable }).session
    expect(refreshed.metadata?.tokenResponse).toEqual({ session_state: 'st-2' })
    const plain = mapTokenResponse(response({ access_token: 'at-3' }), { ...context, previous: { ...refreshed, metadata: { ...refreshed.metadata, appKey: 1 } } }).session
    expect(plain.metadata).not.toHaveProperty('tokenResponse')
    expect(plain.metadata).toMatchObject({ protocol: 'oidc', appKey: 1 })
  })

  it('sets refreshTokenExpiresAt from refresh_expires_in', () => {
    const { session } = mapTokenResponse(response({ refresh_expires_in: 1800 }), context)
    expect(session.refreshTokenExpiresAt).toBe('2026-11-23T12:30:00.000Z')
  })

  it('estimates clock skew from iat and puts server-clock times in the record', () => {
    // The device is 10 minutes fast: iat (server) is 10 minutes behind our now.
    const fast = NOW + 10 * 60_000
    const { session, clockSkewMs } = mapTokenResponse(response({ expires_at: s(fast) + 300 }), { ...context, now: fast })
    expect(clockSkewMs).toBe(-10 * 60_000)
    expect(session.expiresAt).toBe('2026-11-23T12:05:00.000Z')
  })

  it('a refresh keeps what it does not restate, and takes rotated tokens', () => {
    const first = mapTokenResponse(response({}, { amr: ['pwd', 'otp'] }), context).session
    const refreshed = mapTokenResponse(
      { access_token: 'at-2', refresh_token: 'rt-2', token_type: 'Bearer', expires_at: s(NOW) + 600, profile: { sub: 'user-42' } },
      { ...context, previous: { ...first, lastActivityAt: '2026-11-23T11:59:30.000Z', deviceInfo: { userAgent: 'kept' } } },
    ).session
    expect(refreshed).toMatchObject({
      accessToken: 'at-2',
      refreshToken: 'rt-2',
      idToken: first.idToken,
      sessionId: 'sid-abc',
      initiatedAt: first.initiatedAt,
      lastActivityAt: '2026-11-23T11:59:30.000Z',
      deviceInfo: { userAgent: 'kept' },
      isMfaVerified: true,
      scopes: first.scopes,
      expiresAt: '2026-11-23T12:10:00.000Z',
    })
  })

  it('a refresh that hands back the old ID token keeps the known skew instead of reading the login-time iat', () => {
    const first = mapTokenResponse(response(), context).session
    const later = NOW + 3_600_000
    const { session, clockSkewMs } = mapTokenResponse(
      response({ id_token: first.idToken, expires_at: s(later) + 300 }),
      { ...context, now: later, previous: first, knownSkewMs: 0 },
    )
    expect(clockSkewMs).toBe(0)
    expect(session.expiresAt).toBe(new Date(later + 300_000).toISOString())
  })

  it('refresh errors keep no request body (it holds the refresh token)', () => {
    const error = classifyOidcError({ name: 'ErrorResponse', error: 'invalid_grant', message: 'invalid_grant', form: new URLSearchParams({ refresh_token: 'rt-secret' }) })
    expect(JSON.stringify(error.cause)).not.toContain('rt-secret')
    expect((error.cause as { form?: unknown }).form).toBeUndefined()
    expect(error.providerError).toBe('invalid_grant')
  })

  it('an iat millennia away says nothing of the clock: the known skew stays, and every datetime is a valid one', () => {
    const { session, clockSkewMs } = mapTokenResponse(response({}, { iat: 8e12 }), { ...context, knownSkewMs: 5000 })
    expect(clockSkewMs).toBe(5000)
    expect(session.expiresAt).toBe(new Date(NOW + 5000 + 300_000).toISOString())
    expect(() => parseSession(session)).not.toThrow()
  })

  it('an expiry stated past year 9999 is capped there, still a datetime the record accepts', () => {
    const { session } = mapTokenResponse(response({ expires_at: 8e12 }), context)
    expect(session.expiresAt).toBe('9999-12-31T23:59:59.999Z')
    expect(() => parseSession(session)).not.toThrow()
  })

  it('an answer 10.5 s on its way: lifetime and skew count from the request, so the expiry is the provider\'s, not 10.5 s later', () => {
    const sentAt = NOW - 10_500
    // The provider issued at the send (iat), for 10 s; oidc-client-ts counted expires_at from the arrival.
    const { session, clockSkewMs } = mapTokenResponse(response({ expires_at: s(NOW) + 10 }, { iat: s(sentAt) }), { ...context, sentAt })
    expect(clockSkewMs).toBe(0) // before: -10.5 s of "skew", which also kept isExpired false
    expect(Date.parse(session.expiresAt)).toBe(s(NOW) * 1000 + 10_000 - 10_500)
    expect(Date.parse(session.expiresAt)).toBeLessThan(NOW)
  })

  it('survives a malformed ID token without throwing', () => {
    const { session } = mapTokenResponse(response({ id_token: 'not.a-jwt!.x' }), context)
    expect(session.user.id).toBe('user-42') // from the profile
  })
})

describe('classifyOidcError', () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ['invalid_grant', { name: 'ErrorResponse', error: 'invalid_grant' }, 'refresh-rejected', true],
    ['login_required', { name: 'ErrorResponse', error: 'login_required' }, 'refresh-rejected', true],
    ['temporarily_unavailable', { name: 'ErrorResponse', error: 'temporarily_unavailable' }, 'refresh-server', false],
    ['a timeout', { name: 'ErrorTimeout', message: 'Network timed out' }, 'refresh-timeout', false],
    ['a network failure', new TypeError('Failed to fetch'), 'refresh-network', false],
    ['a 503 page', new Error('Invalid response Content-Type: text/html'), 'refresh-server', false],
  ]
  it.each(cases)('%s', (_, cause, code, definitive) => {
    const error = classifyOidcError(cause)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error).toMatchObject({ code, definitive })
  })
})
