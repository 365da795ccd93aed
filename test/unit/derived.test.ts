import { describe, expect, it } from 'vitest'
import { deriveSessionFields, durationMinutes, idleMinutes, isExpired } from '../../src/index'
import { makeSession } from '../support/sessions'

const at = (iso: string) => Date.parse(iso)

describe('calculated fields', () => {
  const session = makeSession({
    initiatedAt: '2024-11-22T08:00:00Z',
    expiresAt: '2024-11-22T16:00:00Z',
    lastActivityAt: '2024-11-22T14:30:00Z',
  })

  it('isExpired follows expiresAt against the given clock', () => {
    expect(isExpired(session, at('2024-11-22T15:59:59Z'))).toBe(false)
    expect(isExpired(session, at('2024-11-22T16:00:00Z'))).toBe(true)
  })

  it('durationMinutes runs to now, stops at expiry or revocation', () => {
    expect(durationMinutes(session, at('2024-11-22T09:30:00Z'))).toBe(90)
    expect(durationMinutes(session, at('2024-11-23T00:00:00Z'))).toBe(480)
    expect(durationMinutes({ ...session, revokedAt: '2024-11-22T08:45:00Z' }, at('2024-11-22T12:00:00Z'))).toBe(45)
    expect(durationMinutes(session, at('2024-11-22T07:00:00Z'))).toBe(0)
  })

  it('idleMinutes counts from lastActivityAt and is never negative', () => {
    expect(idleMinutes(session, at('2024-11-22T14:45:00Z'))).toBe(15)
    expect(idleMinutes(session, at('2024-11-22T14:00:00Z'))).toBe(0)
  })

  it('derives all three together', () => {
    expect(deriveSessionFields(session, at('2024-11-22T15:00:00Z'))).toEqual({
      isExpired: false,
      durationMinutes: 420,
      idleMinutes: 30,
    })
  })
})
