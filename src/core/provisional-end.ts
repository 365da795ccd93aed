import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { continuesLogin } from './login-lineage'
import { liveSession } from './record-actions'
import type { AuthenticationSession, RevokeReason } from './session'
import type { SessionState } from './store-types'
import { tombstoneOf, type StoredRecord } from './stored-record'
import type { EndingMessage } from './tab-message'

// How long a provisional logout waits for its tombstone before storage is asked again.
const CONFIRM_AFTER_MS = 2000

/**
 * A logout announced by another tab is shown at once, before its tombstone
 * is written and read back. Storage stays the truth, and the logout must
 * reach it: if the tombstone has not landed when the confirm timer fires
 * (the announcing tab's write failed, or the tab closed first), this tab
 * writes it, over the announced record or a later one of the same login
 * (login-lineage.ts). If storage moved on meanwhile to another login (a
 * newer sign-in), the stored record is shown again.
 */
export function createProvisionalEnd(deps: {
  state: StoreApi<SessionState>
  clock: Clock
  held(): StoredRecord | null
  reconcile(): Promise<void>
  /** Ends the stored session only where `applies` holds of the stored record (inside the transaction), recording `revokedAt`. */
  endAt(reason: RevokeReason, revokedAt: string, applies: (current: StoredRecord) => boolean): Promise<void>
  /** Shows what the tab holds again, and lets what waited for the logout be written (held-record.ts). */
  showHeld(): void
}): { apply(message: EndingMessage): void; endedView(record: StoredRecord): AuthenticationSession | null; cancel(): void } {
  let timer: unknown = null
  // The announced logout, with the session it ends here, while its tombstone is awaited.
  let pending: (EndingMessage & { sessionId: string }) | null = null
  const cancel = () => {
    deps.clock.clearTimeout(timer)
    timer = null
    pending = null
  }
  return {
    apply(message) {
      const session = liveSession(deps.held())
      if (!session) return
      deps.state.setState({ status: 'unauthenticated', session: tombstoneOf(session, message.revokeReason, message.revokedAt) })
      cancel()
      const ending = { ...message, sessionId: session.sessionId }
      pending = ending
      timer = deps.clock.setTimeout(() => {
        timer = null
        void (async () => {
          await deps.reconcile()
          // The announced record, or for an unconditional logout a later one
          // of the same login; never another login (even into the same IdP
          // session). Judged inside the write's transaction, so a write landing
          // meanwhile cannot make it end the wrong record, nor be skipped.
          if (continuesLogin(deps.held(), ending)) await deps.endAt(message.revokeReason, message.revokedAt, (current) => continuesLogin(current, ending))
          pending = null
          deps.showHeld()
        })()
      }, CONFIRM_AFTER_MS)
    },
    // While the tombstone is awaited, a later record of the same login (another tab's refresh or activity) stays shown ended.
    endedView: (record) => (pending && continuesLogin(record, pending) ? tombstoneOf(record.session!, pending.revokeReason, pending.revokedAt) : null),
    cancel,
  }
}
