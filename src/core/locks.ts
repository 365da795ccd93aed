/** Mutual exclusion across the tabs of an origin. Injected; Web Locks by default. */
export interface Locks {
  /** Runs `task` while holding the exclusive lock `name`; the lock is released when it settles. */
  request<T>(name: string, task: () => Promise<T>): Promise<T>
  /** Whether any tab holds `name` now. Optional: a Locks without it is taken to say no. */
  isHeld?(name: string): Promise<boolean>
}

/**
 * navigator.locks where it exists. The browser releases a lock when its tab
 * closes or crashes, so a tab that dies mid-refresh never blocks the others.
 * Elsewhere, or where the browser refuses Web Locks, an in-process lock: it
 * serialises this tab only, and the generation check in storage still
 * refuses a stale write from another tab.
 */
export function createDefaultLocks(): Locks {
  return {
    request(name, task) {
      const webLocks = typeof navigator !== 'undefined' ? navigator.locks : undefined
      if (!webLocks) return fallback.request(name, task)
      let started = false
      const run = () => ((started = true), task())
      return (webLocks.request(name, { mode: 'exclusive' }, run) as Promise<Awaited<ReturnType<typeof task>>>).catch((error: unknown) => {
        // Refused before the task ran (a sandboxed or opaque-origin frame
        // answers SecurityError): serialise within this tab instead.
        if (!started) return fallback.request(name, task)
        throw error
      })
    },
    async isHeld(name) {
      const webLocks = typeof navigator !== 'undefined' ? navigator.locks : undefined
      if (!webLocks) return fallback.isHeld!(name)
      try {
        // A request still waiting counts: it is held the moment the lock manager gets to it.
        const { held = [], pending = [] } = await webLocks.query()
        return [...held, ...pending].some((lock) => lock.name === name)
      } catch {
        return fallback.isHeld!(name)
      }
    },
  }
}

/** An in-process lock manager. Share one instance between stores to simulate tabs in unit tests. */
export function createMemoryLocks(): Locks {
  const tails = new Map<string, Promise<unknown>>()
  return {
    request(name, task) {
      const previous = tails.get(name) ?? Promise.resolve()
      const run = previous.then(task, task)
      const tail = run.catch(() => {})
      tails.set(name, tail)
      void tail.then(() => {
        if (tails.get(name) === tail) tails.delete(name)
      })
      return run
    },
    isHeld: async (name) => tails.has(name),
  }
}

const fallback = createMemoryLocks()
