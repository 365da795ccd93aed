import type { StoreApi } from 'zustand/vanilla'
import { serverNow, type Clock } from './clock'
import type { AuthenticationSession } from './session'
import type { SessionState } from './store-types'
import { live, tombstoneOf, type StoredRecord } from './stored-record'

/**
 * An idle timeout, shown as decided the moment an idle tracker makes it,
 * before its action (end, logout, the app's own) has stored anything. A page
 * opened after the timeout (every tab closed meanwhile) reads a live record:
 * without this, a guard's protected page, a header's user name and
 * getAccessToken() would serve the idle session until the end lands.
 *
 * Storage stays the truth. Shown ended, the record is still held live, so no
 * write of this tab may keep the session meanwhile (logoutPending in
 * held-record.ts). A record of the session with later activity (another
 * tab's, which the end is refused on) is shown as it is, and so is the held
 * record once the action settles without ending it (an app's own action
 * that keeps the session).
 */
export function createIdleEnd(deps: {
  state: StoreApi<SessionState>
  clock: Clock
  held(): StoredRecord | null
  /** Shows what the tab holds again (held-record.ts). */
  showHeld(): void
}) {
  /**
   * The session and activity last decided on. One decision per store, however
   * many trackers time out on it (two prompts, a prompt remounted by the guard
   * that hid it): its action runs once, and a session the action kept is not
   * ended again until there is newer activity.
   */
  let decided = ''
  /** While the action runs: the session shown ended, the activity it was decided on, and the end's time. */
  let pending: { sessionId: string; lastActivityAt: number; revokedAt: string } | null = null
  /** Trackers to tell when the action settles: an end stored (or kept) changes nothing they listen to in the state. */
  const settledListeners = new Set<() => void>()

  return {
    /**
     * Shows `session` ended by the idle timeout, once per session and
     * activity; returns the release (call it when the action has settled), or
     * null when this was decided already or the tab no longer shows it.
     */
    decide(session: AuthenticationSession): (() => void) | null {
      const { status, session: shown } = deps.state.getState()
      const key = `${session.sessionId}\n${session.lastActivityAt}`
      if (key === decided || status !== 'authenticated' || shown.sessionId !== session.sessionId) return null
      decided = key
      const ending = { sessionId: session.sessionId, lastActivityAt: Date.parse(session.lastActivityAt), revokedAt: serverNow(deps.clock, deps.held()?.clockSkewMs) }
      pending = ending
      deps.state.setState({ status: 'unauthenticated', session: tombstoneOf(shown, 'idle-timeout', ending.revokedAt) })
      return () => {
        if (pending !== ending) return
        pending = null
        deps.showHeld()
        for (const listener of [...settledListeners]) listener()
      }
    },
    /** While its action runs (null otherwise): the session shown ended and the activity it was decided on (what that action's end may end). */
    decision: (): { sessionId: string; lastActivityAt: number } | null => pending,
    /** Calls `listener` each time an idle end's action settles (every tracker of the store leaves 'timed-out'); returns the unsubscribe. */
    onSettled(listener: () => void): () => void {
      settledListeners.add(listener)
      return () => void settledListeners.delete(listener)
    },
    /** A record read or written meanwhile: shown ended too, unless it is another session or has later activity. */
    endedView(record: StoredRecord): AuthenticationSession | null {
      if (!pending || !live(record) || record.session.sessionId !== pending.sessionId) return null
      return Date.parse(record.session.lastActivityAt) > pending.lastActivityAt ? null : tombstoneOf(record.session, 'idle-timeout', pending.revokedAt)
    },
  }
}
