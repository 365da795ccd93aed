import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually } from './tabs'

/**
 * A page of the app (fixtures/idle-reopen-page.tsx: a header, an idle prompt
 * beside the guard, protected children) opened on a session an earlier page
 * stored. After the idle timeout with every tab closed, the store reads a
 * record still stored as live: it must never reach the page as signed in.
 * Within the idle time, activity the tab's previous page noted as it
 * unloaded (later than the stored one) must keep the session.
 */
const TIMEOUT = 5000
const PROMPT = 1000
const INTERVAL = 60_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

type Options = { dbName: string; app: boolean }
const open = (tab: Page, { dbName, app }: Options) =>
  tab.evaluate((given) => window.__reopen.open(given), { dbName, app, timeoutMs: TIMEOUT, promptMs: PROMPT, activityWriteIntervalMs: INTERVAL })
const stateOf = (tab: Page) => tab.evaluate(() => window.__reopen.state())
const logOf = (tab: Page) => tab.evaluate(() => window.__reopen.log())
const stored = (tab: Page, dbName: string) => tab.evaluate((db) => window.__reopen.storedActivity(db), dbName)

describe.skipIf(!findChromium())('a page opened on a stored session, idle or not, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { reopen: 'test/browser/fixtures/idle-reopen-page.tsx' } })
  })
  afterAll(() => harness?.close())

  it('opened after the idle timeout (every tab closed): never shows the protected children nor hands out a token, and shows signed out by the idle timeout', async () => {
    const dbName = uniqueDbName()
    const earlier = await harness.openTab('reopen')
    await open(earlier, { dbName, app: false })
    const lastActivityAt = new Date(Date.now() - 3 * TIMEOUT).toISOString()
    await earlier.evaluate((session) => window.__reopen.signIn(session), makeSession({ lastActivityAt }))
    expect(await stored(earlier, dbName)).toBe(lastActivityAt)
    await earlier.close()

    const page = await harness.openTab('reopen')
    await open(page, { dbName, app: true })
    await eventually(async () => expect(await stateOf(page)).toMatchObject({ status: 'unauthenticated', revokeReason: 'idle-timeout' }))
    await eventually(async () => expect(await stored(page, dbName)).toBe(lastActivityAt)) // the tombstone keeps the last activity
    await sleep(300) // effects that asked for a token have their answer
    const log = await logOf(page)
    expect(log.inserted).toEqual([])
    expect(log.headers).toEqual(['loading', 'unauthenticated']) // never the idle user's name
    expect(log.tokens).toEqual([])
    // (An app listener subscribed before the tracker started hears the record read first, in the same task: not asserted.)
    expect(log.refusals.length).toBeGreaterThan(0) // the header did ask
    expect(log.refusals.every((refusal) => refusal.code === 'not-authenticated')).toBe(true)
    expect(await page.evaluate(() => window.__reopen.header())).toBe('unauthenticated')
    expect(await page.getByText('Signed out.').count()).toBe(1)
    await page.close()
  })

  it('reloaded within the idle time, its previous page having noted activity later than the stored one: the session stays, never timed out', async () => {
    const dbName = uniqueDbName()
    const tab = await harness.openTab('reopen')
    await open(tab, { dbName, app: false })
    await tab.evaluate((session) => window.__reopen.signIn(session), makeSession({ lastActivityAt: new Date(Date.now() - 4 * TIMEOUT).toISOString() }))
    // Activity 2 timeouts ago is written at once (the first write); activity now, within the 60 s interval, is held back.
    const old = Date.now() - 2 * TIMEOUT
    await tab.evaluate((at) => window.__reopen.recordActivity(at), old)
    await eventually(async () => expect(Date.parse((await stored(tab, dbName))!)).toBe(old))
    await tab.evaluate(() => window.__reopen.recordActivity())
    const noted = (await stateOf(tab)).lastActivityAt!
    expect(Date.parse(noted)).toBeGreaterThan(old + TIMEOUT)
    expect(Date.parse((await stored(tab, dbName))!)).toBe(old) // held back: only the next page can store it

    await tab.reload()
    await open(tab, { dbName, app: true })
    expect(await stateOf(tab)).toMatchObject({ status: 'authenticated', lastActivityAt: noted })
    await eventually(async () => expect(await stored(tab, dbName)).toBe(noted))
    await sleep(300)
    const log = await logOf(tab)
    expect(log.statuses).not.toContain('unauthenticated')
    expect(log.phases).not.toContain('timed-out')
    expect(log.phases[log.phases.length - 1]).toBe('active')
    expect(log.inserted).toEqual(['secret'])
    expect((await stateOf(tab)).status).toBe('authenticated')
    await tab.close()
  })
})
