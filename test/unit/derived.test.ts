import { describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, deriveSessionFields, durationMinutes, idleMinutes, isExpired } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { ManualWake, MINUTE } from '../support/refresh-browser'
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

describe('calculated fields on a device whose clock is wrong', () => {
  it('durationMinutes of a session that lasted 5 minutes is 5, live and after logout, with the device 15 minutes fast', async () => {
    const clock = new FakeClock(undefined, 15 * MINUTE)
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60 * MINUTE })
    const store = createSessionStore({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), wake: new ManualWake(), channel: null, source: server.source() })
    store.start()
    try {
      await store.whenHydrated()
      await store.completeLogin('https://app.example/cb?code=1') // initiatedAt on the server's clock; skew -15 min known
      await clock.advance(2 * MINUTE)
      expect(store.derived()!.durationMinutes).toBeCloseTo(2, 5)
      await clock.advance(3 * MINUTE)
      await store.logout()
      await clock.advance(10 * MINUTE)
      expect(store.getState().status).toBe('unauthenticated')
      // revokedAt is on the server's clock like initiatedAt, and the ended record keeps the skew.
      expect(store.getState().session!.revokedAt).toBe(new Date(clock.serverNow() - 10 * MINUTE).toISOString())
      expect(store.derived()).toMatchObject({ durationMinutes: 5, isExpired: false })
    } finally {
      store.destroy()
    }
  })
})
