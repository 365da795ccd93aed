import type { AuthenticationSession } from './session'
import type { StoredRecord } from './stored-record'

/** What a logout names: the record a tab held when it decided, and for an unconditional logout its login. */
export interface EndedAt {
  generation: number
  epoch?: string
  /** The session ended, where the logout names it (a journal note; a tab message does not). */
  sessionId?: string
  /** The login generation of the record ended; only an unconditional logout names it. */
  loginGeneration?: number
}

/**
 * Whether a logout decided at `at` applies to `record`: the same record, or,
 * for an unconditional logout, a later record of the same epoch holding the
 * same login (only refreshes, updates, activity since). Why: the tab that
 * logs out may hold a generation another tab has just moved past; a logout
 * that only matched its exact generation was then lost whenever that tab
 * went away before its own write. A new login (even into the same IdP
 * session) has another login generation, so it never matches; nor does a
 * later record for a conditional end (onlyIf, expectedGeneration), whose
 * condition was only checked against the record it was decided on.
 */
export function continuesLogin(record: StoredRecord | null, at: EndedAt): boolean {
  if (!record?.session || record.ended) return false
  if (at.sessionId !== undefined && record.session.sessionId !== at.sessionId) return false
  if (at.epoch !== undefined && record.epoch !== at.epoch) return false
  if (record.generation === at.generation) return true
  // Without an epoch (a record or tab from before epochs) generations from before a wipe could match: exact only.
  return at.epoch !== undefined && at.loginGeneration !== undefined && record.generation > at.generation && record.loginGeneration === at.loginGeneration
}

/**
 * The login generation a write stores. A sign-in (the write's own, or an
 * unsaved one folded into it), or a session other than the stored live one,
 * starts a login at this write; any other write continues the stored one.
 * Judged on what storage holds: a folded change may carry a number from
 * another store (the memory fallback).
 */
export function loginGenerationOf(startsLogin: boolean, session: AuthenticationSession | null, stored: StoredRecord | null, generation: number): number {
  const continued = !startsLogin && !!stored && !stored.ended && stored.session?.sessionId === session?.sessionId
  return (continued && stored.loginGeneration) || generation
}

/**
 * The generation a write after `last` stores: the next one, or 1 past the last
 * one a number can tell apart (never reached by counting; a tampered record may
 * claim it). The write then starts a new epoch, which every tab follows.
 */
export const nextGeneration = (last: number): number => (last < Number.MAX_SAFE_INTEGER ? last + 1 : 1)
