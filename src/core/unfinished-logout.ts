import type { StoreApi } from 'zustand/vanilla'
import type { JournaledLogout, LogoutJournal } from './logout-journal'
import { liveSession } from './record-actions'
import { recordStatusFor, type AuthenticationSession } from './session'
import type { SessionState } from './store-types'
import { tombstoneOf, type StoredRecord } from './stored-record'

/**
 * Finishes a logout this tab's previous page announced but may not have
 * stored (it reloaded or navigated away mid-write; see logout-journal.ts).
 * The note is checked once a stored record has been read: not before (the
 * database slow to open, a failed read), or the note would be used up
 * against nothing and the logout lost. If storage holds exactly the record it
 * names, the tab shows it ended at once and ends it, as `end()` would.
 */
export function createUnfinishedLogout(deps: {
  journal: LogoutJournal
  held(): StoredRecord | null
  state: StoreApi<SessionState>
  /** Ends the noted session (no grace: nothing waits to draw first, and the record must not move on meanwhile). */
  end(entry: JournaledLogout): Promise<AuthenticationSession | null>
}): { check(): void; claim(): Promise<AuthenticationSession | null> | null } {
  let done = false
  let finishing: Promise<AuthenticationSession | null> | null = null
  return {
    /** Call after the held record changed (hydration, a re-read, storage coming back). */
    check() {
      if (done) return
      const current = deps.held()
      if (!current) return
      done = true
      const entry = deps.journal.take()
      const live = liveSession(current)
      if (!entry || !live || live.sessionId !== entry.sessionId || current.generation !== entry.generation) return
      if (entry.epoch !== undefined && current.epoch !== entry.epoch) return
      const status = recordStatusFor(entry.revokeReason)
      deps.state.setState({ status: 'unauthenticated', session: tombstoneOf(live, entry.revokeReason, entry.revokedAt, status) })
      finishing = deps.end(entry).catch(() => null)
    },
    /**
     * Once: the session the noted logout ended (or is ending). The previous
     * page may have been a logout() that never told the provider, so the
     * next logout() (a /logout route mounting again) tells it with this one.
     */
    claim() {
      const claimed = finishing
      finishing = null
      return claimed
    },
  }
}
