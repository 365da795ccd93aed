import type { Clock } from './clock'
import type { Locks } from './locks'

// Storage taking the answer is noticed on the store's next event; this slow look is a backstop.
const LOOK_AGAIN_MS = 30_000

/**
 * A refresh answer this tab could not store (the disk is full) holds the
 * only valid refresh token: the one in storage is spent. Other tabs must not
 * send that one, so while the answer is unsaved this tab holds a Web Lock
 * they can see. The browser lets it go if the tab closes, so a dead tab
 * never blocks the others for good.
 */
export function createUnsavedAnswerFlag(deps: {
  locks: Locks
  name: string
  clock: Clock
  stillUnsaved(): boolean
  /** The store's events: any change may be the answer landing. Returns the unsubscribe. */
  onStoreEvent(listener: () => void): () => void
}) {
  let holding = false
  let destroyed = false
  let look: (() => void) | null = null
  let timer: unknown = null
  let release: (() => void) | null = null
  let unsubscribe: (() => void) | null = null
  const done = () => {
    deps.clock.clearTimeout(timer)
    timer = null
    unsubscribe?.()
    unsubscribe = null
    look = null
    holding = false
    release?.()
    release = null
  }
  return {
    /** This tab holds an unsaved answer: raise the flag until storage takes it (or the store goes). */
    flag() {
      if (holding || destroyed) return
      holding = true
      void deps.locks
        .request(
          deps.name,
          () =>
            new Promise<void>((resolve) => {
              release = resolve
              if (!holding) return resolve()
              const again = () => {
                deps.clock.clearTimeout(timer)
                if (deps.stillUnsaved()) timer = deps.clock.setTimeout(again, LOOK_AGAIN_MS)
                else done()
              }
              look = again
              unsubscribe = deps.onStoreEvent(again)
              again()
            }),
        )
        .catch(() => (holding = false))
    },
    /** Whether another tab has raised the flag (this tab's own flag does not count). */
    elsewhere: async () => !holding && !!(await deps.locks.isHeld?.(deps.name).catch(() => false)),
    /** Something the flag waits for may have ended without a store event. */
    recheck: () => look?.(),
    destroy() {
      destroyed = true
      done()
    },
  }
}
