import { createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionStore, type SessionStoreOptions, type TabChannel } from '../../src/index'

/** Stores made by startedTab(); destroy them in afterEach with destroyTabs(). */
const made: SessionStore[] = []
export const destroyTabs = () => made.splice(0).forEach((store) => store.destroy())

export const noWake = { subscribe: () => () => {} }

/** A tab's store on injected parts: no tab channel and no wake-ups unless given; started and hydrated. */
export async function startedTab(options: SessionStoreOptions) {
  const store = createSessionStore({ channel: null, wake: noWake, ...options })
  made.push(store)
  const stop = store.start()
  await store.whenHydrated()
  return { store, stop }
}

/** An in-process stand-in for BroadcastChannel: every channel it makes reaches the others, asynchronously, never itself. */
export function bus(): () => TabChannel {
  const listeners = new Set<(data: unknown) => void>()
  return () => {
    const own = new Set<(data: unknown) => void>()
    return {
      post: (message) => setTimeout(() => [...listeners].filter((l) => !own.has(l)).forEach((l) => l(structuredClone(message))), 0),
      subscribe(listener) {
        own.add(listener)
        listeners.add(listener)
        return () => (own.delete(listener), listeners.delete(listener))
      },
      close() {},
    }
  }
}

/** Persistence whose writes fail with a quota error while `disk.full`; counts write attempts. */
export function failable(inner: SessionPersistence) {
  const disk = { full: false, attempts: 0 }
  const persistence: SessionPersistence = {
    kind: 'failable',
    read: () => inner.read(),
    readQuarantine: () => inner.readQuarantine(),
    update: (decide) => {
      disk.attempts += 1
      return disk.full ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : inner.update(decide)
    },
  }
  return { persistence, disk }
}

/** Persistence whose first `n` reads throw (a lost IndexedDB connection); later ones read `inner`. */
export function failingReads(inner: SessionPersistence, n = 1): SessionPersistence {
  let left = n
  return {
    ...inner,
    read: async () => {
      if (left-- > 0) throw new DOMException('Connection to Indexed Database server lost', 'UnknownError')
      return inner.read()
    },
  }
}

/** Registers a store made by hand, so destroyTabs() destroys it too. */
export function trackTab(store: SessionStore): SessionStore {
  made.push(store)
  return store
}

/**
 * Another tab's logout announcement for the record stored in `shared` (its
 * generation and epoch), as a tab posts it before writing its tombstone.
 * Posted on `channel`; tests use it for a tab that then closes unwritten.
 */
export function announceLogout(channel: TabChannel, shared: Map<string, unknown>, revokedAtMs: number, tabId = 'closing-tab'): void {
  const { generation, epoch } = shared.get('session') as { generation: number; epoch?: string }
  channel.post({ v: 1, type: 'ending', generation, epoch, tabId, revokeReason: 'user-logout', revokedAt: new Date(revokedAtMs).toISOString() })
}

/** Memory storage whose first `n` writes of a refresh answer abort (a transient IndexedDB error). */
export function refreshWritesAbort(shared: Map<string, unknown>, n: number) {
  const memory = createMemoryPersistence(shared)
  const counts = { left: n, attempts: 0 }
  const persistence: SessionPersistence = {
    ...memory,
    update: async (decide) => {
      const probe = decide(shared.get('session')) as { next?: { reason?: string } }
      if (probe.next?.reason === 'refresh') {
        counts.attempts += 1
        if (counts.left-- > 0) throw new DOMException('The transaction was aborted', 'AbortError')
      }
      return memory.update(decide)
    },
  }
  return { persistence, counts }
}
