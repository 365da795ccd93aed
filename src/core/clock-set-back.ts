import type { Clock } from './clock'
import { sameLineage } from './refresh-answer'
import type { SessionStoreInternals } from './store-types'
import type { LiveRecord, StoredRecord } from './stored-record'

// Less than this is timer granularity or NTP slewing the clock, not a clock set back.
const SET_BACK_MIN_MS = 2000

/**
 * Notices the wall clock set back (a user fixing it, a time sync after
 * resume), by how much wall-clock time runs ahead of elapsed time. That only
 * drops when the clock is set back: sleep and suspended timers only raise it.
 * Returns a function that answers the ms the clock went back since it last
 * looked (0 if not, and always 0 without `clock.monotonic`).
 */
export function setBackWatch(clock: Clock): () => number {
  let ahead: number | undefined
  return () => {
    const elapsed = clock.monotonic?.()
    if (elapsed === undefined) return 0
    const last = ahead
    ahead = clock.now() - elapsed
    return last !== undefined && last - ahead >= SET_BACK_MIN_MS ? last - ahead : 0
  }
}

/**
 * The record once the device's wall clock was set back by `by` ms. The
 * server's clock did not move, so the skew grows by as much; the local times
 * the record holds move back with the clock. Else the next refresh would wait
 * that much longer, and an expired access token would pass for valid; and
 * `lastActivityAt` (the device's clock too) would lie in the future: idle
 * time would read 0, and activity go unrecorded, until the clock caught up.
 */
export function afterSetBack(record: LiveRecord, by: number): LiveRecord {
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
  }
}

/**
 * Stores `record` as after a set-back, once for all tabs: only over the record
 * (and skew) it was seen with; another tab that saw the same set-back, or a
 * refresh meanwhile, has moved it on. Storage failing, this tab keeps the
 * shifted record in memory and offers it again, as with any write.
 */
export async function followSetBack(internals: SessionStoreInternals, record: LiveRecord, by: number): Promise<void> {
  const unchanged = (current: StoredRecord | null): current is LiveRecord =>
    sameLineage(current, record) && current.clockSkewMs === record.clockSkewMs && current.tokensObtainedAt === record.tokensObtainedAt
  const result = await internals.commit((current) => (unchanged(current) ? afterSetBack(current, by) : null), 'update')
  if (!result.ok && result.error && unchanged(internals.currentRecord())) {
    const { version: _version, generation: _generation, ...shifted } = afterSetBack(record, by)
    internals.holdLocally(shifted)
  }
}
