import { AuthSessionError } from './errors'
import { describe } from './json-data'
import type { AuthenticationSession, DerivedSessionFields } from './session'

const MINUTE = 60_000

const invalid = (detail: string) => new AuthSessionError('invalid-argument', detail)

/**
 * A time of the session, in ms. From JavaScript, a missing session threw a
 * bare TypeError, and a field that is not a datetime compared as NaN: never
 * expired, never idle.
 */
function timeOf(session: unknown, field: 'expiresAt' | 'initiatedAt' | 'lastActivityAt' | 'revokedAt'): number {
  if (typeof session !== 'object' || session === null) throw invalid(`session: expected a session, got ${describe(session)}`)
  const value = (session as Record<string, unknown>)[field]
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN
  if (Number.isNaN(at)) throw invalid(`session.${field}: expected a datetime, got ${describe(value)}`)
  return at
}

/** A Date (`now + clockSkewMs` joins strings) or a string answered isExpired: false for any session. */
function checkMs(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${name}: expected ${name === 'now' ? 'a time in ms since 1970' : 'a number of ms'}, got ${typeof value === 'number' ? value : describe(value)}`)
  }
}

/**
 * Whether the session's `expiresAt` has passed at `now` (ms since 1970).
 * `expiresAt` is on the server's clock and no skew is applied: pass
 * `Date.now() + clockSkewMs`, or use `store.derived()`.
 */
export function isExpired(session: Pick<AuthenticationSession, 'expiresAt'>, now: number): boolean {
  checkMs('now', now)
  return timeOf(session, 'expiresAt') <= now
}

/**
 * Minutes from `initiatedAt` to `now` (ms since 1970), or to the end of the
 * session when it has ended (revoked) or expired before now. Never negative.
 * Its times are on the server's clock and no skew is applied: pass
 * `Date.now() + clockSkewMs`, or use `store.derived()`.
 */
export function durationMinutes(
  session: Pick<AuthenticationSession, 'initiatedAt' | 'expiresAt' | 'revokedAt'>,
  now: number,
): number {
  checkMs('now', now)
  const start = timeOf(session, 'initiatedAt')
  const ends = [now, timeOf(session, 'expiresAt')]
  if (session.revokedAt) ends.push(timeOf(session, 'revokedAt'))
  return Math.max(0, (Math.min(...ends) - start) / MINUTE)
}

/** Minutes since `lastActivityAt` at `now` (ms since 1970, the device's clock). Never negative (a clock behind the server's would say so). */
export function idleMinutes(session: Pick<AuthenticationSession, 'lastActivityAt'>, now: number): number {
  checkMs('now', now)
  return Math.max(0, (now - timeOf(session, 'lastActivityAt')) / MINUTE)
}

/**
 * The schema's calculated fields at local time `now` (ms since 1970).
 * `clockSkewMs` is the server's clock minus the device's (default 0). `expiresAt`,
 * `initiatedAt` and `revokedAt` are on the server's clock, so they are
 * compared with `now + clockSkewMs`; `lastActivityAt` is written from this
 * device's clock.
 */
export function deriveSessionFields(session: AuthenticationSession, now: number, clockSkewMs = 0): DerivedSessionFields {
  checkMs('now', now)
  checkMs('clockSkewMs', clockSkewMs)
  const serverNow = now + clockSkewMs
  return {
    isExpired: isExpired(session, serverNow),
    durationMinutes: durationMinutes(session, serverNow),
    idleMinutes: idleMinutes(session, now),
  }
}
