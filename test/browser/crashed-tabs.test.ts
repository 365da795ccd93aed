import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { parseSession } from '../../src/index'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { launchOnProfile } from '../support/persistent-browser'
import { makeSession, uniqueDbName } from '../support/sessions'
import { eventually, openTabs, rawRecord, signIn, startTab, stateOf } from './tabs'

/**
 * Tabs that die without a goodbye: a renderer crash (CDP Page.crash, what an
 * out-of-memory kill or a renderer bug does) and the whole browser killed,
 * then started again on the same profile. The closed, frozen and
 * back/forward-cached tabs are in tab-sync.test.ts and persistence.test.ts.
 */

/** A token endpoint that rotates refresh tokens strictly: a spent one is invalid_grant and revokes the family. */
const tokens = { current: '', issued: 0, requests: [] as string[], invalidGrants: 0 }
function tokenEndpoint(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.url !== '/token') return false
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    tokens.requests.push(body)
    if (body !== tokens.current) {
      tokens.invalidGrants += 1
      tokens.current = 'revoked'
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}')
      return
    }
    tokens.issued += 1
    tokens.current = `rt_rotated_${tokens.issued}`
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accessToken: `at_rotated_${tokens.issued}`, refreshToken: tokens.current }))
  })
  return true
}

async function crash(page: Page): Promise<void> {
  const cdp = await page.context().newCDPSession(page)
  const crashed = page.waitForEvent('crash')
  void cdp.send('Page.crash').catch(() => {}) // never answered: the renderer is gone
  await crashed
}

describe.skipIf(!findChromium())('tabs that die abruptly, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({
      entries: { tab: 'test/browser/fixtures/tab-page.tsx', refresh: 'test/browser/fixtures/refresh-page.ts' },
      route: tokenEndpoint,
    })
  })
  afterAll(() => harness?.close())

  it('a tab crashes holding the refresh lock before its request went out: another tab refreshes once, with the stored token, and every tab follows', async () => {
    const dbName = uniqueDbName()
    const [a, b, c] = (await Promise.all([0, 1, 2].map(() => harness.openTab('refresh')))) as [Page, Page, Page]
    for (const tab of [a, b, c]) await tab.evaluate((db) => window.__refresh.start(db), dbName)
    const session = makeSession()
    Object.assign(tokens, { current: session.refreshToken, issued: 0, requests: [], invalidGrants: 0 })
    await a.evaluate((s) => window.__refresh.signIn(s), session)
    await eventually(async () => expect((await c.evaluate(() => window.__refresh.state())).status).toBe('authenticated'))

    await a.evaluate(() => {
      const stalled = window.__refresh.stallNextRefresh()
      void window.__refresh.refresh()
      return stalled
    })
    // b queues behind a's lock; a dies holding it, having sent nothing.
    const refreshed = b.evaluate(() => window.__refresh.refresh())
    const lock = `authsession:refresh:${dbName}:session`
    await eventually(async () => expect(await c.evaluate(async (name) => (await navigator.locks.query()).pending?.some((l) => l.name === name), lock)).toBe(true))
    await crash(a)
    expect(await refreshed).toBe('ok')
    expect(tokens).toMatchObject({ requests: [session.refreshToken], invalidGrants: 0 })
    await eventually(async () => {
      for (const tab of [b, c]) expect(await tab.evaluate(() => window.__refresh.state())).toEqual({ status: 'authenticated', accessToken: 'at_rotated_1', refreshToken: 'rt_rotated_1' })
    })
    await Promise.all([a, b, c].map((tab) => tab.close()))
  })

  it('the only tab crashes after announcing its logout, before writing it: the next tab finishes the logout', async () => {
    const dbName = uniqueDbName()
    const [a] = (await openTabs(harness, 1, dbName)) as [Page]
    await signIn(a, makeSession())
    await a.evaluate(() => window.__tab.holdNextWrite())
    void a.evaluate(() => window.__tab.end('user-logout')).catch(() => {})
    await a.evaluate(() => window.__tab.writeReached)
    await crash(a)
    const [next] = (await openTabs(harness, 1, dbName)) as [Page]
    expect((await stateOf(next)).status).toBe('unauthenticated')
    await eventually(async () => expect(await rawRecord(next, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
    await Promise.all([a.close(), next.close()])
  })

  describe('the whole browser gone, then started again on the same profile', () => {
    let profile: string
    beforeAll(() => void (profile = mkdtempSync(join(tmpdir(), 'authsession-profile-'))))
    afterAll(() => rmSync(profile, { recursive: true, force: true, maxRetries: 5 }))
    // The browser of a test that failed midway: killed, or it would outlive the run and hold the profile.
    let running: Awaited<ReturnType<typeof launchOnProfile>> | undefined
    afterEach(async () => {
      await running?.kill()
      running = undefined
    })
    const launch = async () => (running = await launchOnProfile(profile))

    const startedTab = async (context: BrowserContext, dbName: string) => {
      const page = await context.newPage()
      await page.goto(`${harness.origin}/tab.html`)
      await startTab(page, dbName)
      return page
    }

    it('killed (SIGKILL) in the middle of a burst of writes: the record is whole, holds every write a tab was told had landed, and hydrates', async () => {
      const dbName = uniqueDbName()
      let browser = await launch()
      let tab = await startedTab(browser.context, dbName)
      await signIn(tab, makeSession())
      // Each write that resolved true reports the generation it stored (sign-in is 1, the i-th update i + 2).
      let acknowledged = 1
      tab.on('console', (message) => (acknowledged = Math.max(acknowledged, Number(message.text()) || 0)))
      await tab.evaluate(() => {
        void (async () => {
          for (let i = 0; ; i += 1) if (await window.__tab.update({ ipAddress: `192.0.2.${i % 250}` })) console.log(String(i + 2))
        })()
      })
      await eventually(async () => expect(acknowledged).toBeGreaterThan(20))
      await browser.kill()

      browser = await launch()
      tab = await startedTab(browser.context, dbName)
      const raw = (await rawRecord(tab, dbName)) as { generation: number; ended: boolean; session: unknown }
      expect(raw.ended).toBe(false)
      expect(raw.generation).toBeGreaterThanOrEqual(acknowledged)
      expect(parseSession(raw.session)).toEqual((await stateOf(tab)).session)
      expect((await stateOf(tab)).status).toBe('authenticated')
      expect(await tab.evaluate(() => window.__tab.update({ ipAddress: '192.0.2.254' }))).toBe(true)
      await browser.quit()
    })

    it('a logout whose tombstone write never ran, then the browser quits: after the restart its note finishes it', async () => {
      const dbName = uniqueDbName()
      let browser = await launch()
      let tab = await startedTab(browser.context, dbName)
      await signIn(tab, makeSession())
      await tab.evaluate(() => window.__tab.holdNextWrite())
      void tab.evaluate(() => window.__tab.end('user-logout')).catch(() => {})
      await tab.evaluate(() => window.__tab.writeReached)
      await browser.quit()

      browser = await launch()
      tab = await startedTab(browser.context, dbName)
      expect((await stateOf(tab)).status).toBe('unauthenticated')
      await eventually(async () => expect(await rawRecord(tab, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
      await browser.quit()
    })
  })
})
