/** A message bus between the tabs of one origin. Injected; BroadcastChannel by default. */
export interface TabChannel {
  post(message: unknown): void
  /** Receives raw, unvalidated data. Returns the unsubscribe. */
  subscribe(listener: (data: unknown) => void): () => void
  close(): void
}

/**
 * A BroadcastChannel-backed channel, or null where BroadcastChannel does not
 * exist (old Safari, some webviews) or refuses to be made (Firefox with
 * cookies blocked throws SecurityError, as it does for localStorage and
 * IndexedDB): the tabs then converge on wake-ups, as without one.
 */
export function createBroadcastTabChannel(name: string): TabChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null
  let channel: BroadcastChannel
  try {
    channel = new BroadcastChannel(name)
  } catch {
    return null
  }
  const listeners = new Set<(data: unknown) => void>()
  channel.onmessage = (event: MessageEvent) => {
    for (const listener of [...listeners]) listener(event.data)
  }
  // A message that cannot be deserialised arrives as messageerror; it carries
  // nothing usable, but it is still a rejected message worth counting.
  channel.onmessageerror = () => {
    for (const listener of [...listeners]) listener(undefined)
  }
  let closed = false
  return {
    post(message) {
      if (!closed) channel.postMessage(message)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      closed = true
      listeners.clear()
      channel.close()
    },
  }
}

/**
 * Posts a message to the other tabs. A message is a hint (tabs also re-read
 * on wake-ups): a channel that fails (an app's own, over a closed port) must
 * not fail the write that landed, nor stop a logout before its tombstone is
 * written. Its error surfaces on its own, as uncaught, as a throwing
 * listener's does. Says whether there was a channel to post on (another
 * tab can hear it).
 */
export function postHint(channel: TabChannel | null, message: unknown): boolean {
  if (!channel) return false
  try {
    channel.post(message)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
  return true
}
