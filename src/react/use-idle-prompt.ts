import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { createIdleTimeout, type IdlePhase } from '../core/idle-timeout'
import { checkIdleTimeoutOptions, runTimeoutAction, type IdleTimeoutOptions } from '../core/idle-timeout-options'
import { useSessionStore } from './use-session'

/** What `useIdlePrompt()` gives. */
export interface IdlePrompt {
  /** Where the tab stands: `inactive` (not signed in), `active`, `prompt` or `timed-out`. */
  phase: IdlePhase
  /** The prompt phase: the session ends in `remainingSeconds` unless the user stays. */
  prompting: boolean
  /** Whole seconds left (rounded up) during the prompt, counting down; 0 once timed out; null otherwise. */
  remainingSeconds: number | null
  /** "Stay signed in": records activity and writes it at once, closing the prompt in every tab. Stable for the tracker's life. */
  stay: () => void
}

/**
 * An idle timeout with a prompt phase, shared by every tab (see
 * `createIdleTimeout`), for the store of the nearest SessionProvider. The
 * component re-renders when the phase changes and once a second during the
 * prompt; never on activity while active. A new tracker is made only when
 * `timeoutMs`, `promptMs`, `activityEvents` or `wake` change (an inline
 * options object is fine); `onTimeout` is read when the timeout comes.
 * Throws `invalid-argument` for bad options, as `createIdleTimeout` does.
 */
export function useIdlePrompt(options: IdleTimeoutOptions): IdlePrompt {
  checkIdleTimeoutOptions('useIdlePrompt(options)', options)
  const store = useSessionStore()
  const latest = useRef(options)
  useEffect(() => {
    latest.current = options
  })
  const { timeoutMs, promptMs, activityEvents, wake } = options
  // An inline array is a new one each render: compared by its contents.
  const eventsKey = Array.isArray(activityEvents) ? activityEvents.join('\n') : activityEvents
  const tracker = useMemo(
    () =>
      createIdleTimeout(store, {
        timeoutMs,
        promptMs,
        activityEvents,
        wake,
        onTimeout: (given) => runTimeoutAction(latest.current.onTimeout, given),
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- activityEvents by its contents (eventsKey)
    [store, timeoutMs, promptMs, eventsKey, wake],
  )
  // Ref-counted with a late stop: StrictMode's mount, unmount, mount keeps one set of timers and listeners.
  useEffect(() => tracker.start(), [tracker])
  const state = useSyncExternalStore(tracker.subscribe, tracker.getState, tracker.getState)
  return useMemo(
    () => ({ phase: state.phase, prompting: state.phase === 'prompt', remainingSeconds: state.remainingSeconds, stay: tracker.stay }),
    [state, tracker],
  )
}
