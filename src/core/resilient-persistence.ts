import { StorageError } from './errors'
import { createIdbPersistence, type IdbPersistenceOptions } from './idb-persistence'
import { createMemoryPersistence, type SessionPersistence } from './persistence'

export interface ResilientPersistenceOptions extends IdbPersistenceOptions {
  /** How long opening IndexedDB may take before we give up on it. Default 3000 ms. */
  openTimeoutMs?: number
  /** Called once when IndexedDB cannot be used and memory takes over. */
  onUnavailable?: (error: StorageError) => void
}

/**
 * IndexedDB when it works, memory when it does not: missing (server, old
 * engines), throwing on open (Firefox private mode), or never answering
 * (seen in Safari private mode and after some upgrades). The check runs on
 * first use, so creating a store stays free of side effects.
 */
export function createDefaultPersistence(options: ResilientPersistenceOptions = {}): SessionPersistence {
  const timeoutMs = options.openTimeoutMs ?? 3000
  let chosen: Promise<SessionPersistence> | undefined
  // The probe is a real read; hand its answer to the first read() instead of
  // reading twice on the start-up path (hydration). Any write voids it.
  let probed: { value: unknown } | null = null

  const choose = (): Promise<SessionPersistence> => {
    chosen ??= probe().then(
      (idb) => idb,
      (cause: unknown) => {
        const error = new StorageError(
          'storage-unavailable',
          `IndexedDB is unavailable (${describe(cause)}); the session is kept in memory for this tab only`,
          { cause },
        )
        options.onUnavailable?.(error)
        return createMemoryPersistence(new Map(), options.key)
      },
    )
    return chosen
  }

  const probe = async (): Promise<SessionPersistence> => {
    if (typeof indexedDB === 'undefined' || indexedDB === null) throw new Error('indexedDB is not defined')
    const idb = createIdbPersistence(options)
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`open did not answer within ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      probed = { value: await Promise.race([idb.read(), timeout]) }
    } finally {
      clearTimeout(timer)
    }
    return idb
  }

  return {
    get kind() {
      return 'default'
    },
    read: async () => {
      const persistence = await choose()
      const first = probed
      probed = null
      return first ? first.value : persistence.read()
    },
    readQuarantine: async () => (await choose()).readQuarantine(),
    update: async (decide) => {
      probed = null
      return (await choose()).update(decide)
    },
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message || cause.name
  return String(cause)
}
