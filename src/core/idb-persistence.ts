import { get, type UseStore } from 'idb-keyval'
import { IDB_OPTIONS, checkOptions } from './argument-checks'
import { createIdbConnection } from './idb-connection'
import type { PersistenceDecision, SessionPersistence } from './persistence'

/** Where `createIdbPersistence` keeps the record. */
export interface IdbPersistenceOptions {
  /** IndexedDB database name. Default `authsession`. */
  dbName?: string | undefined
  /** Object store name. Default `sessions`. */
  storeName?: string | undefined
  /** Key of the record. Default `session`. */
  key?: string | undefined
  /** How long opening IndexedDB may take before an operation fails instead of waiting. Default 3000 ms. */
  openTimeoutMs?: number | undefined
}

/**
 * IndexedDB persistence with its own database, so it never meets the app's
 * idb-keyval data, read through idb-keyval and opened on first use (never at
 * import) by idb-connection.ts, which lets the database be deleted and tells
 * the store when it was.
 */
export function createIdbPersistence(options: IdbPersistenceOptions = {}): IdbPersistence {
  checkOptions('createIdbPersistence(options)', options, IDB_OPTIONS, true)
  return idbPersistence(options, true)
}

type IdbPersistence = SessionPersistence & Required<Pick<SessionPersistence, 'watch' | 'close'>>

/** @internal `firstOpenDeadline: false` for a caller that times the first open itself (resilient-persistence.ts). */
export function idbPersistence(options: IdbPersistenceOptions, firstOpenDeadline: boolean): IdbPersistence {
  const key = options.key ?? 'session'
  const quarantineKey = `${key}:quarantine`
  const connection = createIdbConnection(options.dbName ?? 'authsession', options.storeName ?? 'sessions', options.openTimeoutMs ?? 3000, firstOpenDeadline)
  const useStore: UseStore = connection.useStore

  return {
    kind: 'indexeddb',
    read: () => get(key, useStore),
    readQuarantine: () => get(quarantineKey, useStore),
    watch: connection.watch,
    close: connection.close,
    update<R>(decide: (current: unknown) => PersistenceDecision<R>): Promise<R> {
      return useStore(
        'readwrite',
        (objectStore) =>
          // The get, the decision and the puts share one readwrite transaction:
          // IndexedDB serialises overlapping readwrite transactions across tabs,
          // which is what makes the generation check a true compare-and-set.
          // Plain callbacks, no await: the transaction must not go idle
          // between the read and the write.
          new Promise<R>((resolve, reject) => {
            const tx = objectStore.transaction
            let result: R
            tx.oncomplete = () => resolve(result)
            tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
            const read = objectStore.get(key)
            read.onsuccess = () => {
              try {
                const decision = decide(read.result)
                result = decision.result
                if (decision.quarantine !== undefined) objectStore.put(decision.quarantine, quarantineKey)
                if ('next' in decision) objectStore.put(decision.next, key)
              } catch (error) {
                reject(error)
                tx.abort()
              }
            }
          }),
      )
    },
  }
}
