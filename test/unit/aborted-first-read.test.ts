import { set, createStore as createIdbStore } from 'idb-keyval'
import { afterEach, describe, expect, it } from 'vitest'
import { createSessionStore } from '../../src/index'
import { makeSession, uniqueDbName } from '../support/sessions'
import { startedStore, stopStartedStores } from '../support/started-store'

/**
 * The first read of the default persistence aborted under it (site data
 * cleared as the tab starts: the browser closes the connection). IndexedDB
 * works, so the read is tried again rather than taken for "unavailable";
 * a read that keeps aborting gives up after a few tries. Real Chromium:
 * test/browser/storage-cleared-at-start.test.ts.
 */
const original = IDBObjectStore.prototype.get
afterEach(() => {
  IDBObjectStore.prototype.get = original
  stopStartedStores()
})

/** Aborts the transaction of the next `times` reads of `dbName` (Infinity: every one); counts them all. */
function abortReads(dbName: string, times: number) {
  const reads = { n: 0 }
  IDBObjectStore.prototype.get = function (this: IDBObjectStore, query: IDBValidKey | IDBKeyRange) {
    const request = original.call(this, query)
    if (this.transaction.db.name === dbName && ++reads.n <= times) this.transaction.abort()
    return request
  }
  return reads
}

describe('the default persistence’s first read, aborted', () => {
  it('is read again: the stored session hydrates from IndexedDB, no fallback to memory', async () => {
    const dbName = uniqueDbName()
    const session = makeSession({ sessionId: 'kept' })
    // A stored record as the store writes it (version 1, generation 3).
    await set('session', { version: 1, generation: 3, ended: false, session }, createIdbStore(dbName, 'sessions'))
    const reads = abortReads(dbName, 2)
    const { store, events } = await startedStore({ dbName })
    expect(reads.n).toBeGreaterThanOrEqual(3)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: 'kept' }, error: null })
    expect(events.map((event) => event.type)).not.toContain('storage-unavailable')
  })

  it('that keeps aborting gives up after 5 tries, long before openTimeoutMs: memory, with storage-unavailable', async () => {
    const dbName = uniqueDbName()
    const reads = abortReads(dbName, Infinity)
    const store = createSessionStore({ dbName, channel: null, openTimeoutMs: 60_000 })
    const unavailable = new Promise((resolve) => store.on((event) => event.type === 'storage-unavailable' && resolve(event)))
    store.start()
    await unavailable
    await store.whenHydrated()
    expect(reads.n).toBe(5)
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-unavailable' } })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect(reads.n).toBe(5) // and stops trying
    store.destroy()
  })
})
