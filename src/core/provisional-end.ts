import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { liveSession, statusOf } from './record-actions'
import { recordStatusFor } from './session'
import type { SessionState } from './store-types'
import { tombstoneOf, type StoredRecord } from './stored-record'
import type { EndingMessage } from './tab-message'

// How long a provisional logout waits for its tombstone before storage is asked again.
const CONFIRM_AFTER_MS = 2000

/**
 * A logout announced by another tab is shown at once, before its tombstone
 * is written and read back. Storage stays the truth: if the tombstone never
 * lands (its write failed or was refused), the stored record is shown again.
 */
export function createProvisionalEnd(deps: {
  state: StoreApi<SessionState>
  clock: Clock
  held(): StoredRecord | null
  reconcile(): Promise<void>
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
        void deps.reconcile().then(() => {
          const held = deps.held()
          if (deps.state.getState().status !== statusOf(held)) deps.state.setState({ status: statusOf(held), session: held?.session ?? null })
        })
      }, CONFIRM_AFTER_MS)
    },
    cancel,
  }
}
