import { plausibleSkew, type Clock } from './clock'
import { mergeSession } from './merge-session'
import type { SessionEvent } from './session-events'
import type { SourceResult } from './source'
import type { CommitResult, SessionStoreInternals } from './store-types'
import { live, type LiveRecord, type StoredRecord } from './stored-record'

/**
 * Whether `current` still holds the credentials `base` was refreshed with.
 * Other writes (activity, app patches) may have landed meanwhile and must not
 * make a refresh's rotated tokens be thrown away; a newer sign-in, a logout or
 * another tab's refresh must.
 */
export const sameLineage = (current: StoredRecord | null, base: StoredRecord): current is LiveRecord =>
  live(current) && current.session.sessionId === base.session!.sessionId && current.session.refreshToken === base.session!.refreshToken

// A refresh answer that could not be stored is written again before the lock
// is let go: the next tab to take it reads the refresh token from storage, and
// the stored one may already be spent.
const STORE_RETRY_MS = [100, 500, 2000]

type Backoff = Pick<StoredRecord, 'refreshRetryAt' | 'refreshFailedAt' | 'refreshFailures'>

/**
 * Writes refresh answers: on top of the credentials they were asked with,
 * never after a logout, a new sign-in or another tab's refresh, and never
 * while another tab's announced logout waits for its tombstone.
 */
export function createAnswerWriter(deps: { internals: SessionStoreInternals; clock: Clock; emit(event: SessionEvent): void }) {
  const { internals, clock } = deps
  let destroyed = false
  // The wait between writes, cut short by destroy().
  let pauseTimer: unknown = null
  let endPause: (() => void) | null = null
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      endPause = resolve
      pauseTimer = clock.setTimeout(resolve, ms)
    })

  /** `backoff`: stored with the answer when it was only partly usable (no `refreshed` event then). */
  /** Resolves 'unsaved' when the answer waits in this tab's memory (storage failed, or a logout is pending). */
  const write = async (record: LiveRecord, result: SourceResult, obtainedAt: number, backoff?: Backoff): Promise<'stored' | 'unsaved' | 'dropped'> => {
    const reason = backoff ? ('refresh-retry' as const) : ('refresh' as const)
    const compose = (current: StoredRecord | null) => {
      if (!sameLineage(current, record)) return null
      // The same login, whatever session id the answer restates (a rotated sid or server session id): the id
      // is how a logout decided meanwhile finds the record to end, and every tab's activity its session.
      const session = { ...mergeSession(record.session, current.session, result.session), sessionId: current.session.sessionId }
      const { refreshRetryAt: _retry, refreshFailures: _failures, refreshFailedAt: _failed, ...rest } = current
      const clockSkewMs = plausibleSkew(result.clockSkewMs) ?? current.clockSkewMs
      // With a backoff the refresh is still failing: every tab sees it as one (`refresh-retry`), as after a failed call.
      return { ...rest, ...backoff, session, clockSkewMs, tokensObtainedAt: obtainedAt, refreshedAt: obtainedAt, reason }
    }
    // Another tab announced a logout (shown here, its tombstone on the way):
    // a write would move the generation and keep the logout from being
    // confirmed. Checked inside the transaction, where it cannot go stale.
    let heldForLogout = false
    const build = (current: StoredRecord | null) => ((heldForLogout = internals.logoutPending()) ? null : compose(current))
    let written: CommitResult | null = null
    // Written even if this tab stopped or was never started (the next tab to
    // take the lock reads the refresh token from storage, and the stored one
    // may be spent); a failed write is tried again before the lock is let go.
    for (const wait of [0, ...STORE_RETRY_MS]) {
      if (wait > 0) {
        if (destroyed) break
        await pause(wait)
        if (destroyed) break
      }
      written = await internals.commit(build, reason)
      if (written.ok || !written.error) break
    }
    if (written?.ok) {
      if (!backoff) deps.emit({ type: 'refreshed', generation: written.record.generation })
      return 'stored'
    }
    if (written?.error || heldForLogout) {
      // Not stored: the new (possibly rotated) tokens are the only valid ones
      // now, so they wait in memory (not shown while a logout is pending):
      // dropped if the logout lands, written if it does not.
      const next = compose(internals.currentRecord())
      if (next) internals.holdLocally(next, { show: !internals.logoutPending() })
      // Held in memory either way (a failed write, or a logout pending): until it lands or is dropped, no tab may send the spent token.
      if (next && internals.hasUnsavedChange()) return 'unsaved'
    }
    return 'dropped'
  }

  return {
    write,
    /** The store is gone: no more writes after the one under way. */
    destroy() {
      destroyed = true
      clock.clearTimeout(pauseTimer)
      endPause?.()
    },
  }
}
