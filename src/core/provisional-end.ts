import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { liveSession, statusOf } from './record-actions'
import { recordStatusFor, type RevokeReason } from './session'
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
 * writes it, for the same generation and session only. If storage moved on
 * meanwhile (a newer sign-in), the stored record is shown again.
 */
export function createProvisionalEnd(deps: {
  state: StoreApi<SessionState>
  clock: Clock
  held(): StoredRecord | null
  reconcile(): Promise<void>
  /** Ends the stored session only if it is still `generation` (compare-and-set), recording `revokedAt`. */
  endAt(reason: RevokeReason, generation: number, revokedAt: string): Promise<void>
  /** The logout did not land (storage moved on): what waited for it in memory may be written now. */
  notEnded(): void
}): { apply(message: EndingMessage): void; cancel(): void } {
  let timer: unknown = null
  const cancel = () => {
    deps.clock.clearTimeout(timer)
    timer = null
  }
  return {
    apply(message) {
      const session = liveSession(deps.held())
      if (!session) return
      const status = recordStatusFor(message.revokeReason)
      deps.state.setState({ status: 'unauthenticated', session: tombstoneOf(session, message.revokeReason, message.revokedAt, status) })
      cancel()
      timer = deps.clock.setTimeout(() => {
        timer = null
        void (async () => {
          await deps.reconcile()
          const still = deps.held()
          // Exactly the record that was announced, nothing later: a later write
          // may be a new login into the same IdP session, or may have made a
          // conditional end (onlyIf, expectedGeneration, an expiry) untrue.
          const sameRecord =
            still?.generation === message.generation &&
            (message.epoch === undefined || still.epoch === message.epoch) &&
            liveSession(still)?.sessionId === session.sessionId
          if (sameRecord) await deps.endAt(message.revokeReason, message.generation, message.revokedAt)
          const held = deps.held()
          if (deps.state.getState().status !== statusOf(held)) deps.state.setState({ status: statusOf(held), session: held?.session ?? null })
          if (statusOf(held) === 'authenticated') deps.notEnded()
        })()
      }, CONFIRM_AFTER_MS)
    },
    cancel,
  }
}
