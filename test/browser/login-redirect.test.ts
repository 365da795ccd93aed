import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { createCookieServer, type CookieServer } from './fixtures/cookie-app/server'

/**
 * A cookie-session backend that answers "not signed in" as Spring Security,
 * Devise or a SAML service provider do: a 302 to its login page, or to the
 * identity provider on another origin. The README's cookie source
 * (fixtures/cookie-app) in two real Chromium tabs must read it as signed out,
 * at the first refresh after the server ended the session.
 *
 * What Chromium 156 hands `fetch` here (checked by hand when this was built):
 * following, a same-origin 302 to the login page is a 200 of HTML with
 * `redirected: true`, and one to the IdP's origin (no CORS) a TypeError
 * ("Failed to fetch", as offline), after the request reached the IdP; with
 * `redirect: 'manual'`, both are an `opaqueredirect` (status 0, no URL, no
 * body) and the IdP is not asked.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(!findChromium())('a session endpoint that redirects to sign in, in real Chromium', () => {
  let harness: BrowserHarness
  let server: CookieServer
  let context: BrowserContext | undefined
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { app: 'test/browser/fixtures/cookie-app/app.ts' }, route: (req, res) => server.route(req, res) })
  })
  afterAll(() => harness?.close())
  afterEach(() => context?.close())

  async function open(path = '/'): Promise<Page> {
    const page = await context!.newPage()
    page.on('pageerror', (error) => console.error(`[cookie app] ${error.message}`))
    await page.goto(`${harness.origin}${path}`)
    await page.waitForFunction(() => window.__cookieApp !== undefined)
    return page
  }
  const stateOf = (page: Page) => page.evaluate(() => window.__cookieApp.state())
  const failures = async (tabs: Page[]) => (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__cookieApp.events())))).flat().filter((event) => event.startsWith('refresh-failed'))

  it.each(['login-page', 'identity-provider'] as const)('a 302 to the %s once the server ended the session: every tab signs out at the next refresh, once, with login_redirect', async (signedOut) => {
    // Sessions of 3 s refreshed halfway: a refresh every ~1.5 s.
    server = createCookieServer(3000)
    server.signedOut = signedOut
    context = await harness.newContext()
    await context.addInitScript(() => void (window.__cookieConfig = { refresh: { leadFraction: 0.5, minIntervalMs: 500, retryBaseMs: 200, retryMaxMs: 400 } }))
    const tabs = await Promise.all([open(), open()])
    await tabs[0]!.bringToFront()
    await tabs[0]!.click('#sign-in')
    await tabs[0]!.waitForURL('**/saml/login')
    await Promise.all([tabs[0]!.waitForURL(`${harness.origin}/callback`), tabs[0]!.click('button')])
    await eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject({ status: 'authenticated' })
    }, 5000)
    // Refreshed at least once while the server held the session: the redirect is only for a caller without one.
    await eventually(async () => expect(server.requests).toContain('POST /api/session/refresh 200'), 4000)

    const before = server.requests.length
    server.revokeAll()
    await eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', revokeReason: 'token-expired' })
    }, 5000)
    await sleep(500)
    // One refresh for the browser met the redirect, and that ended it: no retry, no request reached the IdP.
    expect(server.requests.slice(before)).toEqual(['POST /api/session/refresh 302'])
    expect(await failures(tabs)).toEqual(['refresh-failed:login_redirect'])

    // A callback with no session behind it (the sign-in did not finish) is sign-in-failed, not a retry.
    const callback = await open('/callback')
    await callback.waitForFunction(() => window.__cookieApp.errors().length > 0)
    expect(await callback.evaluate(() => window.__cookieApp.errors())).toEqual(['sign-in-failed (login_redirect)'])
    expect(server.requests.slice(before).filter((line) => line.includes('/idp/'))).toEqual([])
  })
})
