/**
 * The sessions each store's started idle trackers have timed out on, while
 * their action ends them. A page opened after the timeout (every tab closed
 * meanwhile) reads a live record, shown as signed in until the tracker's
 * `end()` is stored: RequireSession shows `loading` meanwhile, not the
 * protected page. A module of its own so the guard bundles no idle tracker.
 */
interface Holds {
  /** Per tracker, the session id it holds. */
  byTracker: Map<object, string>
  /** The held ids, a new array on each change (a snapshot for useSyncExternalStore). */
  ids: readonly string[]
  listeners: Set<() => void>
}

const NONE: readonly string[] = Object.freeze([])
const holds = new WeakMap<object, Holds>()

function holdsOf(store: object): Holds {
  let found = holds.get(store)
  if (!found) holds.set(store, (found = { byTracker: new Map(), ids: NONE, listeners: new Set() }))
  return found
}

/** A tracker holds `sessionId` (timed out on it), or releases what it held (null). */
export function holdIdleSession(store: object, tracker: object, sessionId: string | null): void {
  const found = holdsOf(store)
  if (found.byTracker.get(tracker) === (sessionId ?? undefined)) return
  if (sessionId === null) found.byTracker.delete(tracker)
  else found.byTracker.set(tracker, sessionId)
  found.ids = found.byTracker.size === 0 ? NONE : Object.freeze([...found.byTracker.values()])
  for (const listener of [...found.listeners]) listener()
}

/** The session ids held for `store` now: the same array until it changes. */
export const heldIdleSessions = (store: object): readonly string[] => holds.get(store)?.ids ?? NONE

/** Calls `listener` whenever the held ids of `store` change; returns the unsubscribe. */
export function subscribeIdleHolds(store: object, listener: () => void): () => void {
  const { listeners } = holdsOf(store)
  listeners.add(listener)
  return () => void listeners.delete(listener)
}
