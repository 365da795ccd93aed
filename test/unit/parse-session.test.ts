import { describe, expect, it } from 'vitest'
import { parseSession, SessionParseError } from '../../src/index'
import { makeSession, schemaExamples } from '../support/sessions'

describe('parseSession', () => {
  it.each(schemaExamples.map((example, index) => [index + 1, example] as const))('parses schema example %i', (_, example) => {
    const session = parseSession(example)
    expect(session).toEqual(example)
    expect(session).not.toBe(example)
  })

  it('keeps unknown keys in open objects and at the top level', () => {
    const session = parseSession({
      ...makeSession(),
      deviceInfo: { userAgent: 'x', appName: 'MyApp', runtime: 'Node.js' },
      user: { '@type': 'User', username: 'bob', department: 'ops' },
      extra: 1,
    })
    expect(session.deviceInfo.appName).toBe('MyApp')
    expect(session.user.department).toBe('ops')
    expect((session as unknown as Record<string, unknown>).extra).toBe(1)
  })

  it('returns a copy the caller cannot mutate through', () => {
    const input = makeSession()
    const session = parseSession(input)
    input.deviceInfo.userAgent = 'changed'
    expect(session.deviceInfo.userAgent).toBe('test-agent')
  })

  const valid = makeSession()
  const without = (key: keyof typeof valid) => {
    const copy: Record<string, unknown> = { ...valid }
    delete copy[key]
    return copy
  }
  const bad: Array<[string, unknown, string, string]> = [
    ['null', null, 'not-an-object', ''],
    ['an array', [valid], 'not-an-object', ''],
    ['a string', 'session', 'not-an-object', ''],
    ['missing user', without('user'), 'missing-field', 'user'],
    ['missing sessionId', without('sessionId'), 'missing-field', 'sessionId'],
    ['missing accessToken', without('accessToken'), 'missing-field', 'accessToken'],
    ['missing deviceInfo', without('deviceInfo'), 'missing-field', 'deviceInfo'],
    ['missing isMfaVerified', without('isMfaVerified'), 'missing-field', 'isMfaVerified'],
    ['missing lastActivityAt', without('lastActivityAt'), 'missing-field', 'lastActivityAt'],
    ['missing status', without('status'), 'missing-field', 'status'],
    ['missing initiatedAt', without('initiatedAt'), 'missing-field', 'initiatedAt'],
    ['missing expiresAt', without('expiresAt'), 'missing-field', 'expiresAt'],
    ['numeric sessionId', { ...valid, sessionId: 42 }, 'wrong-type', 'sessionId'],
    ['string isMfaVerified', { ...valid, isMfaVerified: 'true' }, 'wrong-type', 'isMfaVerified'],
    ['scopes not an array', { ...valid, scopes: 'openid profile' }, 'wrong-type', 'scopes'],
    ['a non-string scope', { ...valid, scopes: ['openid', 7] }, 'wrong-type', 'scopes[1]'],
    ['user as a string', { ...valid, user: 'alice' }, 'wrong-type', 'user'],
    ['numeric username', { ...valid, user: { username: 5 } }, 'wrong-type', 'user.username'],
    ['numeric userAgent', { ...valid, deviceInfo: { userAgent: 1 } }, 'wrong-type', 'deviceInfo.userAgent'],
    ['location as array', { ...valid, location: [] }, 'wrong-type', 'location'],
    ['unknown status', { ...valid, status: 'paused' }, 'not-in-union', 'status'],
    ['unknown revokeReason', { ...valid, revokeReason: 'bored' }, 'not-in-union', 'revokeReason'],
    ['unknown trust level', { ...valid, deviceTrustLevel: 'maybe' }, 'not-in-union', 'deviceTrustLevel'],
    ['numeric status', { ...valid, status: 1 }, 'wrong-type', 'status'],
    ['unparsable expiresAt', { ...valid, expiresAt: 'tomorrow' }, 'invalid-datetime', 'expiresAt'],
    ['date without time', { ...valid, initiatedAt: '2024-11-22' }, 'invalid-datetime', 'initiatedAt'],
    ['time without offset', { ...valid, initiatedAt: '2024-11-22T08:15:00' }, 'invalid-datetime', 'initiatedAt'],
    ['impossible month', { ...valid, mfaVerifiedAt: '2024-13-22T08:15:00Z' }, 'invalid-datetime', 'mfaVerifiedAt'],
    // Date.parse would roll these over to a real date instead of refusing them.
    ['February 30', { ...valid, expiresAt: '2024-02-30T00:00:00Z' }, 'invalid-datetime', 'expiresAt'],
    ['February 29 of a common year', { ...valid, expiresAt: '2023-02-29T00:00:00Z' }, 'invalid-datetime', 'expiresAt'],
    ['April 31', { ...valid, initiatedAt: '2024-04-31T10:00:00+02:00' }, 'invalid-datetime', 'initiatedAt'],
    ['24:30', { ...valid, initiatedAt: '2024-04-30T24:30:00Z' }, 'invalid-datetime', 'initiatedAt'],
    ['minute 60', { ...valid, initiatedAt: '2024-04-30T10:60:00Z' }, 'invalid-datetime', 'initiatedAt'],
    ['epoch number as datetime', { ...valid, revokedAt: 1732263300000 }, 'wrong-type', 'revokedAt'],
  ]

  it.each(bad)('rejects %s', (_, input, code, path) => {
    let error: unknown
    try {
      parseSession(input)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(SessionParseError)
    expect(error).toMatchObject({ code, path })
    expect((error as Error).message).toContain(path || '(root)')
  })

  // Each of these may already be stored: refusing one would quarantine the record and sign the user out.
  it.each([
    ['offset and fractional seconds', '2024-11-22T16:15:00.123+02:00'],
    ['nanoseconds, lowercase z', '2024-11-22T16:15:00.123456789z'],
    ['offset without colon', '2024-11-22T16:15:00+0530'],
    ['February 29 of a leap year', '2024-02-29T23:59:59Z'],
    ['February 29 of year 2000', '2000-02-29T00:00:00Z'],
    ['February 29 of year 0000', '0000-02-29T00:00:00Z'],
    ['24:00, the end of a day', '2026-11-23T24:00:00Z'],
  ])('accepts %s', (_, value) => {
    expect(() => parseSession({ ...valid, expiresAt: value })).not.toThrow()
  })

  it('drops the calculated fields: they are derived from a clock when read, never stored', () => {
    const session = parseSession({ ...valid, isExpired: false, durationMinutes: 12, idleMinutes: 3 })
    expect(session).not.toHaveProperty('isExpired')
    expect(session).not.toHaveProperty('durationMinutes')
    expect(session).not.toHaveProperty('idleMinutes')
    expect(session).toEqual(valid)
  })
})
