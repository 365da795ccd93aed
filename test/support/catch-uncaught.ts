import { vi } from 'vitest'

/**
 * The errors the store rethrows on their own (in a microtask, as uncaught: a
 * throwing app listener's, a failing tab channel's), caught and kept out of
 * the test run's own report. `stop()` puts queueMicrotask back.
 */
export function catchUncaught() {
  const caught: unknown[] = []
  const original = globalThis.queueMicrotask
  vi.stubGlobal('queueMicrotask', (callback: () => void) =>
    original(() => {
      try {
        callback()
      } catch (error) {
        caught.push(error)
      }
    }),
  )
  return { caught, stop: () => vi.unstubAllGlobals() }
}
