import { describe, expect, it } from 'vitest'
import { createIdbPersistence } from '../../src/index'
import { uniqueDbName } from '../support/sessions'

// openTimeoutMs takes any number of ms from 0 up, Infinity among them ("no deadline"), as the argument
// checks let through. setTimeout fires at once for a delay past 2^31-1 ms (Infinity too), so such an
// open must wait as long as the timer can, never time out at once.
describe('an IndexedDB open with a very long openTimeoutMs', () => {
  it.each([[Number.POSITIVE_INFINITY], [2 ** 31], [1e12]])('openTimeoutMs %s waits for an open that answers late', async (openTimeoutMs) => {
    const dbName = uniqueDbName()
    // An open queued behind a delete that another connection blocks for 50 ms.
    const stubborn = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open(dbName)
      request.onsuccess = () => resolve(request.result)
    })
    const deleting = indexedDB.deleteDatabase(dbName)
    await new Promise((resolve) => (deleting.onblocked = resolve))
    const persistence = createIdbPersistence({ dbName, openTimeoutMs })
    setTimeout(() => stubborn.close(), 50)
    await expect(persistence.read()).resolves.toBeUndefined()
    persistence.close?.()
  })
})
