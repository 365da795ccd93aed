import { checkOptions } from './argument-checks'

/** What `decide` answers in `SessionPersistence.update`. */
export interface PersistenceDecision<R> {
  /** The value to store under the key; leave out to write nothing. */
  next?: unknown
  /** A value to keep under the quarantine key (a corrupt record, kept for diagnosis). */
  quarantine?: unknown
  result: R
}

/**
 * Where the session record lives. One key, raw values: decoding and the
 * generation rules live in stored-record.ts and held-record.ts, so every
 * backend gets them for free.
 */
export interface SessionPersistence {
  /** A human-readable name for diagnostics ('indexeddb', 'memory'). */
  readonly kind: string
  /** The stored value, undefined if none. */
  read(): Promise<unknown>
  /**
   * Reads the current value and writes what `decide` returns, atomically: no
   * other writer (in this tab or another) can come between the read and the
   * write. `decide` must be synchronous.
   */
  update<R>(decide: (current: unknown) => PersistenceDecision<R>): Promise<R>
  /** Reads what was quarantined, if anything. */
  readQuarantine(): Promise<unknown>
  /**
   * Optional: calls `listener` when what is stored may have changed with no
   * write a tab could announce (the database deleted, or closed by the
   * browser as site data was cleared); the store then reads again. Returns
   * the unsubscribe.
   */
  watch?(listener: () => void): () => void
  /** Optional: lets go of connections while the store is stopped; the next use opens them again. */
  close?(): void
}

/**
 * In-memory persistence: the fallback when IndexedDB is missing, and a fast
 * double for unit tests. Instances created with the same `shared` map see each
 * other's writes, like two tabs on one database.
 */
export function createMemoryPersistence(shared: Map<string, unknown> = new Map(), key = 'session'): SessionPersistence {
  checkOptions('createMemoryPersistence(shared)', shared, ['get', 'set'])
  checkOptions('createMemoryPersistence(shared, key)', key, 'string')
  return {
    kind: 'memory',
    read: async () => shared.get(key),
    readQuarantine: async () => shared.get(`${key}:quarantine`),
    update: async (decide) => {
      const decision = decide(shared.get(key))
      if (decision.quarantine !== undefined) shared.set(`${key}:quarantine`, decision.quarantine)
      if ('next' in decision) shared.set(key, decision.next)
      return decision.result
    },
  }
}
