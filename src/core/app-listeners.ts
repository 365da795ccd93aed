import type { StoreApi } from 'zustand/vanilla'
import { checkOptions } from './argument-checks'

type Listener<T> = (state: T, previous: T) => void

/**
 * The app's `store.subscribe` listeners, as zustand keeps them (a Set: the
 * same listener subscribed twice is called once, one unsubscribe removes
 * it), behind one subscription of the store's own, each called on its own:
 * zustand calls its listeners in one loop, so one that throws would keep the
 * others (React's among them) from hearing of the change, and the write that
 * made it from finishing (unannounced to the other tabs). Its error surfaces
 * as uncaught, as in events.ts.
 */
export function createAppListeners<T>(state: StoreApi<T>) {
  const listeners = new Set<Listener<T>>()
  let attached = false
  return {
    add: (listener: Listener<T>): (() => void) => {
      checkOptions('listener', listener, 'function') // else it fails later, on every change, far from its cause
      listeners.add(listener)
      if (!attached) {
        attached = true
        // Each gets the newest state, as zustand gives it: an earlier listener may have changed it meanwhile.
        state.subscribe((_, previous) =>
          listeners.forEach((each) => {
            try {
              each(state.getState(), previous)
            } catch (error) {
              queueMicrotask(() => {
                throw error
              })
            }
          }),
        )
      }
      return () => void listeners.delete(listener)
    },
  }
}
