import { checkOptions } from './argument-checks'

/** A typed listener list whose `add` returns its own removal, so every subscription can be undone. */
export class Listeners<T> {
  private readonly listeners = new Set<(value: T) => void>()

  add(listener: (value: T) => void): () => void {
    checkOptions('listener', listener, 'function') // else it fails later, on every event, far from its cause
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value)
      } catch (error) {
        // One failing app listener must not stop the others or the store's own work.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  clear(): void {
    this.listeners.clear()
  }
}
