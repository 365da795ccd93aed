import { plausibleSkew, type Clock } from './clock'
import { sameLineage } from './refresh-answer'
import type { SessionStoreInternals } from './store-types'
import { live, type LiveRecord, type StoredRecord } from './stored-record'

type RecordWriter = Pick<SessionStoreInternals, 'commit' | 'currentRecord' | 'holdLocally'>

// Less than this is timer granularity or NTP slewing the clock, not a clock set back.
const SET_BACK_MIN_MS = 2000

/**
 * The record once the device's wall clock was set back by `by` ms. The
 * server's clock did not move, so the skew grows by as much; the local times
 * the record holds move back with the clock. Else the next refresh would wait
 * that much longer, and an expired access token would pass for valid; and
 * `lastActivityAt` (the device's clock too) would lie in the future: idle
 * time would read 0, and activity go unrecorded, until the clock caught up.
 * `setBackAt` stamps the shift, on the clock as it is now.
 */
export function afterSetBack(record: LiveRecord, by: number, now: number): LiveRecord {
  const back = (at: number | undefined) => (at === undefined ? undefined : at - by)
  // Never past now: seen from the stored times, `by` can fall short of the set-back (the tokens' times
  // come before the last activity), and a last activity left ahead would hold idle time at 0 until then.
  const lastActivityAt = new Date(Math.min(Date.parse(record.session.lastActivityAt) - by, now)).toISOString()
  return {
    ...record,
    session: { ...record.session, lastActivityAt },
    clockSkewMs: (record.clockSkewMs ?? 0) + by,
    tokensObtainedAt: back(record.tokensObtainedAt),
    refreshedAt: back(record.refreshedAt),
    refreshRetryAt: back(record.refreshRetryAt),
    refreshFailedAt: back(record.refreshFailedAt),
    setBackAt: now,
  }
}

/**
 * Stores `record` shifted by what `shiftOf` finds in the record actually
 * stored (null: nothing to shift, a tab did it already). Storage failing,
 * this tab keeps the shifted record in memory and offers it again, as with
 * any write.
 */
async function storeShift(internals: RecordWriter, record: LiveRecord, shiftOf: (current: StoredRecord | null) => number | null, now: number): Promise<void> {
  const result = await internals.commit((current) => {
    const by = shiftOf(current)
    return by === null ? null : afterSetBack(current as LiveRecord, by, now)
  }, 'update')
  const by = !result.ok && result.error ? shiftOf(internals.currentRecord()) : null
  if (by !== null) {
    const { version: _version, generation: _generation, ...shifted } = afterSetBack(record, by, now)
    internals.holdLocally(shifted)
  }
}

/**
 * A set-back this tab saw happen: shifts the record once for all tabs, only
 * over the record it was seen with, and not if a tab shifted it after `since`
 * (when this tab last looked, on the clock as it is now: the set-back came
 * after that). A tab that noticed it later than another, having adopted the
 * shifted record already, would otherwise shift it twice.
 */
const followSetBack = (internals: RecordWriter, record: LiveRecord, by: number, since: number, now: number) =>
  storeShift(internals, record, (current) =>
    sameLineage(current, record) && current.clockSkewMs === record.clockSkewMs && current.tokensObtainedAt === record.tokensObtainedAt && !((current.setBackAt ?? -Infinity) >= since) ? by : null,
  now)

/**
 * How far the record's own times on the device's clock (tokens obtained, a
 * refresh made or failed, a shift) lie ahead of `now`, if far enough to be a
 * clock set back; centuries ahead is nonsense, not a clock, and left as it is
 * (refresh-policy.ts ignores such times).
 */
function storedAhead(record: StoredRecord | null, now: number): number | null {
  if (!live(record)) return null
  const by = Math.max(record.tokensObtainedAt ?? now, record.refreshedAt ?? now, record.refreshFailedAt ?? now, record.setBackAt ?? now) - now
  if (by >= SET_BACK_MIN_MS && plausibleSkew((record.clockSkewMs ?? 0) + by) !== undefined) return by
  // Set back by less than the tokens are old, only the last activity is left ahead: it alone moves back (to
  // now, see afterSetBack), the skew stays. Else idle time reads 0, and activity is ignored, until then.
  return Date.parse(record.session.lastActivityAt) - now >= SET_BACK_MIN_MS ? 0 : null
}

/**
 * A set-back no tab saw: the clock went back while none ran (the browser
 * closed, an NTP fix at boot). Times the record got from the device's clock
 * then lie ahead of it, by at least as much as it went back (exactly, if no
 * time passed in between): the record is shifted by that much. Never more,
 * so the skew it moves never makes a valid token pass for expired. This
 * tab's own times were taken on the clock as it is, and stay.
 */
const followStoredAhead = (internals: RecordWriter, record: LiveRecord, now: number) =>
  storeShift(internals, record, (current) => {
    const by = storedAhead(current, now)
    return by !== null && sameLineage(current, record) ? by : null
  }, now)

export interface ClockFollower {
  /**
   * Looks at the wall clock against elapsed time (`clock.monotonic`): the
   * difference only drops when the clock is set back (sleep and suspended
   * timers only raise it). After a set-back, everything holding local times
   * moves back with it: the record (stored once for all tabs) and every
   * listener's own times. Allocates nothing when the clock did not move.
   */
  check(): void
  /** Adds a holder of this tab's own local times (shown activity, a refresh backoff). */
  onSetBack(listener: (by: number) => void): void
  /** Settles once the record's shift started by the last set-back is stored (or held in memory). */
  settled(): Promise<void>
}

/**
 * One watch per store, checked by whatever is about to use a local time (the
 * refresh timer, `derived()`, recorded activity), so a store without a source
 * follows a set-back too. Without `clock.monotonic` it never sees one.
 */
export function createClockFollower(clock: Clock, internals: RecordWriter): ClockFollower {
  let ahead: number | undefined // wall clock minus elapsed time, at the last look
  let lookedAt = 0 // elapsed time at the last look
  const listeners: Array<(by: number) => void> = []
  let shifting: Promise<void> = Promise.resolve()
  let shiftPending = false
  const shift = (write: Promise<void>) => {
    shiftPending = true
    shifting = write.catch(() => {}).finally(() => (shiftPending = false))
  }
  const follower: ClockFollower = {
    check() {
      const elapsed = clock.monotonic?.()
      if (elapsed === undefined) return
      const now = clock.now()
      const last = ahead
      const since = lookedAt + now - elapsed // the last look, on the clock as it is now
      ahead = now - elapsed
      lookedAt = elapsed
      const by = last === undefined ? 0 : last - ahead
      const record = internals.currentRecord()
      if (by >= SET_BACK_MIN_MS) {
        listeners.forEach((listener) => listener(by))
        if (live(record)) shift(followSetBack(internals, record, by, since, now))
      } else if (!shiftPending && live(record) && storedAhead(record, now) !== null) {
        shift(followStoredAhead(internals, record, now))
      }
    },
    onSetBack: (listener) => void listeners.push(listener),
    settled: () => shifting,
  }
  follower.check() // the baseline: a set-back is noticed against the clock as the store was made
  return follower
}
