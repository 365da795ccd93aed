import type { StoredRecord } from './stored-record'

/** What a logout names: the record a tab held when it decided (generation, and epoch where known). */
export interface EndedAt {
  generation: number
  epoch?: string
}

/**
 * Whether `record` still holds the login that was live at `at`: the same
 * record, or a later one of the same epoch with no sign-in since (only
 * refreshes, updates, activity). Why: the tab that logs out may hold a
 * generation another tab has just moved past; a logout that only matched
 * its exact generation was then lost whenever that tab went away before
 * its own write. A new login (even into the same IdP session) began after
 * `at`, so it never matches.
 */
export function continuesLogin(record: StoredRecord | null, at: EndedAt): boolean {
  if (!record?.session || record.ended) return false
  if (at.epoch !== undefined && record.epoch !== at.epoch) return false
  if (record.generation === at.generation) return true
  // Without an epoch (a record or tab from before epochs) generations from before a wipe could match: exact only.
  return at.epoch !== undefined && record.generation > at.generation && (record.loginGeneration ?? Infinity) <= at.generation
}
