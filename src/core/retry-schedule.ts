import type { Clock } from './clock'

/**
 * When to offer a change that could not be stored again: 5 s after the first
 * failure, doubling, at most a minute apart, back to 5 s once it lands. One
 * timer at a time, on the store's clock.
 */
const FIRST_MS = 5000
const MAX_MS = 60_000

export function createRetrySchedule(clock: Clock, attempt: () => void) {
  let timer: unknown = null
  let delay = 0
  const run = () => {
    timer = null
    attempt()
  }
  return {
    /** Schedules the next attempt, unless one is scheduled already. */
    later() {
      if (timer !== null) return
      delay = Math.min(delay ? delay * 2 : FIRST_MS, MAX_MS)
      timer = clock.setTimeout(run, delay)
    },
    /** Attempts now instead of waiting. */
    now() {
      clock.clearTimeout(timer)
      run()
    },
    /** The change landed (or is gone): the next failure starts from the first delay again. */
    landed() {
      delay = 0
    },
    /** Nothing scheduled, and the next failure starts from the first delay. */
    reset() {
      clock.clearTimeout(timer)
      timer = null
      delay = 0
    },
  }
}
