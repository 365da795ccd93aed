import { DEFAULT_PERSISTENCE_OPTIONS, checkOptions } from './argument-checks'
import { systemClock, type Clock } from './clock'
import { StorageError } from './errors'
import { idbPersistence, type IdbPersistenceOptions } from './idb-persistence'
import { createMemoryPersistence, type SessionPersistence } from './persistence'

/** `createDefaultPersistence`'s options: IndexedDB's, and what to do when it cannot be used. */
export interface ResilientPersistenceOptions extends IdbPersistenceOptions {
  /** Called once when IndexedDB cannot be used and memory takes over. */
  onUnavailable?: ((error: StorageError) => void) | undefined
  /**
   * Called once if IndexedDB answers after all, later than `openTimeoutMs`:
   * from then on it is used again.
   */
  onRecovered?: (() => void) | undefined
  /** Timers for the open timeout (the store passes its own clock). Default: the system clock. */
  clock?: Clock | undefined
}

/**
 * IndexedDB when it works, memory when it does not: missing (server, old
 * engines), throwing on open (Firefox private mode), or never answering
 * (seen in Safari private mode and after some upgrades). The check runs on
 * first use, so creating a store stays free of side effects.
 */
export function createDefaultPersistence(options: ResilientPersistenceOptions = {}): SessionPersistence {
  checkOptions('createDefaultPersistence(options)', options, DEFAULT_PERSISTENCE_OPTIONS, true)
  const timeoutMs = options.openTimeoutMs ?? 3000
  let chosen: Promise<SessionPersistence> | undefined
  // The probe is a real read; hand its answer to the first read() instead of
  // reading twice on the start-up path (hydration). Any write voids it.
  let probed: { value: unknown } | null = null
  // Writes started so far: a probe answer that a write may have overtaken is not handed out.
  let writes = 0
  // What operations use once chosen; it moves from memory back to IndexedDB if a slow open answers late.
  let active: SessionPersistence | undefined
  // Made now, opened on first use (creating it touches no browser global): its connection is watched and closed from here.
  // Its first open is timed here (memory meanwhile, rejoined if it answers late), not failed by the connection.
  const idb = idbPersistence(options, false)

  const choose = async (forRead = false): Promise<SessionPersistence> => {
    chosen ??= probe(forRead).then(
      (opened) => (active = opened),
      (cause: unknown) => {
        const error = new StorageError(
          'storage-unavailable',
          `IndexedDB is unavailable (${describe(cause)}); the session is kept in memory for this tab only`,
          { cause },
        )
        options.onUnavailable?.(error)
        return (active = createMemoryPersistence(new Map(), options.key))
      },
    )
    await chosen
    return active!
  }

  const probe = async (forRead: boolean): Promise<SessionPersistence> => {
    if (typeof indexedDB === 'undefined' || indexedDB === null) throw new Error('indexedDB is not defined')
    const writesAtStart = writes
    const clock = options.clock ?? systemClock
    const read = readThroughAborts(idb, clock)
    let timer: unknown
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        reject(new Error(`open did not answer within ${timeoutMs} ms`))
        // A slow disk or a busy browser at start-up is not a broken IndexedDB:
        // if the open answers after all, this tab rejoins the shared record
        // instead of staying alone (and looking signed out) until reloaded.
        read.then(
          () => {
            active = idb
            options.onRecovered?.()
          },
          () => {},
        )
      }, timeoutMs)
    })
    try {
      const value = await Promise.race([read, timeout])
      // Only for the read that asked, and only if no write can have overtaken it.
      if (forRead && writes === writesAtStart) probed = { value }
    } finally {
      clock.clearTimeout(timer)
    }
    return idb
  }

  return {
    get kind() {
      return 'default'
    },
    read: async () => {
      const persistence = await choose(true)
      const first = probed
      probed = null
      return first ? first.value : persistence.read()
    },
    readQuarantine: async () => (await choose()).readQuarantine(),
    watch: (listener) => idb.watch(listener),
    close: () => idb.close(),
    update: async (decide) => {
      writes += 1
      probed = null
      return (await choose()).update(decide)
    },
  }
}

/**
 * The probe's read. An aborted transaction means IndexedDB opened and works:
 * site data cleared (or storage evicted) as the tab starts closes the
 * connection under the read. Taken for "unavailable", it left the tab on
 * memory until reloaded, deaf to the other tabs. So it reads again, on a new
 * connection (Chromium takes a reopen some 20 ms after a forced close).
 */
async function readThroughAborts(idb: SessionPersistence, clock: Clock): Promise<unknown> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await idb.read()
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== 'AbortError' || attempt >= 4) throw error
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 25 * 2 ** attempt))
    }
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message || cause.name
  return String(cause)
}
