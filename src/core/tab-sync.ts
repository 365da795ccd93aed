import type { SessionEvent } from './session-events'
import type { TabChannel } from './tab-channel'
import { parseTabMessage, type ActivityMessage, type EndingMessage } from './tab-message'
import type { WakeSource } from './wake'

export interface TabSyncDeps {
  /** null where BroadcastChannel is missing: wake-ups alone then keep the tab converged. */
  channel: TabChannel | null
  wake: WakeSource
  tabId: string
  heldGeneration(): number
  heldEpoch(): string | undefined
  /** The message is about the record this tab holds: that record, or a later one of the same login (login-lineage.ts). */
  continuesHeld(message: EndingMessage | ActivityMessage): boolean
  reconcile(): Promise<void>
  /** Another tab is ending the session this tab holds (continuesHeld said so). */
  endProvisionally(message: EndingMessage): void
  /** A closing tab handed over the activity it could not store, for the session this tab holds. */
  takeActivity(message: ActivityMessage): void
  emit(event: SessionEvent): void
}

/**
 * Keeps one tab converged with the others. A valid "changed" message for a
 * generation other than ours triggers a re-read of storage (the message itself is
 * never trusted for content); so does every wake-up, which covers tabs
 * restored from the back/forward cache, frozen tabs, and browsers without
 * BroadcastChannel. Returns the detach.
 */
export function attachTabSync(deps: TabSyncDeps): () => void {
  let rejected = 0
  // While frozen, storage is not read (see WakeSource.subscribeFrozen): the resume is a wake-up, whose
  // re-read stands for any number of changes; the logouts and activity announced meanwhile are applied after it.
  let frozen = false
  let missed: Array<EndingMessage | ActivityMessage> = []
  const unsubscribeFrozen = deps.wake.subscribeFrozen?.((now) => void (frozen = now))
  const apply = (message: EndingMessage | ActivityMessage) => {
    if (!deps.continuesHeld(message)) return
    if (message.type === 'ending') deps.endProvisionally(message)
    else deps.takeActivity(message)
  }
  const readThenApply = (messages: Array<EndingMessage | ActivityMessage>) => {
    deps
      .reconcile()
      .then(() => messages.forEach(apply))
      .catch(() => {})
  }
  const reconcile = () => {
    const was = missed
    missed = []
    readThenApply(was)
  }
  const unsubscribeChannel = deps.channel?.subscribe((data) => {
    const message = parseTabMessage(data)
    if ('rejected' in message) {
      rejected += 1
      deps.emit({ type: 'message-rejected', reason: message.rejected, count: rejected })
      return
    }
    if (message.tabId === deps.tabId) return
    // Generations restart after storage is wiped, so a message is about the
    // record this tab holds only if its epoch matches too. A message without
    // one (a tab on an earlier version of this library) is judged by generation.
    const isHeld = () => message.generation === deps.heldGeneration() && (message.epoch === undefined || message.epoch === deps.heldEpoch())
    // An older generation of our own epoch (a late message) has nothing to offer.
    const older = message.epoch === deps.heldEpoch() && message.generation < deps.heldGeneration()
    if (message.type !== 'changed') {
      // Also when this tab already holds a later record of that login: the
      // announcing tab had not read it yet when it decided.
      if (deps.continuesHeld(message)) apply(message)
      // A record this tab has not read yet (it is hydrating, or still
      // re-reading after the last change): read it, then apply the message if
      // it is about that record. Dropped, a logout (or the last activity)
      // could be lost: the announcing tab is often closing. A logout still
      // applies after a stop (a provider remounting), not after destroy (see store.ts).
      else if (!older) {
        if (frozen) missed.push(message)
        else readThenApply([message])
      }
      return
    }
    // Any other record: usually a newer generation; another epoch means
    // storage was wiped and written anew.
    if (!isHeld() && !older && !frozen) reconcile()
  })
  const unsubscribeWake = deps.wake.subscribe(reconcile)
  return () => {
    unsubscribeChannel?.()
    unsubscribeWake()
    unsubscribeFrozen?.()
  }
}
