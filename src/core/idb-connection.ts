import type { UseStore } from 'idb-keyval'
import { MAX_TIMER_DELAY } from './clock'

export interface IdbConnection {
  /** idb-keyval's custom-store function: runs `callback` on the object store in a new transaction. */
  useStore: UseStore
  /** Calls `listener` when the stored data may have gone without a write this tab could see (see below). */
  watch(listener: () => void): () => void
  /**
   * Lets go of the connection: now, or once the operations still running
   * settle. Until the next watch(), an operation opens it for itself only.
   */
  close(): void
}

// After a forced close: first retry soon (Chromium refuses an open in the same task, accepts one 20 ms later), then at most every 2 s.
const reopenDelay = (attempt: number) => Math.min(25 * 2 ** attempt, 2000)

/**
 * One database connection, opened on first use, that never stands in the
 * way of the database going away. idb-keyval's own `createStore` keeps its
 * connection open through a `versionchange`, so an app's
 * `indexedDB.deleteDatabase` (a "clear local data" button) stayed blocked
 * while any tab was open, and every tab opened after it queued behind the
 * delete until its open timed out and fell back to memory: signed out,
 * deaf to the other tabs. Here a `versionchange` closes the connection at
 * once, and a `close` from the browser (site data cleared, storage evicted)
 * drops it; either way the watchers are told once the database opens again,
 * so the tabs read again and follow what storage now holds.
 *
 * An open that does not answer within `openTimeoutMs` (queued behind a delete
 * that another connection blocks, e.g. a tab of an earlier release) fails the
 * operation instead of hanging it: the store keeps the change in memory and
 * offers it again. The open stays queued; when it answers, the watchers are told.
 */
export function createIdbConnection(dbName: string, storeName: string, openTimeoutMs: number, firstOpenDeadline = true): IdbConnection {
  let opened: Promise<IDBDatabase> | undefined
  const watchers = new Set<() => void>()
  // close() was called and no watch() since: each operation's connection is closed once none is running.
  let released = false
  let running = 0
  let openedBefore = false
  // The open that answered: operations on it need no deadline (and no timer each).
  let ready: Promise<IDBDatabase> | undefined
  // The queued open whose answer the watchers wait for (after an operation timed out on it).
  let tellWhenOpen: Promise<IDBDatabase> | undefined
  const tell = () => watchers.forEach((listener) => listener())
  const watched = () => !released && watchers.size > 0

  const tellOnceOpen = (attempt = 0) => {
    if (!watched()) return // stopped: nothing to tell, and no connection to keep open
    const opening = open()
    tellWhenOpen = opening
    opening.then(
      () => (watched() ? tell() : closeIfIdle()),
      () => void setTimeout(() => tellOnceOpen(attempt + 1), reopenDelay(attempt)),
    )
  }

  const open = (): Promise<IDBDatabase> => {
    if (opened) return opened
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(dbName)
      request.onupgradeneeded = () => request.result.createObjectStore(storeName)
      request.onerror = () => reject(request.error)
      request.onsuccess = () => {
        const db = request.result
        openedBefore = true
        ready = opening
        const drop = () => {
          if (opened === opening) opened = undefined
        }
        db.onversionchange = () => {
          db.close()
          drop()
          tellOnceOpen()
        }
        db.onclose = () => {
          drop()
          tellOnceOpen()
        }
        resolve(db)
        closeIfIdle() // stopped while it waited
      }
    })
    opened = opening
    opening.catch(() => {
      if (opened === opening) opened = undefined
    })
    return opening
  }

  const openInTime = (): Promise<IDBDatabase> => {
    const opening = open()
    // Only an open waiting on IndexedDB gets a deadline. The default
    // persistence leaves the first open to its own timeout (it falls back to
    // memory, then rejoins: resilient-persistence.ts); without that caller, a
    // first open queued behind a blocked delete left the tab loading.
    if (opening === ready || (!openedBefore && !firstOpenDeadline)) return opening
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      // setTimeout fires at once past 2^31-1 ms: a longer openTimeoutMs (Infinity, "no deadline") waits as long as it can.
      timer = setTimeout(() => {
        reject(new DOMException(`IndexedDB open did not answer within ${openTimeoutMs} ms`, 'TimeoutError'))
        // Still queued: once it answers, storage may hold something else than this tab knows.
        // Once per open: every operation times out on the same one, maybe for days (a write retried each minute).
        if (tellWhenOpen === opening) return
        tellWhenOpen = opening
        opening.then(() => tellOnceOpen(), () => {})
      }, Math.min(openTimeoutMs, MAX_TIMER_DELAY))
    })
    return Promise.race([opening, late]).finally(() => clearTimeout(timer))
  }

  const closeIfIdle = () => {
    if (running > 0 || !released) return
    const closing = opened
    // An open still waiting (queued behind a blocked delete) is kept for the next start, and closed
    // when it answers if still unused: dropped, each stop and start queued one more request.
    if (closing && closing !== ready) return
    opened = undefined
    // Transactions already running finish first (IndexedDB's close waits for them).
    void closing?.then((db) => db.close(), () => {})
  }

  // The callback runs right where its transaction is made, so nothing can let it commit in between. A
  // connection the browser closed before its close event reached us throws InvalidStateError: open anew, once.
  const useStore: UseStore = async (mode, callback) => {
    running += 1
    try {
      const db = await openInTime()
      // Another database of that name (one of the app's own): never upgraded here, which would break its owner's next open.
      if (!db.objectStoreNames.contains(storeName)) {
        throw new DOMException(`database "${dbName}" exists without the object store "${storeName}" (dbName must name a database of authsession's own)`, 'NotFoundError')
      }
      let store: IDBObjectStore
      try {
        store = db.transaction(storeName, mode).objectStore(storeName)
      } catch (error) {
        if ((error as { name?: unknown } | null)?.name !== 'InvalidStateError') throw error
        if (opened && (await opened.catch(() => null)) === db) opened = undefined
        store = (await openInTime()).transaction(storeName, mode).objectStore(storeName)
      }
      return await callback(store)
    } finally {
      running -= 1
      closeIfIdle()
    }
  }

  return {
    useStore,
    watch(listener) {
      released = false
      watchers.add(listener)
      return () => void watchers.delete(listener)
    },
    close() {
      released = true
      closeIfIdle()
    },
  }
}
