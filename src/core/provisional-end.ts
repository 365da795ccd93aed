import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { continuesLogin } from './login-lineage'
import { liveSession } from './record-actions'
import { recordStatusFor, type AuthenticationSession, type RevokeReason } from './session'
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
  /** Ends the stored session only if it is still `generation` (compare-and-set), recording `revokedAt`. */
  endAt(reason: RevokeReason, generation: number, revokedAt: string): Promise<void>
  /** Shows what the tab holds again, and lets what waited for the logout be written (held-record.ts). */
  showHeld(): void
}): { apply(message: EndingMessage): void; endedView(record: StoredRecord): AuthenticationSession | null; cancel(): void } {
  let timer: unknown = null
  let pending: { message: EndingMessage; sessionId: string } | null = null
  const cancel = () => {
    deps.clock.clearTimeout(timer)
    timer = null
    pending = null
  }
  /** The logout waiting for its tombstone applies to `record` too (a later write of the same login). */
  const endsToo = (record: StoredRecord | null) =>
    !!pending && liveSession(record)?.sessionId === pending.sessionId && continuesLogin(record, pending.message)
  const endedOf = (session: AuthenticationSession, message: EndingMessage) =>
    tombstoneOf(session, message.revokeReason, message.revokedAt, recordStatusFor(message.revokeReason))
  return {
    apply(message) {
      const session = liveSession(deps.held())
      if (!session) return
      deps.state.setState({ status: 'unauthenticated', session: endedOf(session, message) })
      cancel()
      pending = { message, sessionId: session.sessionId }
      timer = deps.clock.setTimeout(() => {
        timer = null
        void (async () => {
          await deps.reconcile()
          // The announced record, or for an unconditional logout a later one
          // of the same login; never another login (even into the same IdP
          // session). A write landing between the read and ours refuses ours
          // (compare-and-set) and is read back: a few tries, then storage is shown.
          for (let tries = 0; tries < 3 && endsToo(deps.held()); tries += 1) {
            await deps.endAt(message.revokeReason, deps.held()!.generation, message.revokedAt)
          }
          pending = null
          deps.showHeld()
        })()
      }, CONFIRM_AFTER_MS)
    },
    // While the tombstone is awaited, a later record of the same login (another tab's refresh or activity) stays shown ended.
    endedView: (record) => (endsToo(record) ? endedOf(record.session!, pending!.message) : null),
    cancel,
  }
}
