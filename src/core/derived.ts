import { AuthSessionError } from './errors'
import { describe } from './json-data'
import type { AuthenticationSession, DerivedSessionFields } from './session'

const MINUTE = 60_000

/** Whether the session's `expiresAt` has passed at `now` (ms since epoch). */
export function isExpired(session: Pick<AuthenticationSession, 'expiresAt'>, now: number): boolean {
  return Date.parse(session.expiresAt) <= now
}

/**
 * Minutes from `initiatedAt` to now, or to the end of the session when it has
 * ended (revoked) or expired before now. Never negative.
 */
export function durationMinutes(
  session: Pick<AuthenticationSession, 'initiatedAt' | 'expiresAt' | 'revokedAt'>,
  now: number,
): number {
  const start = Date.parse(session.initiatedAt)
  const ends = [now, Date.parse(session.expiresAt)]
  if (session.revokedAt) ends.push(Date.parse(session.revokedAt))
  return Math.max(0, (Math.min(...ends) - start) / MINUTE)
}

/** Minutes since `lastActivityAt`. Never negative (a clock behind the server's would say so). */
export function idleMinutes(session: Pick<AuthenticationSession, 'lastActivityAt'>, now: number): number {
  return Math.max(0, (now - Date.parse(session.lastActivityAt)) / MINUTE)
}

/**
 * The schema's calculated fields at local time `now`. `expiresAt`,
 * `initiatedAt` and `revokedAt` are on the server's clock, so they are
 * compared with `now + clockSkewMs`; `lastActivityAt` is written from this
 * device's clock.
 */
export function deriveSessionFields(session: AuthenticationSession, now: number, clockSkewMs = 0): DerivedSessionFields {
  // From JavaScript, a Date (`now + clockSkewMs` joins strings) or a string answered isExpired: false for any session.
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new AuthSessionError('invalid-argument', `now: expected a time in ms since 1970, got ${typeof now === 'number' ? now : describe(now)}`)
  }
  const serverNow = now + clockSkewMs
  return {
    isExpired: isExpired(session, serverNow),
    durationMinutes: durationMinutes(session, serverNow),
    idleMinutes: idleMinutes(session, now),
  }
}
