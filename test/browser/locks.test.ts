import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, type BrowserHarness } from '../support/browser-harness'
import { startTabHarness } from './tabs'

/**
 * The default Locks over real Web Locks, across real tabs: what lets a tab
 * see that another holds refreshed tokens it could not store (the
 * "…:unsaved" flag) and put off its own refresh.
 */
describe.skipIf(!findChromium())('Web Locks through the default Locks, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startTabHarness()
  })
  afterAll(() => harness?.close())

  it('a lock held in one tab is seen as held from another, and free once released', async () => {
    const [a, b] = await Promise.all([harness.openTab('tab'), harness.openTab('tab')])
    const name = `authsession:refresh:test:session:unsaved:${Math.random().toString(36).slice(2)}`
    expect(await b.evaluate((n) => window.__tab.lockHeld(n), name)).toBe(false)
    await a.evaluate((n) => window.__tab.holdLock(n), name)
    expect(await b.evaluate((n) => window.__tab.lockHeld(n), name)).toBe(true)
    // Another name is not held back.
    expect(await b.evaluate((n) => window.__tab.lockHeld(`${n}:other`), name)).toBe(false)
    await a.evaluate((n) => window.__tab.releaseLock(n), name)
    await expect.poll(() => b.evaluate((n) => window.__tab.lockHeld(n), name)).toBe(false)
    await Promise.all([a.close(), b.close()])
  })

  it('a tab that closes lets its lock go: a dead tab never holds the others back', async () => {
    const [a, b] = await Promise.all([harness.openTab('tab'), harness.openTab('tab')])
    const name = `authsession:refresh:test:session:unsaved:${Math.random().toString(36).slice(2)}`
    await a.evaluate((n) => window.__tab.holdLock(n), name)
    expect(await b.evaluate((n) => window.__tab.lockHeld(n), name)).toBe(true)
    await a.close()
    await expect.poll(() => b.evaluate((n) => window.__tab.lockHeld(n), name)).toBe(false)
    await b.close()
  })
})
