import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { createKratosServer, type KratosServer } from './fixtures/kratos-app/server'

/**
 * createKratosSource in three real Chromium tabs against a Kratos-shaped
 * server (fixtures/kratos-app: its browser login and logout flows, whoami
 * answering Kratos's Session model, the session in an HttpOnly cookie).
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
type Config = NonNullable<Window['__kratosConfig']>
const WHOAMI = 'GET /sessions/whoami'

describe.skipIf(!findChromium())('a Kratos app in real Chromium, three tabs', () => {
  let harness: BrowserHarness
  let server: KratosServer
  let context: BrowserContext | undefined
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { app: 'test/browser/fixtures/kratos-app/app.ts' }, route: (req, res) => server.route(req, res) })
  })
  afterAll(() => harness?.close())
  afterEach(() => context?.close())

  async function threeTabs(lifespanMs: number, config: Config = {}): Promise<Page[]> {
    server = createKratosServer(lifespanMs)
    context = await harness.newContext()
    await context.addInitScript((c) => void (window.__kratosConfig = c), config)
    return Promise.all([0, 1, 2].map(async () => {
      const page = await context!.newPage()
      page.on('pageerror', (error) => console.error(`[kratos app] ${error.message}`))
      await page.goto(`${harness.origin}/`)
      await page.waitForFunction(() => window.__kratosApp !== undefined)
      return page
    }))
  }
  const stateOf = (page: Page) => page.evaluate(() => window.__kratosApp.state())
  const allIn = (tabs: Page[], expected: Record<string, unknown>, timeoutMs = 5000) =>
    eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject(expected)
    }, timeoutMs)
  const endsWritten = async (tabs: Page[]) => (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__kratosApp.ends())))).reduce((a, b) => a + b, 0)
  /** Signs in from `tab` through Kratos's login flow (the form stands for Kratos's UI), back on the callback, then at returnTo. */
  async function signInFrom(tab: Page) {
    await tab.bringToFront()
    await tab.click('#sign-in')
    await tab.waitForURL('**/kratos/self-service/login/browser**')
    await Promise.all([tab.waitForURL(`${harness.origin}/callback`), tab.click('button')])
    await tab.waitForFunction(() => location.pathname === '/reports' && window.__kratosApp?.state().status === 'authenticated')
  }

  it("signs in through Kratos's login flow once for every tab; logout goes through its logout flow and reaches every tab", async () => {
    const tabs = await threeTabs(60_000)
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated', email: 'alice@example.com' })
    expect(server.requests).toEqual(['GET /self-service/login/browser 200', 'POST /self-service/login 303', `${WHOAMI} 200`])
    expect((await context!.cookies()).map((cookie) => cookie.name)).toEqual(['ory_kratos_session'])

    await tabs[2]!.bringToFront()
    // The page leaves for Kratos's logout URL, which sends it back to `/` (a new load of the app).
    await Promise.all([tabs[2]!.waitForEvent('load'), tabs[2]!.click('#sign-out')])
    await tabs[2]!.waitForFunction(() => window.__kratosApp !== undefined)
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    expect(server.requests.slice(3)).toEqual(['GET /self-service/logout/browser 200', 'GET /self-service/logout 303'])
    expect(await context!.cookies()).toEqual([])
    await sleep(300)
    // The tab that signed out wrote the end (its page has left for Kratos since); the others only heard it.
    expect(await endsWritten(tabs.slice(0, 2))).toBe(0)
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.errors())).toEqual([])
  })

  it('asks whoami once per due time for the browser; 5xx is retried without signing out; a revocation at Kratos signs every tab out once', async () => {
    // Sessions of 8 s (whoami never extends them), due 50 % ahead, then at most once a second.
    const tabs = await threeTabs(8000, { refresh: { leadFraction: 0.5, minIntervalMs: 1000, retryBaseMs: 200, retryMaxMs: 400 } })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const signedInAt = Date.now()
    // Due from 4 s before the end: wait for the first, then count for 2 s.
    await eventually(async () => expect(server.count(WHOAMI)).toBeGreaterThanOrEqual(2), 6000)
    const counted = server.count(WHOAMI)
    await sleep(2000)
    // One browser asks at most once a second (three tabs each asking would make three times as many).
    expect(server.count(WHOAMI) - counted).toBeGreaterThanOrEqual(1)
    expect(server.count(WHOAMI) - counted).toBeLessThanOrEqual(3)

    // Kratos fails (5xx): retried with a backoff shared by the tabs, nobody signed out.
    const before = server.requests.length
    server.whoamiFailure = 500
    await eventually(async () => expect(server.requests.slice(before).filter((line) => line.endsWith(' 500')).length).toBeGreaterThanOrEqual(2), 4000)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    server.whoamiFailure = null
    await eventually(async () => expect(server.requests.slice(before).filter((line) => line.endsWith(' 200')).length).toBeGreaterThanOrEqual(1), 4000)
    expect(Date.now() - signedInAt).toBeLessThan(8000) // all within the session's life
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.statuses())).toEqual(['loading', 'unauthenticated', 'authenticated'])

    // Revoked at Kratos: the next whoami finds out, once for every tab.
    const beforeRevoke = server.requests.length
    server.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' })
    await sleep(500)
    expect(server.requests.slice(beforeRevoke)).toEqual([`${WHOAMI} 401`])
    expect(await endsWritten(tabs)).toBe(1)
  })

  it('with revalidateAfterMs, a revocation at Kratos is found within the interval, with no API call: one whoami for the browser each time', async () => {
    // A session of an hour: without revalidation, nothing would ask whoami for 48 minutes.
    const tabs = await threeTabs(60 * 60_000, { refresh: { revalidateAfterMs: 1500, minIntervalMs: 1000 } })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const signedIn = server.count(WHOAMI)
    await sleep(4000)
    // Two or three intervals: as many whoami calls for the three tabs, not three times as many.
    expect(server.count(WHOAMI) - signedIn).toBeGreaterThanOrEqual(1)
    expect(server.count(WHOAMI) - signedIn).toBeLessThanOrEqual(3)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')

    const beforeRevoke = server.requests.length
    server.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' }, 6000)
    await sleep(500)
    expect(server.requests.slice(beforeRevoke)).toEqual([`${WHOAMI} 401`])
    expect(await endsWritten(tabs)).toBe(1)
  })
})
