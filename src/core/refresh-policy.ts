import { live, type StoredRecord } from './stored-record'

/** Pure timing rules of the refresh scheduler, testable without timers. */
export interface RefreshTiming {
  /** Refresh this long before expiry at most. Default 60 000 ms. */
  leadMs: number
  /** ...and at most this share of the token's lifetime (short-lived tokens). Default 0.2. */
  leadFraction: number
  /** Never refresh twice within this interval (counted from the last refresh, not a sign-in), whatever the clock says. Default 5000 ms. */
  minIntervalMs: number
  /**
   * Refresh once the server last confirmed the session this long ago (its
   * sign-in or last refresh), however far the expiry: a session the server
   * revoked (Kratos's or a cookie server's, living for days) is found within
   * it, without waiting for an API's 401. Default Infinity: only near expiry.
   */
  revalidateAfterMs: number
}

/** A datetime of the server's clock, moved onto this device's clock. */
export function toLocal(serverIso: string, record: Pick<StoredRecord, 'clockSkewMs'>): number {
  return Date.parse(serverIso) - (record.clockSkewMs ?? 0)
}

/** When the record's tokens should be refreshed, in local ms; null if there is nothing to refresh. */
export function refreshDueAt(record: StoredRecord | null, timing: RefreshTiming, now: number): number | null {
  if (!live(record)) return null
  const expires = toLocal(record.session.expiresAt, record)
  const obtained = record.tokensObtainedAt
  const lifetime = obtained === undefined ? Infinity : Math.max(0, expires - obtained)
  const due = Math.min(expires - Math.min(timing.leadMs, lifetime * timing.leadFraction), (obtained ?? Infinity) + timing.revalidateAfterMs)
  // A token that already looks expired when refreshed (a clock far off, a
  // provider handing out 0-second tokens) must not cause a refresh loop. A
  // sign-in's tokens may be refreshed at once: the loop needs a refresh first.
  // A last refresh in the future was timed by a clock since set back (or is
  // nonsense): counting from it could hold refreshes back for as long.
  const last = record.refreshedAt
  return last === undefined || last > now ? due : Math.max(due, last + timing.minIntervalMs)
}

/** The record's access token if the session is live and the token has not expired at `now` (local ms); else null. */
export function validAccessToken(record: StoredRecord | null, now: number): string | null {
  if (!live(record)) return null
  const { session } = record
  return toLocal(session.expiresAt, record) > now ? session.accessToken : null
}

/** Whether the refresh token itself has expired, so refreshing is pointless. */
export function refreshTokenExpired(record: StoredRecord, now: number): boolean {
  const at = record.session?.refreshTokenExpiresAt
  return at !== undefined && toLocal(at, record) <= now
}

/** Capped exponential backoff with equal jitter: half fixed, half random, so tabs and clients spread out. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return ceiling / 2 + (ceiling / 2) * random()
}
