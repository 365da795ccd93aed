import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually } from './tabs'

/**
 * useIdlePrompt (fixtures/idle-prompt-page.tsx) in two tabs of one window,
 * only the front one visible. Activity is written at most every 30 s, far
 * longer than the 4 s timeout: "stay signed in" must reach the other tab by
 * itself, not with the next throttled write.
 */
const TIMEOUT = 4000
const PROMPT = 2500
const INTERVAL = 30_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function openApp(harness: BrowserHarness, dbName: string): Promise<Page> {
  const tab = await harness.openTab('prompt')
  await tab.evaluate((options) => window.__prompt.start(options), { dbName, activityWriteIntervalMs: INTERVAL, timeoutMs: TIMEOUT, promptMs: PROMPT })
  return tab
}
const stateOf = (tab: Page) => tab.evaluate(() => window.__prompt.state())
const promptOf = (tab: Page) => tab.evaluate(() => window.__prompt.prompt())

describe.skipIf(!findChromium())('useIdlePrompt across tabs, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { prompt: 'test/browser/fixtures/idle-prompt-page.tsx' }, oneWindow: true })
  })
  afterAll(() => harness?.close())

  it('both tabs prompt; "stay" in one closes the other\'s prompt at once; left alone, both time out and the session is ended once', async () => {
    const dbName = uniqueDbName()
    const front = await openApp(harness, dbName)
    const hidden = await openApp(harness, dbName)
    const tabs = [front, hidden]
    await front.bringToFront()
    const signedInAt = new Date().toISOString()
    await front.evaluate((session) => window.__prompt.signIn(session), makeSession({ lastActivityAt: signedInAt }))
    for (const tab of tabs) await eventually(async () => expect((await stateOf(tab)).status).toBe('authenticated'))
    // A key pressed a little later (activity within a second of the shown one is not news): the tracker's
    // listener records it, written at once, and the 30 s interval starts, which would hold back "stay" below.
    await sleep(1200)
    await front.keyboard.press('Shift')
    const pressed = (await stateOf(front)).lastActivityAt
    expect(Date.parse(pressed!)).toBeGreaterThan(Date.parse(signedInAt))
    await eventually(async () => expect((await stateOf(hidden)).lastActivityAt).toBe(pressed))

    // Both prompt together (the shared activity), counting down from at most the prompt's length.
    for (const tab of tabs) await eventually(async () => expect(await promptOf(tab)).toMatch(/Signing out in [1-3] s/), TIMEOUT)
    // A key, not a click: in this one-window browser the page's hit test misses the button.
    await front.getByText('Stay signed in').press('Enter', { timeout: 1500 })
    // Well inside the second or more the other tab had left: not dismissed, it would have ended the session.
    await eventually(async () => expect(await promptOf(hidden)).toBeNull(), 1000)
    expect(await promptOf(front)).toBeNull()
    const kept = Date.parse((await stateOf(front)).lastActivityAt!)
    expect(Date.parse((await stateOf(hidden)).lastActivityAt!)).toBe(kept)

    // The user is gone: both prompt again, then both time out, one tombstone between them.
    for (const tab of tabs) await eventually(async () => expect(await promptOf(tab)).not.toBeNull(), TIMEOUT)
    await eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', revokeReason: 'idle-timeout' })
    }, TIMEOUT + 3000)
    for (const tab of tabs) expect(await promptOf(tab)).toBeNull()
    expect(Date.now() - kept).toBeGreaterThanOrEqual(TIMEOUT)
    const ends = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__prompt.endsWritten())))
    expect(ends.reduce((a, b) => a + b, 0)).toBe(1)
    await Promise.all(tabs.map((tab) => tab.close()))
  })
})
