import type { UseStore } from 'idb-keyval'

export interface IdbConnection {
  /** idb-keyval's custom-store function: runs `callback` on the object store in a new transaction. */
  useStore: UseStore
  /** Calls `listener` when the stored data may have gone without a write this tab could see (see below). */
  watch(listener: () => void): () => void
  /** Lets go of the connection; the next use opens it again. */
  close(): void
}

/**
 * One database connection, opened on first use, that never stands in the
 * way of the database going away. idb-keyval's own `createStore` keeps its
 * connection open through a `versionchange`, so an app's
 * `indexedDB.deleteDatabase` (a "clear local data" button) stayed blocked
 * while any tab was open, and every tab opened after it queued behind the
 * delete until its open timed out and fell back to memory: signed out,
 * deaf to the other tabs. Here a `versionchange` closes the connection at
 * once, and a `close` from the browser (site data cleared, storage evicted)
 * drops it; either way the watchers are told, so the tabs read again (on a
 * fresh connection, after the delete) and follow what storage now holds.
 */
export function createIdbConnection(dbName: string, storeName: string): IdbConnection {
  let opened: Promise<IDBDatabase> | undefined
  const watchers = new Set<() => void>()
  const tell = () => watchers.forEach((listener) => listener())

  // Right after the browser closed the connection (site data cleared), an
  // open fails too ("The connection was closed"; measured in Chromium: at
  // once and in the same task it fails, 20 ms later it works): the watchers
  // are told once it opens again, so their read finds what storage now holds.
  const tellOnceOpen = (attempt = 0) => {
    if (watchers.size === 0) return // stopped: nothing to tell, and no connection to keep open
    open().then(tell, () => {
      if (attempt < 6) setTimeout(() => tellOnceOpen(attempt + 1), 25 * 2 ** attempt)
    })
  }

  const open = (): Promise<IDBDatabase> => {
    if (opened) return opened
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName)
      request.onupgradeneeded = () => request.result.createObjectStore(storeName)
      request.onerror = () => reject(request.error)
      request.onsuccess = () => {
        const db = request.result
        const drop = () => {
          if (opened === opening) opened = undefined
        }
        db.onversionchange = () => {
          db.close()
          drop()
          tell()
        }
        db.onclose = () => {
          drop()
          tellOnceOpen()
        }
        resolve(db)
      }
    })
    opened = opening
    opening.catch(() => {
      if (opened === opening) opened = undefined
    })
    return opening
  }

  // The callback runs right where its transaction is made, so nothing can let it commit in between. A
  // connection the browser closed before its close event reached us throws InvalidStateError: open anew, once.
  const useStore: UseStore = async (mode, callback) => {
    const db = await open()
    let store: IDBObjectStore
    try {
      store = db.transaction(storeName, mode).objectStore(storeName)
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name !== 'InvalidStateError') throw error
      if (opened && (await opened.catch(() => null)) === db) opened = undefined
      store = (await open()).transaction(storeName, mode).objectStore(storeName)
    }
    return callback(store)
  }

  return {
    useStore,
    watch(listener) {
      watchers.add(listener)
      return () => void watchers.delete(listener)
    },
    close() {
      const closing = opened
      opened = undefined
      // Transactions already running finish first (IndexedDB's close waits for them).
      void closing?.then((db) => db.close(), () => {})
    },
  }
}
