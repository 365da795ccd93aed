/** Time and timers, injected so tests can drive them and background-tab throttling can be reasoned about. */
export interface Clock {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /**
   * Elapsed ms from any origin, never set back (`performance.now()`). Optional:
   * with it, a store notices the wall clock set back while it runs.
   */
  monotonic?(): number
}

/** Years 0000 to 9999 in ms since 1970: the times an ISO-8601 datetime of the record can hold. */
export const EARLIEST_ISO_MS = -62_167_219_200_000 // 0000-01-01T00:00:00.000Z
export const LATEST_ISO_MS = 253_402_300_799_999 // 9999-12-31T23:59:59.999Z

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days).
export const MAX_TIMER_DELAY = 2 ** 31 - 1

// A server clock this far from ours (about 300 years) is no clock at all: a time
// moved by it may be past Date's range (±8.64e15 ms), and then nothing could be
// timed or ended (an ISO datetime of it throws).
export const MAX_SKEW_MS = 1e13

/** A server clock skew (ms) that can be applied; undefined for anything else. */
export const plausibleSkew = (value: unknown): number | undefined =>
  typeof value === 'number' && Math.abs(value) <= MAX_SKEW_MS ? value : undefined

/** Now on the server's clock (a session's times are), as an ISO datetime: when an end is recorded. */
export const serverNow = (clock: Clock, skewMs: unknown): string => new Date(clock.now() + (plausibleSkew(skewMs) ?? 0)).toISOString()

/**
 * The real clock. Globals are looked up on every call (not captured at import)
 * so fake timers installed after import still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_DELAY)),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  monotonic: () => performance.now(),
}
