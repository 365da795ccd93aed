/** A message bus between the tabs of one origin. Injected; BroadcastChannel by default. */
export interface TabChannel {
  post(message: unknown): void
  /** Receives raw, unvalidated data. Returns the unsubscribe. */
  subscribe(listener: (data: unknown) => void): () => void
  close(): void
}

/** A BroadcastChannel-backed channel, or null where BroadcastChannel does not exist (old Safari, some webviews). */
export function createBroadcastTabChannel(name: string): TabChannel | null {
  if (typeof BroadcastChannel === 'undefined') return null
  const channel = new BroadcastChannel(name)
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
