import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { AuthenticationSession } from '../../src/index'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually } from './tabs'

/** Stores built in the page (test/browser/fixtures/lib-page.ts), with the library's default persistence. */
const startStore = (page: Page, dbName: string) =>
  page.evaluate((db) => {
    const w = window as unknown as { __lib: typeof import('../../src/index'); store: import('../../src/index').SessionStore; seen: string[] }
    w.seen = []
    w.store = w.__lib.createSessionStore({ dbName: db })
    w.store.on((event) => w.seen.push('error' in event ? `${event.type}:${event.error.code}` : event.type))
    w.store.start()
    return w.store.whenHydrated().then(() => w.store.getState().status)
  }, dbName)
const stateOf = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { store: import('../../src/index').SessionStore; seen: string[] }
    const { status, session, error } = w.store.getState()
    return { status, sessionId: session?.sessionId, error: error?.code ?? null, seen: w.seen }
  })
const signIn = (page: Page, session: AuthenticationSession) =>
  page.evaluate((s) => (window as unknown as { store: import('../../src/index').SessionStore }).store.signIn(s), session)

/** Site data cleared (CDP Storage.clearDataForOrigin, as the browser's own "delete site data" does) while a tab is starting. */
describe.skipIf(!findChromium())('site data cleared while a tab starts, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { lib: 'test/browser/fixtures/lib-page.ts' } })
  })
  afterAll(() => harness?.close())

  it("the starting tab's first read, aborted by the clear, does not leave it on memory: it follows the next sign-in", async () => {
    // Before: the aborted read counted as "IndexedDB unavailable", so the tab
    // kept its session in memory until reloaded: deaf to every other tab's
    // sign-in and logout, and its own sign-ins never stored.
    const dbName = uniqueDbName()
    const [other, starting] = [await harness.openTab('lib'), await harness.openTab('lib')]
    await startStore(other, dbName)
    await signIn(other, makeSession())
    // Another tab holds the object store in a readwrite transaction, so the
    // starting tab's read waits in IndexedDB's queue until the clear aborts it.
    await other.evaluate(
      (db) =>
        new Promise<void>((held) => {
          const request = indexedDB.open(db)
          request.onsuccess = () => {
            const store = request.result.transaction('sessions', 'readwrite').objectStore('sessions')
            const busy = () => void (store.get('session').onsuccess = busy)
            busy()
            held()
          }
        }),
      dbName,
    )
    const started = startStore(starting, dbName)
    await new Promise((resolve) => setTimeout(resolve, 300)) // its read is queued behind the busy transaction
    const cdp = await starting.context().newCDPSession(starting)
    await cdp.send('Storage.clearDataForOrigin', { origin: harness.origin, storageTypes: 'indexeddb' })
    await cdp.detach()
    expect(await started).toBe('unauthenticated') // storage holds nothing now
    expect((await stateOf(starting)).seen).not.toContain('storage-unavailable:storage-unavailable')

    await signIn(other, makeSession({ sessionId: 'after-the-clear' }))
    await eventually(async () => expect(await stateOf(starting)).toMatchObject({ status: 'authenticated', sessionId: 'after-the-clear', error: null }))
    await Promise.all([other.close(), starting.close()])
  })

  it('createIdbPersistence: a first open queued behind a blocked delete fails after openTimeoutMs instead of leaving the tab loading', async () => {
    // Before: only a reopen had a deadline, so with IndexedDB-only persistence
    // the tab stayed 'loading' (and signIn() pending) for as long as the delete
    // was blocked: a tab of an earlier release holding its connection.
    const dbName = uniqueDbName()
    const [earlier, app, starting] = [await harness.openTab('lib'), await harness.openTab('lib'), await harness.openTab('lib')]
    await earlier.evaluate(
      (db) =>
        new Promise<void>((opened) => {
          const request = indexedDB.open(db) // never closed on versionchange, as idb-keyval's own store
          request.onupgradeneeded = () => request.result.createObjectStore('sessions')
          request.onsuccess = () => ((window as unknown as { kept: IDBDatabase }).kept = request.result, opened())
        }),
      dbName,
    )
    await app.evaluate((db) => void indexedDB.deleteDatabase(db), dbName)
    const startedAt = Date.now()
    const hydrated = await starting.evaluate((db) => {
      const w = window as unknown as { __lib: typeof import('../../src/index'); store: import('../../src/index').SessionStore; seen: string[] }
      w.seen = []
      w.store = w.__lib.createSessionStore({ dbName: db, persistence: w.__lib.createIdbPersistence({ dbName: db, openTimeoutMs: 500 }) })
      w.store.on((event) => w.seen.push('error' in event ? `${event.type}:${event.error.code}` : event.type))
      w.store.start()
      const late = new Promise((resolve) => setTimeout(() => resolve('still loading'), 4000))
      return Promise.race([w.store.whenHydrated().then(() => w.store.getState().status), late])
    }, dbName)
    expect(hydrated).toBe('unauthenticated')
    expect(Date.now() - startedAt).toBeLessThan(3000)
    expect(await stateOf(starting)).toMatchObject({ error: 'storage-read-failed' })

    // The earlier tab goes away: the delete goes through, and the tab uses IndexedDB with the others.
    await earlier.close()
    await startStore(app, dbName)
    await signIn(app, makeSession({ sessionId: 'after-the-delete' }))
    await eventually(async () => expect(await stateOf(starting)).toMatchObject({ status: 'authenticated', sessionId: 'after-the-delete', error: null }))
    await Promise.all([app.close(), starting.close()])
  })
})
