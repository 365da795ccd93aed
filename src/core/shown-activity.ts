import type { AuthenticationSession } from './session'
import type { SessionStatus } from './session-events'

/**
 * Activity a tab has shown but not written yet (activity writes are
 * throttled) stays shown over a record of the same session with an earlier
 * `lastActivityAt`: idle time must not jump because something else changed.
 * Only activity this tab recorded counts, so a patch that sets an earlier
 * time on purpose is shown as stored.
 */
export function createShownActivity() {
  let unwritten: { sessionId: string; at: string } | null = null
  return {
    /** recordActivity showed `at` for `sessionId`; it may not be written yet. */
    note(sessionId: string, at: string) {
      unwritten = { sessionId, at }
    },
    /** The session to show for a record being adopted. */
    apply(session: AuthenticationSession | null, status: SessionStatus): AuthenticationSession | null {
      if (status !== 'authenticated' || !session || unwritten?.sessionId !== session.sessionId) return session
      if (Date.parse(unwritten.at) > Date.parse(session.lastActivityAt)) return { ...session, lastActivityAt: unwritten.at }
      unwritten = null // storage has caught up
      return session
    },
  }
}
