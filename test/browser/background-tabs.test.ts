import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { endSession, eventually, openTabs, rawRecord, renderedStatus, signIn, startTab, startTabHarness, stateOf } from './tabs'

/**
 * Tabs of one window, as a user has them: only the front tab is visible; the
 * others are hidden and draw nothing. The other browser suites see every page
 * as visible (playwright's default), so they cannot show that changes reach
 * background tabs, or that a tab brought to the front catches up on its own.
 */
const visibility = (tabs: Page[]) => Promise.all(tabs.map((tab) => tab.evaluate(() => document.visibilityState)))

describe.skipIf(!findChromium())('background tabs of one window, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startTabHarness({ oneWindow: true })
  })
  afterAll(() => harness?.close())

  it('sign-in and logout made in the front tab reach the hidden tabs and their rendered trees', async () => {
    const tabs = await openTabs(harness, 4, uniqueDbName())
    await tabs[0]!.bringToFront()
    expect(await visibility(tabs)).toEqual(['visible', 'hidden', 'hidden', 'hidden'])

    const session = makeSession()
    await signIn(tabs[0]!, session)
    await eventually(async () => {
      for (const tab of tabs) expect(await renderedStatus(tab)).toBe('authenticated')
    })

    await endSession(tabs[0]!, 'user-logout')
    const writer = await stateOf(tabs[0]!)
    expect(writer.status).toBe('unauthenticated')
    await eventually(async () => {
      for (const tab of tabs) {
        expect(await stateOf(tab)).toEqual(writer)
        expect(await renderedStatus(tab)).toBe('unauthenticated')
      }
    })
    // Still hidden: nothing above needed the tabs to be shown.
    expect(await visibility(tabs)).toEqual(['visible', 'hidden', 'hidden', 'hidden'])
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('a hidden tab without tab messages catches up when it is brought to the front', async () => {
    const dbName = uniqueDbName()
    const front = await harness.openTab('tab')
    await startTab(front, dbName)
    const behind = await harness.openTab('tab')
    // No channel: only the wake-ups (here visibilitychange and focus, both fired
    // by coming to the front) can bring it other tabs' changes.
    await startTab(behind, dbName, true, false)
    await front.bringToFront()
    expect(await visibility([front, behind])).toEqual(['visible', 'hidden'])

    const settle = () => new Promise((resolve) => setTimeout(resolve, 300))
    await signIn(front, makeSession())
    await settle()
    // Hidden and unmessaged, it still shows what it read at start.
    expect(await renderedStatus(behind)).toBe('unauthenticated')
    await behind.bringToFront()
    expect(await visibility([front, behind])).toEqual(['hidden', 'visible'])
    await eventually(async () => {
      expect(await stateOf(behind)).toEqual(await stateOf(front))
      expect(await renderedStatus(behind)).toBe('authenticated')
    })

    // And the other way: a logout it missed while hidden.
    await front.bringToFront()
    await endSession(front, 'user-logout')
    await settle()
    expect(await renderedStatus(behind)).toBe('authenticated')
    await behind.bringToFront()
    await eventually(async () => {
      expect(await stateOf(behind)).toEqual(await stateOf(front))
      expect(await renderedStatus(behind)).toBe('unauthenticated')
    })
    await Promise.all([front.close(), behind.close()])
  })

  // Activity is written at most once a minute; the rest of a burst is held back
  // on a timer. A tab the user leaves may never run it (closed, or frozen in
  // the background), and the other tabs' idle time would run up to a minute ahead.
  it('activity held back in a tab is written when the user switches away from it, and when it is closed', async () => {
    const [first, second] = await openTabs(harness, 2, uniqueDbName())
    const activity = (tab: Page) => tab.evaluate(() => window.__tab.activity())
    const shownIn = async (tab: Page) => (await stateOf(tab)).session?.lastActivityAt
    await first!.bringToFront()
    await signIn(first!, makeSession())
    await eventually(async () => expect((await stateOf(second!)).status).toBe('authenticated'))
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1100))

    const written = await activity(first!)
    await eventually(async () => expect(await shownIn(second!)).toBe(written))
    await pause()
    const heldBack = await activity(first!)
    expect(heldBack).not.toBe(written)
    await pause()
    expect(await shownIn(second!)).toBe(written) // held back: not written yet
    await second!.bringToFront()
    await eventually(async () => expect(await shownIn(second!)).toBe(heldBack))

    await activity(second!)
    await pause()
    const last = await activity(second!)
    await pause()
    expect(await shownIn(first!)).not.toBe(last)
    await second!.close()
    await eventually(async () => expect(await shownIn(first!)).toBe(last))
    await first!.close()
  })

  // Closed, a tab's last write may never land: its page is gone before the
  // write's read answers (a busy machine). Here it is held for sure. The tab
  // hands the activity to the others on the channel as it goes, and one of
  // them stores it: a closed tab has no next page to write it (a reload's does).
  it('activity a closed tab could not store is handed to the other tabs, which store it', async () => {
    const dbName = uniqueDbName()
    const [first, second] = await openTabs(harness, 2, dbName)
    await first!.bringToFront()
    await signIn(first!, makeSession())
    await eventually(async () => expect((await stateOf(second!)).status).toBe('authenticated'))
    const written = await first!.evaluate(() => window.__tab.activity())
    await eventually(async () => expect((await stateOf(second!)).session?.lastActivityAt).toBe(written))
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const last = await first!.evaluate(() => window.__tab.activity())
    expect(last).not.toBe(written)
    await first!.evaluate(() => window.__tab.holdNextWrite()) // its write at closing never lands
    await first!.close()
    await eventually(async () => expect((await stateOf(second!)).session?.lastActivityAt).toBe(last))
    await eventually(async () => expect(((await rawRecord(second!, dbName))?.session as { lastActivityAt?: string } | undefined)?.lastActivityAt).toBe(last))
    await second!.close()
  })
})
