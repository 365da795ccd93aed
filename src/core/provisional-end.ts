import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { continuesLogin } from './login-lineage'
import { liveSession, statusOf } from './record-actions'
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
  /** The logout did not land (storage moved on): what waited for it in memory may be written now. */
  notEnded(): void
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
          const still = deps.held()
          // The announced record or a later one of the same login; never
          // another login (even into the same IdP session). Only an end of the
          // whole login is announced (record-actions.ts), so no condition it
          // was decided on can have turned untrue since.
          if (endsToo(still)) await deps.endAt(message.revokeReason, still!.generation, message.revokedAt)
          pending = null
          const held = deps.held()
          if (deps.state.getState().status !== statusOf(held)) deps.state.setState({ status: statusOf(held), session: held?.session ?? null })
          if (statusOf(held) === 'authenticated') deps.notEnded()
        })()
      }, CONFIRM_AFTER_MS)
    },
    // While the tombstone is awaited, a later record of the same login (another tab's refresh or activity) stays shown ended.
    endedView: (record) => (endsToo(record) ? endedOf(record.session!, pending!.message) : null),
    cancel,
  }
}
