import { checkOptions } from './argument-checks'
import { AuthSessionError } from './errors'
import { describe } from './json-data'
import type { SessionStore } from './store-types'
import type { WakeSource } from './wake'

/**
 * What ends the session at the timeout. `'end'` (the default):
 * `store.end('idle-timeout')`, the provider's session left alive. `'logout'`:
 * `store.logout({ reason: 'idle-timeout', redirect: false })`, which also
 * revokes at the provider without leaving the page. Both are safe from every
 * tab at once; a redirecting logout is not (each tab would head for the
 * end-session page), so a function of yours that redirects should do so
 * only once its end has been stored. A function gets the store.
 */
export type IdleTimeoutAction = 'end' | 'logout' | ((store: SessionStore) => Promise<void> | void)

/** `createIdleTimeout`'s (and `useIdlePrompt`'s) options; each optional one may be `undefined` for its default. */
export interface IdleTimeoutOptions {
  /** Idle time (ms, on the activity shared by every tab) after which the session ends: finite, above `promptMs`. */
  timeoutMs: number
  /** How long before the timeout the prompt phase starts (ms, 0 or more, below `timeoutMs`). Default 0: no prompt. */
  promptMs?: number | undefined
  /** What ends the session at the timeout. Default `'end'`. */
  onTimeout?: IdleTimeoutAction | undefined
  /**
   * Window events that count as activity while started, each calling
   * `store.recordActivity` (passive, in the capture phase, so an app's
   * `stopPropagation` does not hide them). Default: pointerdown, pointermove,
   * keydown, wheel, touchstart. `false` or `[]`: none (the app calls
   * `recordActivity()` itself).
   */
  activityEvents?: readonly string[] | false | undefined
  /** When the tracker recomputes from the clock (a tab woken, shown, restored). Default: the store's own `wake`. */
  wake?: WakeSource | undefined
}

/**
 * The window events an idle tracker counts as activity unless told others
 * (spread it to add one: `[...DEFAULT_ACTIVITY_EVENTS, 'scroll']`).
 * Not `scroll`: it also fires for scrolling the page does itself; a user
 * scrolls with a wheel, a key, a touch or a pointer on the scrollbar.
 * pointermove counts (a user reading and moving the mouse is there); each
 * costs one comparison while a second has not passed (see activity-writes.ts).
 */
export const DEFAULT_ACTIVITY_EVENTS: readonly string[] = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart']

const invalid = (what: string, expected: string, got: unknown) =>
  new AuthSessionError('invalid-argument', `${what}: expected ${expected}, got ${typeof got === 'number' ? got : describe(got)}`)

/**
 * Throws invalid-argument for options a tracker could not time by: a missing
 * or non-finite timeout (Infinity would never end, NaN would end at once), a
 * prompt as long as the timeout, an action that is not one.
 */
export function checkIdleTimeoutOptions(what: string, options: unknown): asserts options is IdleTimeoutOptions {
  checkOptions(what, options, 'plain-object')
  checkOptions(what, options, { promptMs: 'ms', wake: ['subscribe'] }, true)
  const { timeoutMs, promptMs, onTimeout, activityEvents } = options as Record<string, unknown>
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalid(`${what}.timeoutMs`, 'a finite number of ms above 0', timeoutMs)
  }
  if (promptMs != null && !((promptMs as number) < timeoutMs)) {
    throw invalid(`${what}.promptMs`, `a number of ms below timeoutMs (${timeoutMs})`, promptMs)
  }
  if (onTimeout != null && onTimeout !== 'end' && onTimeout !== 'logout' && typeof onTimeout !== 'function') {
    throw invalid(`${what}.onTimeout`, "'end', 'logout' or a function", onTimeout)
  }
  if (activityEvents != null && activityEvents !== false && !(Array.isArray(activityEvents) && activityEvents.every((type) => typeof type === 'string'))) {
    throw invalid(`${what}.activityEvents`, 'an array of event types or false', activityEvents)
  }
}

/** Runs the timeout's action; its promise settles when the action has. */
export async function runTimeoutAction(action: IdleTimeoutAction | null | undefined, store: SessionStore): Promise<void> {
  if (typeof action === 'function') return action(store)
  if (action === 'logout') return store.logout({ reason: 'idle-timeout', redirect: false })
  return store.end('idle-timeout')
}
