import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually, openTabs, rawRecord, reloadFrom, signIn, startTab, startTabHarness, stateOf } from './tabs'

/**
 * Activity is written at most once per interval (60 s here, the default); the
 * last of a burst is held back, and written when the tab hides or leaves. A
 * reload starts that write as the page unloads, but the write is a read then
 * a put: the page is gone before the read answers. The other tabs' idle view
 * stayed up to an interval old (before the fix, 10 of 10 reloads lost it).
 */
const activity = (tab: Page) => tab.evaluate(() => window.__tab.activity())
const shownIn = async (tab: Page) => (await stateOf(tab)).session?.lastActivityAt
const storedIn = async (tab: Page, dbName: string) => ((await rawRecord(tab, dbName)) as { session?: { lastActivityAt?: string } } | undefined)?.session?.lastActivityAt
const activityWrites = (tab: Page) =>
  tab.evaluate(() => window.__tab.events().filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!findChromium())('activity across a reload of the active tab, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startTabHarness()
  })
  afterAll(() => harness?.close())

  async function signedInPair() {
    const dbName = uniqueDbName()
    const [a, b] = (await openTabs(harness, 2, dbName, false)) as [Page, Page]
    await signIn(a, makeSession())
    await eventually(async () => expect((await stateOf(b)).status).toBe('authenticated'))
    return { dbName, a, b }
  }

  it('activity held back when the tab is reloaded is stored, and every tab shows it (10 tries)', async () => {
    for (let i = 0; i < 10; i += 1) {
      const { dbName, a, b } = await signedInPair()
      const written = await activity(a)
      await eventually(async () => expect(await shownIn(b)).toBe(written))
      await sleep(1100) // shown activity moves in whole seconds
      const heldBack = await activity(a)
      expect(heldBack).not.toBe(written)
      expect(await storedIn(b, dbName)).toBe(written) // held back: not written yet
      await a.reload()
      await startTab(a, dbName, false)
      await eventually(async () => {
        expect(await storedIn(b, dbName)).toBe(heldBack)
        expect(await shownIn(b)).toBe(heldBack)
        expect(await shownIn(a)).toBe(heldBack)
      }, 2000)
      await Promise.all([a.close(), b.close()])
    }
  })

  // The key that reloads (F5) is user input too: its activity's write begins at once, and the page goes.
  it('activity whose write began just before the page reloaded is stored (5 tries)', async () => {
    for (let i = 0; i < 5; i += 1) {
      const { dbName, a, b } = await signedInPair()
      await sleep(1100)
      // What the page showed, kept where its next page finds it (the evaluate's answer may not come back).
      await reloadFrom(a, () =>
        a.evaluate(() => {
          sessionStorage.setItem('test:shown', String(window.__tab.activity()))
          location.reload()
        }),
      )
      await startTab(a, dbName, false)
      const shown = await a.evaluate(() => sessionStorage.getItem('test:shown'))
      expect(shown).toMatch(/^\d{4}-/)
      await eventually(async () => expect(await storedIn(b, dbName)).toBe(shown), 2000)
      await Promise.all([a.close(), b.close()])
    }
  })

  it('nothing held back: the reloaded page writes nothing', async () => {
    const { dbName, a, b } = await signedInPair()
    await activity(a) // written at once
    await sleep(300)
    const stored = await storedIn(b, dbName)
    await a.reload()
    await startTab(a, dbName, false)
    await sleep(300)
    expect(await activityWrites(a)).toBe(0)
    expect(await storedIn(b, dbName)).toBe(stored)
    await Promise.all([a.close(), b.close()])
  })
})
