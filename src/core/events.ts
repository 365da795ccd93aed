import { checkOptions } from './argument-checks'

/** A typed listener list whose `add` returns its own removal, so every subscription can be undone. */
export function createListeners<T>() {
  const listeners = new Set<(value: T) => void>()
  return {
    add(listener: (value: T) => void): () => void {
      checkOptions('listener', listener, 'function') // else it fails later, on every event, far from its cause
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    emit(value: T): void {
      for (const listener of [...listeners]) {
        try {
          listener(value)
        } catch (error) {
          // One failing app listener must not stop the others or the store's own work.
          queueMicrotask(() => {
            throw error
          })
        }
      }
    },
    clear(): void {
      listeners.clear()
    },
  }
}
