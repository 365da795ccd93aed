import { sameLineage } from './refresh-answer'
import type { SessionStoreInternals } from './store-types'
import type { LiveRecord } from './stored-record'

/**
 * Timers run on elapsed time: throttling and sleep make them late, never
 * early. A timer that fires early by the wall clock (by more than this, which
 * is granularity or NTP slewing) means the clock was set back: a user fixing
 * it, a time sync after resume.
 */
export const SET_BACK_MIN_MS = 2000

/**
 * The record once the device's wall clock was set back by `by` ms. The
 * server's clock did not move, so the skew grows by as much; the local times
 * the record holds move back with the clock. Else the next refresh would wait
 * that much longer, and an expired access token would pass for valid.
 */
export function afterSetBack(record: LiveRecord, by: number): LiveRecord {
  const back = (at: number | undefined) => (at === undefined ? undefined : at - by)
  return {
    ...record,
    clockSkewMs: (record.clockSkewMs ?? 0) + by,
    tokensObtainedAt: back(record.tokensObtainedAt),
    refreshedAt: back(record.refreshedAt),
    refreshRetryAt: back(record.refreshRetryAt),
    refreshFailedAt: back(record.refreshFailedAt),
  }
}

/** Stores `record` as after a set-back, once for all tabs: only over the record (and skew) it was seen with. */
export async function followSetBack(internals: SessionStoreInternals, record: LiveRecord, by: number): Promise<void> {
  const unchanged = (current: Parameters<typeof sameLineage>[0]): current is LiveRecord =>
    sameLineage(current, record) && current.clockSkewMs === record.clockSkewMs && current.tokensObtainedAt === record.tokensObtainedAt
  await internals.commit((current) => (unchanged(current) ? afterSetBack(current, by) : null), 'update').catch(() => {})
}
