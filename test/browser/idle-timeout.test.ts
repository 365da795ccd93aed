import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually } from './tabs'

/**
 * The README's idle-timeout recipe, built as an app would build it
 * (fixtures/idle-page.ts: recordActivity() on input, end('idle-timeout') once
 * derived().idleMinutes passes the limit, checked every 250 ms), in tabs of
 * one window where only the front tab is visible. Short settings: activity
 * written at most every second, a limit of three.
 */
const INTERVAL = 1000
const LIMIT = 3000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function openApp(harness: BrowserHarness, dbName: string, messages = true): Promise<Page> {
  const tab = await harness.openTab('idle')
  await tab.evaluate((options) => window.__idle.start(options), { dbName, activityWriteIntervalMs: INTERVAL, limitMs: LIMIT, messages })
  return tab
}
const stateOf = (tab: Page) => tab.evaluate(() => window.__idle.state())
/** The user moving the mouse over `tab` (the front tab) every 200 ms for `ms`. */
async function activeIn(tab: Page, ms: number) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    await tab.mouse.move(10 + Math.random() * 100, 10 + Math.random() * 100)
    await sleep(200)
  }
}

describe.skipIf(!findChromium())('the idle-timeout recipe across tabs, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { idle: 'test/browser/fixtures/idle-page.ts' }, oneWindow: true })
  })
  afterAll(() => harness?.close())

  it('no tab signs out while the user is active in another; once the user stops, every tab signs out within the limit and an interval, ending it once', async () => {
    const dbName = uniqueDbName()
    const front = await openApp(harness, dbName)
    const hidden = await openApp(harness, dbName)
    // No tab messages (a browser without BroadcastChannel; a tab frozen meanwhile misses them too): its view of
    // the activity stays where it last read it, so its check finds the user idle while the user is active elsewhere.
    const deaf = await openApp(harness, dbName, false)
    const tabs = [front, hidden, deaf]
    await front.bringToFront()
    await front.evaluate((session) => window.__idle.signIn(session), makeSession({ lastActivityAt: new Date().toISOString() }))
    await deaf.evaluate(() => window.dispatchEvent(new Event('focus'))) // it reads the sign-in

    await activeIn(front, LIMIT)
    // The user switches tabs and carries on there: the tab left behind writes what it held back.
    await hidden.bringToFront()
    await activeIn(hidden, INTERVAL * 2)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    // The deaf tab did find the user idle (on what it last read), and its end was refused.
    expect((await deaf.evaluate(() => window.__idle.decisions())).length).toBeGreaterThan(0)
    expect(await hidden.evaluate(() => window.__idle.decisions())).toEqual([])

    // The user stops.
    const last = Date.parse((await stateOf(hidden)).lastActivityAt!)
    await eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', revokeReason: 'idle-timeout' })
    }, LIMIT + INTERVAL + 3000)
    for (const tab of tabs) {
      const signedOutAt = (await tab.evaluate(() => window.__idle.signedOutAt()))!
      expect(signedOutAt - last).toBeGreaterThan(LIMIT - INTERVAL)
      expect(signedOutAt - last).toBeLessThan(LIMIT + INTERVAL + 500)
    }
    await sleep(500)
    let ends = 0
    for (const tab of tabs) {
      expect((await stateOf(tab)).status).toBe('unauthenticated') // none brings it back
      ends += await tab.evaluate(() => window.__idle.endsWritten())
    }
    expect(ends).toBe(1)
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  // A frozen page still gets tab messages here, but not its IndexedDB answers: a read it started then held its
  // transaction open until it resumed, and every other tab's write queued behind it. The front tab's activity
  // was not stored, and a background tab signed the user out.
  it('a frozen background tab does not stop the active tab writing its activity', async () => {
    const dbName = uniqueDbName()
    const front = await openApp(harness, dbName)
    const hidden = await openApp(harness, dbName)
    const frozen = await openApp(harness, dbName)
    await front.bringToFront()
    await front.evaluate((session) => window.__idle.signIn(session), makeSession({ lastActivityAt: new Date().toISOString() }))
    await eventually(async () => expect((await stateOf(frozen)).status).toBe('authenticated'))
    const cdp = await harness.context.newCDPSession(frozen)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })

    await activeIn(front, LIMIT + 2 * INTERVAL)
    for (const tab of [front, hidden]) expect((await stateOf(tab)).status).toBe('authenticated')
    // The hidden tab sees the activity at most an interval late (and the second a shown time may lag, and the read).
    const seen = Date.parse((await stateOf(hidden)).lastActivityAt!)
    expect(Date.parse((await stateOf(front)).lastActivityAt!) - seen).toBeLessThanOrEqual(INTERVAL + 1300)

    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    await activeIn(front, 600)
    await eventually(async () => expect(Date.parse((await stateOf(frozen)).lastActivityAt!)).toBeGreaterThanOrEqual(seen))
    for (const tab of [front, hidden, frozen]) expect((await stateOf(tab)).status).toBe('authenticated')
    await Promise.all([front, hidden, frozen].map((tab) => tab.close()))
  })
})
