import type { SignInOptions } from '../core/source'
import type { SessionState, SessionStore } from '../core/store'

/** Where the page is: path, search and hash. Read when a sign-in starts, never at import or on the server. */
export const currentLocation = (): string => location.pathname + location.search + location.hash

// The automatic sign-in in flight per store, and the state it was started
// in. Guards that mount together (a layout's and a route's) join it while
// the state is the same: a second login() would make a second authorization
// request whose navigation replaces the first. Once the state moves on (a
// sign-in and a clear() since), a guard starts its own.
const running = new WeakMap<SessionStore, { state: SessionState; promise: Promise<void> }>()

/**
 * Starts the automatic sign-in of a guard, or joins the one already in
 * flight for this store. `own` tells the caller whether its options were
 * used, and so whether a failure is its to report.
 */
export function automaticSignIn(store: SessionStore, options: () => SignInOptions): { promise: Promise<void>; own: boolean } {
  const state = store.getState()
  const known = running.get(store)
  if (known?.state === state) return { promise: known.promise, own: false }
  const entry = { state, promise: startSignIn(store, options) }
  running.set(store, entry)
  const forget = () => void (running.get(store) === entry && running.delete(store))
  entry.promise.then(forget, forget)
  return { promise: entry.promise, own: true }
}

/** login() with options built now; what building them throws (an app's returnTo function) rejects instead. */
export async function startSignIn(store: SessionStore, options: () => SignInOptions): Promise<void> {
  await store.login(options())
}
