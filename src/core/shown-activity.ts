import type { AuthenticationSession } from './session'
import type { SessionStatus } from './session-events'

/**
 * Activity a tab has shown but not written yet (activity writes are
 * throttled) stays shown over a record of the same session with an earlier
 * `lastActivityAt`: idle time must not jump because something else changed.
 * Only activity this tab recorded counts, so a patch that sets an earlier
 * time on purpose is shown as stored.
 */
export type ShownActivity = ReturnType<typeof createShownActivity>

export function createShownActivity() {
  // Two plain values, not an object: note() runs on user activity (at most once a second).
  let sessionId: string | null = null
  let at = ''
  return {
    /** recordActivity showed `shownAt` for `id`; it may not be written yet. */
    note(id: string, shownAt: string) {
      sessionId = id
      at = shownAt
    },
    /** The session to show for a record being adopted. */
    apply(session: AuthenticationSession | null, status: SessionStatus): AuthenticationSession | null {
      if (status !== 'authenticated' || !session || sessionId !== session.sessionId) return session
      if (Date.parse(at) > Date.parse(session.lastActivityAt)) return { ...session, lastActivityAt: at }
      sessionId = null // storage has caught up
      return session
    },
    /** The device's clock was set back by `by` ms: the time noted moves back with it, as the record's does (clock-set-back.ts). */
    setBack(by: number) {
      if (sessionId !== null) at = new Date(Date.parse(at) - by).toISOString()
    },
  }
}
