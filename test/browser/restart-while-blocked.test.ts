import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'

/** Counts IndexedDB open requests that have not answered yet (runs before the page's scripts). */
function countPendingOpens() {
  let pending = 0
  const nativeOpen = IDBFactory.prototype.open
  IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    const request = nativeOpen.apply(this, args)
    pending += 1
    const answered = () => (pending -= 1)
    request.addEventListener('success', answered, { once: true })
    request.addEventListener('error', answered, { once: true })
    return request
  }
  ;(window as unknown as { __pendingOpens: () => number }).__pendingOpens = () => pending
}
const pendingOpens = (page: Page) => page.evaluate(() => (window as unknown as { __pendingOpens: () => number }).__pendingOpens())

/**
 * A tab of an earlier release keeps a connection through a delete, so every
 * open queues behind it, maybe for days. A store stopped and started meanwhile
 * (a `<SessionProvider store={store}>` in a route that remounts) must not
 * queue one more open request each time.
 */
describe.skipIf(!findChromium())('a store restarted while a database delete is blocked, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { lib: 'test/browser/fixtures/lib-page.ts' } })
    await harness.context.addInitScript(countPendingOpens)
  })
  afterAll(() => harness?.close())

  it('keeps one open request queued, not one per restart, and uses storage once the delete goes through', async () => {
    const dbName = uniqueDbName()
    const [page, old] = [await harness.openTab('lib'), await harness.openTab('lib')]
    await page.evaluate(async ([db, s]) => {
      const store = window.__lib.createSessionStore({ dbName: db, openTimeoutMs: 50 })
      ;(window as unknown as { __store: typeof store }).__store = store
      const stop = store.start()
      await store.signIn(s)
      stop()
    }, [dbName, makeSession()] as const)
    // The old tab: holds its connection through versionchange, so its own delete waits behind it.
    await old.evaluate(async (db) => {
      const w = window as unknown as { blocker: IDBDatabase; deleted: Promise<unknown> }
      w.blocker = await new Promise((resolve) => {
        const request = indexedDB.open(db)
        request.onsuccess = () => resolve(request.result)
      })
      w.deleted = new Promise((resolve) => (indexedDB.deleteDatabase(db).onsuccess = resolve))
    }, dbName)
    await page.evaluate(async () => {
      const store = (window as unknown as { __store: ReturnType<typeof window.__lib.createSessionStore> }).__store
      for (let i = 0; i < 12; i++) {
        const stop = store.start()
        await store.update({ scopes: [`scope-${i}`] }) // waits openTimeoutMs, then kept in memory
        stop()
        await new Promise((resolve) => setTimeout(resolve, 0)) // the stop lands a microtask late
      }
    })
    expect(await pendingOpens(page)).toBeLessThanOrEqual(1)

    await old.evaluate(async () => {
      const w = window as unknown as { blocker: IDBDatabase; deleted: Promise<unknown> }
      w.blocker.close()
      await w.deleted
    })
    // Storage works again for the stopped store, and nothing is left queued.
    const session = makeSession({ sessionId: 'after-the-delete' })
    await page.evaluate(async (s) => {
      const store = (window as unknown as { __store: ReturnType<typeof window.__lib.createSessionStore> }).__store
      const stop = store.start()
      await store.signIn(s)
      stop()
    }, session)
    const stored = await old.evaluate(async (db) => {
      const reader = window.__lib.createSessionStore({ dbName: db })
      await reader.whenHydrated()
      const id = reader.getState().session?.sessionId
      reader.destroy()
      return id
    }, dbName)
    expect(stored).toBe('after-the-delete')
    expect(await pendingOpens(page)).toBe(0)
    await Promise.all([page.close(), old.close()])
  })
})
