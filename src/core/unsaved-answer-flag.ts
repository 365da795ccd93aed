import type { Clock } from './clock'
import { fingerprint } from './fingerprint'
import type { Locks } from './locks'
import type { LiveRecord } from './stored-record'

// Storage taking the answer is noticed on the store's next event; this slow look is a backstop.
const LOOK_AGAIN_MS = 30_000

/**
 * A refresh answer this tab could not store (the disk is full), or a request
 * it stopped waiting for, may hold the only valid refresh token: the one in
 * storage may be spent. Other tabs must not send that one, so meanwhile this
 * tab holds a Web Lock they can see, named after the session and the refresh
 * token that was used: a tab holding another session (a new sign-in) or
 * another token is not held back. The browser lets the lock go if the tab
 * closes, so a dead tab never blocks the others for good.
 */
export function createUnsavedAnswerFlag(deps: {
  locks: Locks
  prefix: string
  clock: Clock
  /** Whether newer tokens than `base`'s still wait in this tab (unsaved, or a request still outstanding). */
  stillUnsaved(base: LiveRecord): boolean
  /** The store's events: any change may be the answer landing. Returns the unsubscribe. */
  onStoreEvent(listener: () => void): () => void
}) {
  const nameFor = (record: LiveRecord) => `${deps.prefix}:${record.session.sessionId}:${fingerprint(record.session.refreshToken ?? '')}`
  // One flag per lineage: a logout and a new sign-in can leave an old one up
  // (a request still outstanding) while a new one is needed at once.
  const flags = new Map<string, { lower(): void; look?(): void }>()
  let destroyed = false

  /** Newer tokens than `base`'s wait in this tab: raise its flag until they are stored or gone (or the store goes). */
  function flag(base: LiveRecord) {
    const name = nameFor(base)
    if (flags.has(name) || destroyed) return
    let timer: unknown = null
    let unsubscribe: (() => void) | null = null
    let release: (() => void) | null = null
    let lowered = false
    const entry: { lower(): void; look?(): void } = {
      lower() {
        lowered = true
        deps.clock.clearTimeout(timer)
        unsubscribe?.()
        if (flags.get(name) === entry) flags.delete(name)
        release?.()
      },
    }
    flags.set(name, entry)
    void deps.locks
      .request(
        name,
        () =>
          new Promise<void>((resolve) => {
            release = resolve
            if (lowered) return resolve()
            const look = () => {
              deps.clock.clearTimeout(timer)
              if (deps.stillUnsaved(base)) timer = deps.clock.setTimeout(look, LOOK_AGAIN_MS)
              else entry.lower()
            }
            entry.look = look
            unsubscribe = deps.onStoreEvent(look)
            look()
          }),
      )
      .catch(() => entry.lower())
  }

  return {
    flag,
    /** Whether another tab holds newer tokens than `record`'s (this tab's own flag does not count). */
    // An app's isHeld may answer a boolean or throw (plain JavaScript): read as a Locks without one would be.
    elsewhere: async (record: LiveRecord) =>
      !flags.has(nameFor(record)) && !!(await Promise.resolve().then(() => deps.locks.isHeld?.(nameFor(record))).catch(() => false)),
    /** Something a flag waits for may have ended without a store event. */
    recheck: () => {
      for (const entry of [...flags.values()]) entry.look?.()
    },
    destroy() {
      destroyed = true
      for (const entry of [...flags.values()]) entry.lower()
    },
  }
}
