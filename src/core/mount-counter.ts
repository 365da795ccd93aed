/**
 * Ref-counted start/stop. The side effects are set up on the first start and
 * torn down a microtask after the last stop, so React StrictMode's
 * mount → unmount → mount (all in one task) keeps one setup instead of two.
 */
export function createMountCounter(setup: () => () => void): { start(): () => void; stopNow(): void } {
  let count = 0
  let generation = 0
  let teardown: (() => void) | null = null

  const stopNow = () => {
    const current = teardown
    teardown = null
    current?.()
  }

  return {
    start() {
      count += 1
      teardown ??= setup()
      let released = false
      const era = generation
      return () => {
        // A stop from before stopNow() (destroy) must not count against later starts.
        if (released || era !== generation) return
        released = true
        count -= 1
        // A promise job, not queueMicrotask: Jest's fake timers fake queueMicrotask, and an
        // unmounted provider's store then stayed started (window listeners, refresh, channel).
        if (count === 0) {
          void Promise.resolve().then(() => {
            if (count === 0) stopNow()
          })
        }
      }
    },
    stopNow() {
      count = 0
      generation += 1
      stopNow()
    },
  }
}
