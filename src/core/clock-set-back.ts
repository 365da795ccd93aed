import type { Clock } from './clock'
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
  const lastActivityAt = new Date(Date.parse(record.session.lastActivityAt) - by).toISOString()
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
 * Stores `record` as after a set-back, once for all tabs: only over the record
 * it was seen with, and not if a tab shifted it after `since` (when this tab
 * last looked, on the clock as it is now: the set-back came after that). A tab
 * that noticed it later than another, having adopted the shifted record
 * already, would otherwise shift it twice. Storage failing, this tab keeps
 * the shifted record in memory and offers it again, as with any write.
 */
async function followSetBack(internals: RecordWriter, record: LiveRecord, by: number, since: number, now: number): Promise<void> {
  const unshifted = (current: StoredRecord | null): current is LiveRecord =>
    sameLineage(current, record) && current.clockSkewMs === record.clockSkewMs && current.tokensObtainedAt === record.tokensObtainedAt && !((current.setBackAt ?? -Infinity) >= since)
  const result = await internals.commit((current) => (unshifted(current) ? afterSetBack(current, by, now) : null), 'update')
  if (!result.ok && result.error && unshifted(internals.currentRecord())) {
    const { version: _version, generation: _generation, ...shifted } = afterSetBack(record, by, now)
    internals.holdLocally(shifted)
  }
}

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
      if (by < SET_BACK_MIN_MS) return
      listeners.forEach((listener) => listener(by))
      const record = internals.currentRecord()
      if (live(record)) shifting = followSetBack(internals, record, by, since, now).catch(() => {})
    },
    onSetBack: (listener) => void listeners.push(listener),
    settled: () => shifting,
  }
  follower.check() // the baseline: a set-back is noticed against the clock as the store was made
  return follower
}
