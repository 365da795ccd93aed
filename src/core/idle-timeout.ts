import { checkOptions } from './argument-checks'
import { AuthSessionError } from './errors'
import { checkIdleTimeoutOptions, DEFAULT_ACTIVITY_EVENTS, runTimeoutAction, type IdleTimeoutOptions } from './idle-timeout-options'
import { createMountCounter } from './mount-counter'
import { storeInternals } from './store'
import type { SessionState, SessionStore, SessionStoreInternals } from './store-types'

/**
 * Where a tab stands: `inactive` (not started, or not signed in), `active`,
 * `prompt` (the timeout is `promptMs` away or less) or `timed-out` (its
 * action runs, or left the session live: refused, or an action of the app's
 * that keeps it; until new activity).
 */
export type IdlePhase = 'inactive' | 'active' | 'prompt' | 'timed-out'

/** An idle tracker's state: a new object only when the phase changes, or each second of the prompt. */
export interface IdleTimeoutState {
  /** Where the tab stands. */
  readonly phase: IdlePhase
  /** Whole seconds left until the timeout (rounded up) during the prompt, counting down; 0 once timed out; null otherwise (nothing counts down). */
  readonly remainingSeconds: number | null
}

/** `createIdleTimeout`'s tracker. */
export interface IdleTimeout {
  /** Starts tracking (timers, wake-ups, the activity listeners). Idempotent and ref-counted like the store's: returns its own stop. */
  start: () => () => void
  /** The state now; the same object until it changes (for `useSyncExternalStore`). */
  getState: () => IdleTimeoutState
  /** Calls `listener` on each change of the state; returns the unsubscribe. */
  subscribe: (listener: () => void) => () => void
  /** "Stay signed in": records activity now and writes it at once, so every tab's prompt closes and none times out on it. */
  stay: () => void
  /** When the timeout falls (ms like `Date.now()`, on the store's clock) on the activity this tab shows now; null unless signed in. */
  timeoutAt: () => number | null
}

const state = (phase: IdlePhase, remainingSeconds: number | null = null): IdleTimeoutState => Object.freeze({ phase, remainingSeconds })
const INACTIVE = state('inactive')
const ACTIVE = state('active')
const TIMED_OUT = state('timed-out', 0)

/**
 * Ends the session after `timeoutMs` without activity, with a prompt phase
 * `promptMs` before. The idle time is the store's shared one (the activity
 * every tab has stored, as this tab shows it), so tabs enter the prompt and
 * time out together, and activity in one (its "stay signed in") closes the
 * prompt in all. While active it holds one timer, to the prompt; it ticks
 * once a second only during the prompt, and recomputes from the clock on
 * every wake-up (a laptop that slept past the timeout times out at once).
 * Nothing runs until `start()`. Throws `invalid-argument` for bad options.
 */
export function createIdleTimeout(store: SessionStore, options: IdleTimeoutOptions): IdleTimeout {
  checkOptions('createIdleTimeout(store)', store, ['getState', 'subscribe', 'recordActivity', 'derived', 'end', 'logout'])
  checkIdleTimeoutOptions('createIdleTimeout(store, options)', options)
  let internals: SessionStoreInternals
  try {
    internals = storeInternals(store)
  } catch {
    throw new AuthSessionError('invalid-argument', 'createIdleTimeout(store): expected a store made by createSessionStore')
  }
  const { timeoutMs, onTimeout } = options
  const promptMs = options.promptMs ?? 0
  const events = options.activityEvents === false ? [] : (options.activityEvents ?? DEFAULT_ACTIVITY_EVENTS)
  const wake = options.wake ?? internals.wake
  const clock = store.clock
  const listeners = new Set<() => void>()
  let current = INACTIVE
  let started = false
  let timer: unknown = null
  let timerAt = Infinity
  /** When the activity shown runs out (Infinity unless signed in and started): what input is checked against. */
  let deadline = Infinity
  let evaluating = false
  let again = false

  const set = (next: IdleTimeoutState) => {
    if (next.phase === current.phase && next.remainingSeconds === current.remainingSeconds) return
    current = next
    for (const listener of [...listeners]) {
      try {
        listener()
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  const clear = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    timerAt = Infinity
  }

  /** A timer that fires no later than `at`: an earlier one is kept (it recomputes and sets the next), so activity each second moves no timer. */
  const wakeBy = (at: number) => {
    if (timer !== null && timerAt <= at) return
    clear()
    timerAt = at
    timer = clock.setTimeout(() => {
      timer = null
      timerAt = Infinity
      evaluate()
    }, at - clock.now())
  }

  /**
   * The store shows the session ended at once (idle-end.ts), before anything
   * renders it signed in, and the action runs once for this session and
   * activity, whichever tracker decided: not again here, nor in a tracker
   * made meanwhile. The decision stands if this tracker stops (a prompt inside
   * a guard's children, hidden with them): its action still runs.
   */
  const act = (session: NonNullable<SessionState['session']>) => {
    const release = internals.decideIdleEnd(session)
    if (!release) return
    // A promise job: not inside the store's listener that got us here.
    void Promise.resolve()
      .then(() => runTimeoutAction(onTimeout, store))
      .catch((error: unknown) =>
        queueMicrotask(() => {
          throw error // the app's to see (sign-out-failed: ended, the provider not told), not an unhandled rejection
        }),
      )
      // Settled: what storage holds shows again (an end refused on later activity stored elsewhere, an action
      // of the app's that kept the session): the tab is active again, or signed out.
      .then(() => {
        release()
        evaluate()
      })
  }

  const step = () => {
    // Looks for a device clock set back first: the record's times then move (a change that evaluates again).
    store.derived()
    const { status, session } = store.getState()
    if (!started || status !== 'authenticated') {
      clear()
      deadline = Infinity
      // An idle end shown while its action runs: timed out, in every started tracker of the store.
      return set(started && internals.idleDecision() !== null ? TIMED_OUT : INACTIVE)
    }
    const now = clock.now()
    deadline = Math.min(now, Date.parse(session.lastActivityAt)) + timeoutMs
    const left = deadline - now
    if (left <= 0) {
      clear()
      set(TIMED_OUT)
      return act(session)
    }
    if (left <= promptMs) {
      // The next whole second of the countdown (or the timeout itself).
      wakeBy(now + (left % 1000 || 1000))
      return set(state('prompt', Math.ceil(left / 1000)))
    }
    wakeBy(now + left - promptMs)
    // Left on this tab's activity: written at once (after recordActivity has held it back), as by stay().
    if (current.phase === 'prompt') void Promise.resolve().then(() => started && internals.writeActivityNow())
    set(ACTIVE)
  }

  function evaluate() {
    if (evaluating) return void (again = true)
    evaluating = true
    try {
      do {
        again = false
        step()
      } while (again)
    } finally {
      evaluating = false
    }
  }

  const mounts = createMountCounter(() => {
    started = true
    // Another tab's idle time runs ahead of this one's by the activity held back here: kept within half the
    // active stretch, a tab left alone neither prompts nor times out while the user works in this one.
    const uncap = internals.capActivityWrites((timeoutMs - promptMs) / 2)
    const unsubscribe = store.subscribe((next, previous) => {
      if (next.status !== previous.status || next.session?.lastActivityAt !== previous.session?.lastActivityAt || next.session?.sessionId !== previous.session?.sessionId) evaluate()
    })
    const unwake = wake.subscribe(() => evaluate())
    // Another tracker's action settling (an end stored changes neither status nor activity): not timed out any more.
    const unsettled = internals.onIdleEndSettled(() => evaluate())
    const target = events.length > 0 && typeof window !== 'undefined' ? window : null
    const listen = { capture: true, passive: true }
    // This tracker's own function: the window keeps one registration per function and flags, so with
    // store.recordActivity itself another tracker's stop (a changed timeout, a second prompt) removed ours.
    // Input after the timeout, before any timer or wake-up told this tab (timers stand still while a machine
    // sleeps; a wake needs a visibility or focus change): the timeout comes first, not the input. Once timed
    // out (its action ran, failed or was refused), input is activity again.
    const onActivity = (event: Event) => {
      if (current !== TIMED_OUT && clock.now() >= deadline) return evaluate()
      store.recordActivity(event)
    }
    events.forEach((type) => target?.addEventListener(type, onActivity, listen))
    evaluate()
    return () => {
      started = false
      uncap()
      unsubscribe()
      unwake()
      unsettled()
      events.forEach((type) => target?.removeEventListener(type, onActivity, listen))
      evaluate()
    }
  })

  return {
    start: mounts.start,
    getState: () => current,
    subscribe(listener) {
      checkOptions('listener', listener, 'function')
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    stay() {
      store.recordActivity()
      internals.writeActivityNow()
    },
    timeoutAt() {
      const { status, session } = store.getState()
      return status === 'authenticated' ? Math.min(clock.now(), Date.parse(session.lastActivityAt)) + timeoutMs : null
    },
  }
}
