import type { SessionEvent } from './session-events'
import type { TabChannel } from './tab-channel'
import { parseTabMessage, type EndingMessage } from './tab-message'
import type { WakeSource } from './wake'

export interface TabSyncDeps {
  /** null where BroadcastChannel is missing: wake-ups alone then keep the tab converged. */
  channel: TabChannel | null
  wake: WakeSource
  tabId: string
  heldGeneration(): number
  heldEpoch(): string | undefined
  /** The announced logout applies to the record this tab holds: that record, or a later one of the same login (login-lineage.ts). */
  endsHeld(message: EndingMessage): boolean
  reconcile(): Promise<void>
  /** Another tab is ending the session this tab holds (endsHeld said so). */
  endProvisionally(message: EndingMessage): void
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
  // re-read stands for any number of changes; the logouts announced meanwhile are applied after it.
  let frozen = false
  let endingsMissed: EndingMessage[] = []
  const unsubscribeFrozen = deps.wake.subscribeFrozen?.((now) => void (frozen = now))
  const readThenEnd = (messages: EndingMessage[]) => {
    deps
      .reconcile()
      .then(() => messages.forEach((message) => deps.endsHeld(message) && deps.endProvisionally(message)))
      .catch(() => {})
  }
  const reconcile = () => {
    const missed = endingsMissed
    endingsMissed = []
    readThenEnd(missed)
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
    if (message.type === 'ending') {
      // Also when this tab already holds a later record of that login: the
      // announcing tab had not read it yet when it decided.
      if (deps.endsHeld(message)) deps.endProvisionally(message)
      // A record this tab has not read yet (it is hydrating, or still
      // re-reading after the last change): read it, then apply the logout if
      // it is the one announced. Dropped, the logout could be lost if the
      // announcing tab closes before its tombstone lands. It still applies
      // after a stop (a provider remounting), not after destroy (see store.ts).
      else if (!older) {
        if (frozen) endingsMissed.push(message)
        else readThenEnd([message])
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
