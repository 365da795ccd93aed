import { afterEach, describe, expect, it, vi } from 'vitest'
import { createOidcSource, mapTokenResponse, type TokenResponseLike } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json } from '../support/provider-answers'

// The README: "Null, like undefined, takes an option's default" for createOidcSource's options and
// mapTokenResponse's context too. Config read from JSON has null, never undefined, for "not set"; before the
// argument checks these took their defaults (`??`), and the checks must not refuse them now. A null
// defaultLifetimeSeconds must not be read as 0 either (every opaque token expired on arrival).

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const NOW = Date.parse('2026-11-23T12:00:00Z')
const settings = {
  authority: 'https://idp.example',
  client_id: 'app',
  redirect_uri: 'https://app.example/cb',
  metadata: { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token' },
}

describe('createOidcSource with options given as null', () => {
  it('takes every default: the source refreshes, an opaque token without expires_in lives the default 300 s', async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => NOW)
    vi.stubGlobal('fetch', async () => json(200, { access_token: 'opaque-2', refresh_token: 'rt-2', token_type: 'Bearer' }))
    const nulls = { providerName: null, deviceInfo: null, navigate: null, defaultLifetimeSeconds: null, now: null, requestTimeoutSeconds: null }
    const source = createOidcSource(settings, nulls as never)
    const session = makeSession({ refreshToken: 'rt-1', user: { id: 'user-1', username: 'u' } }, NOW)
    const { session: refreshed } = await source.refresh(session, { signal: new AbortController().signal, timeoutMs: 15_000 })
    expect(refreshed.accessToken).toBe('opaque-2')
    expect(Date.parse(refreshed.expiresAt)).toBe(NOW + 300_000)
  })
})

describe('mapTokenResponse with a context whose optional fields are null', () => {
  const response: TokenResponseLike = { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', profile: { sub: 'user-1' } }
  const context = { now: NOW, deviceInfo: () => ({ userAgent: 'ua' }), providerName: 'idp' }

  it('maps as with them left out', () => {
    const given = { ...context, sentAt: null, previous: null, knownSkewMs: null, defaultLifetimeMs: null }
    expect(mapTokenResponse(response, given as never)).toEqual(mapTokenResponse(response, context))
  })

  it('still refuses a null now, and a sign-in without deviceInfo', () => {
    expect(() => mapTokenResponse(response, { ...context, now: null } as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    expect(() => mapTokenResponse(response, { ...context, deviceInfo: null } as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})
