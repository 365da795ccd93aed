import { describe, expect, it } from 'vitest'
import { createIdbConnection } from '../../src/core/idb-connection'
import { uniqueDbName } from '../support/sessions'

const openStubborn = (dbName: string) =>
  new Promise<IDBDatabase>((resolve) => {
    const request = indexedDB.open(dbName)
    request.onsuccess = () => resolve(request.result) // a tab of an earlier release: never closes on versionchange
  })

/**
 * Behind a blocked delete every operation times out on the same queued open
 * (a tab of an earlier release may block it for days while the store retries
 * its writes): what waits for that open must not grow with each timeout.
 */
describe('operations timing out on one queued open', () => {
  it('tell the watchers once when the open answers, however many timed out', async () => {
    const dbName = uniqueDbName()
    const connection = createIdbConnection(dbName, 'sessions', 20)
    let told = 0
    connection.watch(() => (told += 1))
    await connection.useStore('readonly', (store) => new Promise((resolve) => (store.count().onsuccess = resolve)))
    const stubborn = await openStubborn(dbName)
    const deleting = indexedDB.deleteDatabase(dbName)
    const deleted = new Promise((resolve) => (deleting.onsuccess = resolve))
    await new Promise((resolve) => (deleting.onblocked = resolve))

    for (let i = 0; i < 10; i++) {
      const failed = await connection.useStore('readonly', () => Promise.resolve('ran')).catch((error: DOMException) => error.name)
      expect(failed).toBe('TimeoutError')
    }
    stubborn.close()
    await deleted
    await expect.poll(() => told).toBeGreaterThan(0)
    await new Promise((resolve) => setTimeout(resolve, 50))
    // Once for the versionchange that closed it (the open it queued is the one that answered); not once more per timeout.
    expect(told).toBe(1)
    expect(await connection.useStore('readonly', () => Promise.resolve('ran'))).toBe('ran')
    connection.close()
  })
  it('a store started behind a blocked delete and stopped before its open answers lets go of the connection once it does', async () => {
    const dbName = uniqueDbName()
    const stubborn = await openStubborn(dbName)
    const deleting = indexedDB.deleteDatabase(dbName)
    const deleted = new Promise((resolve) => (deleting.onsuccess = resolve))
    await new Promise((resolve) => (deleting.onblocked = resolve))
    const connection = createIdbConnection(dbName, 'sessions', 20)
    const unwatch = connection.watch(() => {})
    // Its first open queues behind the delete; the operation times out on it.
    const opens: IDBOpenDBRequest[] = []
    const open = indexedDB.open.bind(indexedDB)
    indexedDB.open = (name: string, version?: number) => {
      const request = open(name, version)
      opens.push(request)
      return request
    }
    try {
      await expect(connection.useStore('readonly', () => Promise.resolve('ran'))).rejects.toMatchObject({ name: 'TimeoutError' })
    } finally {
      indexedDB.open = open
    }
    expect(opens).toHaveLength(1)
    unwatch()
    connection.close() // the store stops (an unmounted provider): it must hold no connection
    const closed: IDBDatabase[] = []
    const close = IDBDatabase.prototype.close
    IDBDatabase.prototype.close = function (this: IDBDatabase) {
      closed.push(this)
      return close.call(this)
    }
    try {
      stubborn.close()
      await deleted
      await new Promise<void>((resolve) => opens[0]!.addEventListener('success', () => resolve()))
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(closed).toContain(opens[0]!.result)
    } finally {
      IDBDatabase.prototype.close = close
    }
  })
})
