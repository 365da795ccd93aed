import type { Session as SdkSession } from '@ory/kratos-client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { parseSession, type AuthenticationSession } from '../../src/index'
import { mapKratosSession, type KratosSession } from '../../src/kratos'

/** A whoami answer as Kratos sends it (RFC 3339 with nanoseconds, the fields of @ory/kratos-client's Session). */
const whoami = {
  id: 'b8a2e8c6-1d1c-4a5e-9a70-3f2a0c7e9d11',
  active: true,
  expires_at: '2030-01-02T10:00:00.123456789Z',
  authenticated_at: '2030-01-01T10:00:05.5Z',
  issued_at: '2030-01-01T10:00:00Z',
  authenticator_assurance_level: 'aal1',
  authentication_methods: [{ method: 'password', aal: 'aal1', completed_at: '2030-01-01T10:00:00Z' }],
  identity: {
    id: '5d8c6f1e-7a3b-4b1e-8f0a-2c9d4e6f8a10',
    schema_id: 'default',
    schema_url: 'http://127.0.0.1:4433/schemas/default',
    state: 'active',
    traits: { email: 'alice@example.com', name: { first: 'Alice', last: 'Liddell' } },
  },
  devices: [{ id: 'd1', ip_address: '203.0.113.45', location: 'Munich, DE', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)' }],
  tokenized: 'eyJhbGciOiJFUzI1NiJ9.secret.sig',
} satisfies SdkSession
const device = () => ({ userAgent: 'the browser' })
const map = (session: unknown, previous?: AuthenticationSession) => mapKratosSession(session as KratosSession, previous, { now: Date.parse('2030-01-01T10:00:06Z'), deviceInfo: device })

describe('mapKratosSession', () => {
  it("accepts @ory/kratos-client's Session (type level), and the whoami answer's each part", () => {
    expectTypeOf<SdkSession>().toMatchTypeOf<KratosSession>()
    expectTypeOf<NonNullable<SdkSession['authentication_methods']>[number]>().toMatchTypeOf<NonNullable<KratosSession['authentication_methods']>[number]>()
    expectTypeOf<NonNullable<SdkSession['identity']>>().toMatchTypeOf<NonNullable<KratosSession['identity']>>()
    const sdk: SdkSession = whoami
    const session = mapKratosSession(sdk, undefined, { deviceInfo: device })
    // The schema's required fields, valid as the store takes them.
    expect(parseSession(session)).toEqual(session)
  })

  it('maps a sign-in onto the record', () => {
    expect(map(whoami)).toEqual({
      user: { '@type': 'User', id: whoami.identity.id, username: 'alice@example.com', email: 'alice@example.com', name: 'Alice Liddell' },
      sessionId: whoami.id,
      status: 'active',
      accessToken: '',
      initiatedAt: whoami.authenticated_at,
      expiresAt: whoami.expires_at,
      lastActivityAt: '2030-01-01T10:00:06.000Z',
      deviceInfo: { userAgent: 'the browser' },
      isMfaVerified: false,
      authenticationMethod: { '@type': 'AuthenticationMethod', name: 'password', methods: ['password'], aal: 'aal1' },
      ipAddress: '203.0.113.45',
      location: { city: 'Munich', country: 'DE' },
      metadata: { protocol: 'kratos', kratos: { aal: 'aal1', issuedAt: whoami.issued_at, identitySchemaId: 'default', identityState: 'active' } },
    })
    // The tokenized session (a bearer JWT) is never copied anywhere.
    expect(JSON.stringify(map(whoami))).not.toContain('secret')
  })

  it('a second factor: isMfaVerified and mfaVerifiedAt from aal2 (the session\'s level, or a method\'s)', () => {
    const methods = [...whoami.authentication_methods, { method: 'totp', aal: 'aal2', completed_at: '2030-01-01T10:00:05.5Z' }]
    expect(map({ ...whoami, authenticator_assurance_level: 'aal2', authentication_methods: methods })).toMatchObject({
      isMfaVerified: true, mfaVerifiedAt: '2030-01-01T10:00:05.5Z', authenticationMethod: { name: 'password+totp', aal: 'aal2' },
    })
    expect(map({ ...whoami, authenticator_assurance_level: 'aal2', authentication_methods: [] })).toMatchObject({ isMfaVerified: true, mfaVerifiedAt: whoami.authenticated_at })
    expect(map({ ...whoami, authentication_methods: undefined }).authenticationMethod).toBeUndefined()
  })

  it('a social or SAML sign-in names its provider', () => {
    expect(map({ ...whoami, authentication_methods: [{ method: 'oidc', aal: 'aal1', provider: 'google' }] }).identityProvider).toEqual({ '@type': 'IdentityProvider', name: 'google', protocol: 'oidc' })
    expect(map({ ...whoami, authentication_methods: [{ method: 'saml', provider: 'corp' }] }).identityProvider).toMatchObject({ protocol: 'saml2' })
  })

  it.each([
    ['a username trait', { username: 'al', email: 'a@x' }, { username: 'al', email: 'a@x' }],
    ['a name string', { email: 'a@x', name: 'Alice' }, { username: 'a@x', name: 'Alice' }],
    ['no traits of ours (phone only)', { phone: '+49' }, { username: whoami.identity.id }],
  ])('user from %s', (_, traits, user) => {
    expect(map({ ...whoami, identity: { ...whoami.identity, traits } }).user).toMatchObject(user)
  })

  it('a refresh keeps the login time, device, activity and metadata of the session it renews', () => {
    const signedIn = { ...map(whoami), metadata: { protocol: 'kratos', theme: 'dark' }, lastActivityAt: '2030-01-01T11:00:00Z' }
    const later = { ...whoami, authenticated_at: '2030-01-01T12:00:00Z', expires_at: '2030-01-02T12:00:00Z', devices: [] }
    expect(map(later, signedIn)).toMatchObject({
      initiatedAt: whoami.authenticated_at, expiresAt: '2030-01-02T12:00:00Z', lastActivityAt: '2030-01-01T11:00:00Z',
      deviceInfo: { userAgent: 'the browser' }, ipAddress: '203.0.113.45', metadata: { theme: 'dark', protocol: 'kratos' },
    })
  })

  it.each([
    ['not an object', null, 'not-an-object', ''],
    ['an array', [], 'not-an-object', ''],
    ['no id', { ...whoami, id: undefined }, 'missing-field', 'id'],
    ['an id of another type', { ...whoami, id: 42 }, 'wrong-type', 'id'],
    ['inactive', { ...whoami, active: false }, 'not-in-union', 'active'],
    ['no active', { ...whoami, active: undefined }, 'missing-field', 'active'],
    ['no identity', { ...whoami, identity: undefined }, 'missing-field', 'identity'],
    ['an identity of another type', { ...whoami, identity: 'alice' }, 'wrong-type', 'identity'],
    ['an identity without id', { ...whoami, identity: { traits: {} } }, 'missing-field', 'identity.id'],
    ['no expires_at', { ...whoami, expires_at: undefined }, 'missing-field', 'expires_at'],
    ['an expires_at that is no datetime', { ...whoami, expires_at: 'tomorrow' }, 'invalid-datetime', 'expires_at'],
    ['neither authenticated_at nor issued_at', { ...whoami, authenticated_at: undefined, issued_at: undefined }, 'missing-field', 'authenticated_at'],
    ['an authenticated_at without offset', { ...whoami, authenticated_at: '2030-01-01T10:00:00' }, 'invalid-datetime', 'authenticated_at'],
  ])('%s: SessionParseError %s at "%s"', (_, input, code, path) => {
    expect(() => map(input)).toThrow(expect.objectContaining({ name: 'SessionParseError', code, path }))
  })

  it('falls back to issued_at for the login time, and ignores malformed optional parts', () => {
    const odd = { ...whoami, authenticated_at: undefined, devices: 'none', authentication_methods: [null, { method: 7 }], identity: { ...whoami.identity, traits: null } }
    expect(map(odd)).toMatchObject({ initiatedAt: whoami.issued_at, user: { id: whoami.identity.id } })
    expect(() => mapKratosSession(whoami, undefined, { now: 'now' as unknown as number })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})
