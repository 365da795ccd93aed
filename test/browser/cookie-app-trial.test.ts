import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { createCookieServer, type CookieServer } from './fixtures/cookie-app/server'

/**
 * A cookie-session (SAML-style) app built from the README's recipes
 * (fixtures/cookie-app): its server holds the session in an HttpOnly cookie,
 * the page runs the packaged cookie source (`authsession/http`, set up as the
 * README says), in three real Chromium tabs.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
type Config = NonNullable<Window['__cookieConfig']>

it.each(['cookie-source.ts', 'adopt-server-session.ts'])("the trial's %s is the README's", (file) => {
  const fixture = readFileSync(`test/browser/fixtures/cookie-app/${file}`, 'utf8')
  const recipe = fixture.slice(fixture.indexOf('*/\n') + 3).replace(/'\.\.\/\.\.\/\.\.\/\.\.\/src\/(index|http)'/, (_, entry: string) => (entry === 'index' ? "'authsession'" : "'authsession/http'"))
  expect(readFileSync('README.md', 'utf8')).toContain(recipe)
})

describe.skipIf(!findChromium())('a cookie-session app from the README, in real Chromium', () => {
  let harness: BrowserHarness
  let server: CookieServer
  let context: BrowserContext | undefined
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { app: 'test/browser/fixtures/cookie-app/app.ts' }, route: (req, res) => server.route(req, res) })
  })
  afterAll(() => harness?.close())
  afterEach(() => context?.close())

  /** A browser profile of its own (cookies, IndexedDB) whose pages get `config`. */
  async function profile(ttlMs: number, config: Config = {}) {
    server = createCookieServer(ttlMs)
    context = await harness.newContext()
    await context.addInitScript((c) => void (window.__cookieConfig = c), config)
    return context
  }
  async function open(path = '/'): Promise<Page> {
    const page = await context!.newPage()
    page.on('pageerror', (error) => console.error(`[cookie app] ${error.message}`))
    await page.goto(`${harness.origin}${path}`)
    await page.waitForFunction(() => window.__cookieApp !== undefined)
    return page
  }
  const stateOf = (page: Page) => page.evaluate(() => window.__cookieApp.state())
  const allIn = async (tabs: Page[], expected: Record<string, unknown>, timeoutMs = 5000) =>
    eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject(expected)
    }, timeoutMs)
  /** Ends written by the tabs themselves, across all of them. */
  const endsWritten = async (tabs: Page[]) => {
    let ends = 0
    for (const tab of tabs) ends += (await tab.evaluate(() => window.__cookieApp.events())).filter((event) => event === 'change:local:end').length
    return ends
  }
  /** Signs in from `tab` as a user does: the sign-in button, the identity provider's form, the callback. */
  async function signInFrom(tab: Page) {
    await tab.bringToFront() // a background tab draws no frames: a click there waits for one
    await tab.click('#sign-in')
    await tab.waitForURL('**/saml/login')
    await Promise.all([tab.waitForURL(`${harness.origin}/callback`), tab.click('button')])
    await tab.waitForFunction(() => window.__cookieApp !== undefined)
    await tab.waitForFunction(() => location.pathname === '/' && window.__cookieApp.state().status === 'authenticated')
  }

  /**
   * The server's session ended by the idle timeout. Each tab whose timer crossed the limit before it heard
   * of another's logout tells the server too (it cannot know whether the others did): the first ends the
   * session, the others find none (401), which is no failure. No tab reports one, and the cookie is gone.
   */
  async function expectServerSignedOut(tabs: Page[]) {
    const logouts = server.requests.filter((line) => line.startsWith('POST /api/logout'))
    expect(logouts[0]).toBe('POST /api/logout 204')
    expect(new Set(logouts.slice(1))).toEqual(new Set(logouts.length > 1 ? ['POST /api/logout 401'] : []))
    expect(await context!.cookies()).toEqual([])
    for (const tab of tabs) expect((await tab.evaluate(() => window.__cookieApp.errors())).filter((code) => code === 'sign-out-failed')).toEqual([])
  }

  it("adopts the server's session once for the browser (the README's recipe); a reload shows no signed-out; logout reaches every tab and clears the cookie", async () => {
    await profile(60_000, { adopt: true })
    // Signed in at the server before the app stored anything (the deploy that brings authsession).
    await context!.request.post(`${harness.origin}/saml/login`, { form: { username: 'alice' }, maxRedirects: 0 })
    const tabs = await Promise.all([open(), open(), open()])
    await allIn(tabs, { status: 'authenticated' })
    expect(server.requests).toEqual(['POST /saml/login 303', 'GET /api/session 200'])
    // Signed out (nothing stored) until the adoption lands, where the tab read storage first (the README says to
    // hold the guard meanwhile); signed in once, never back out.
    for (const tab of tabs) expect((await tab.evaluate(() => window.__cookieApp.statuses())).join()).toMatch(/^loading,(unauthenticated,)?authenticated$/)

    await tabs[1]!.reload()
    await tabs[1]!.waitForFunction(() => window.__cookieApp.state().status !== 'loading')
    expect(await tabs[1]!.evaluate(() => window.__cookieApp.statuses())).toEqual(['loading', 'authenticated'])
    expect(server.count('GET /api/session')).toBe(1)

    await tabs[2]!.bringToFront()
    await tabs[2]!.click('#sign-out')
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    await eventually(async () => expect(server.count('POST /api/logout')).toBe(1))
    expect(server.requests.filter((line) => line.startsWith('POST /api/logout'))).toEqual(['POST /api/logout 204'])
    expect(await context!.cookies()).toEqual([])
    await sleep(300)
    expect(await endsWritten(tabs)).toBe(1)
    for (const tab of tabs) expect(await tab.evaluate(() => window.__cookieApp.errors())).toEqual([])
  })

  it('refreshes once per expiry for the whole browser, sliding the expiry; 500s and a server down are retried without signing out', async () => {
    // Sessions of 4 s, refreshed 60 % ahead (every ~1.6 s): ~2.4 s to ride out an outage.
    await profile(4000, { refresh: { leadFraction: 0.6, minIntervalMs: 1000, retryBaseMs: 200, retryMaxMs: 400 } })
    const tabs = await Promise.all([open(), open(), open()])
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const firstExpiry = Date.parse((await stateOf(tabs[1]!)).expiresAt!)
    const start = Date.now()
    await sleep(3500)
    const refreshes = server.count('POST /api/session/refresh')
    const windows = (Date.now() - start) / 1600
    // One per window for the browser (three tabs refreshing on their own would make three).
    expect(refreshes).toBeGreaterThanOrEqual(Math.floor(windows) - 1)
    expect(refreshes).toBeLessThanOrEqual(Math.ceil(windows))
    // Each refresh slid the expiry: every tab holds the server's latest.
    expect(server.expiries()[0]).toBeGreaterThan(firstExpiry + 1500)
    for (const tab of tabs) expect(Date.parse((await stateOf(tab)).expiresAt!)).toBe(server.expiries()[0])

    // The server fails: 500s, then no answer at all; then it is back, within the session's life.
    const before = server.requests.length
    const seen = (suffix: string, times: number) => eventually(async () => expect(server.requests.slice(before).filter((line) => line.endsWith(suffix)).length).toBeGreaterThanOrEqual(times), 4000)
    server.refreshFailure = 500
    await seen(' 500', 2)
    server.refreshFailure = 'down'
    await seen(' down', 2)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    server.refreshFailure = null
    await seen(' 200', 1)
    // Retried with a backoff shared by the tabs, not once per tab per attempt.
    const during = server.requests.slice(before)
    expect(during.length).toBeLessThanOrEqual(8)
    await allIn(tabs, { status: 'authenticated' })
    // Never signed out once signed in.
    for (const tab of tabs) expect(await tab.evaluate(() => window.__cookieApp.statuses())).toEqual(['loading', 'unauthenticated', 'authenticated'])
    // Then the server ends the session (an admin, its own limit): the next refresh finds out, once for every tab.
    const beforeRevoke = server.requests.length
    server.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' }, 5000)
    await sleep(500)
    expect(server.requests.slice(beforeRevoke)).toEqual(['POST /api/session/refresh 401'])
    expect(await endsWritten(tabs)).toBe(1)
  })

  it("the server revokes the session: the API's 401 in every tab asks the server once and signs every tab out once; an idle limit crossed in all at once ends it once", async () => {
    await profile(60_000)
    const tabs = await Promise.all([open(), open(), open()])
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    // Signed in through the form in one tab, adopted by every tab: one request to the session endpoint.
    expect(server.requests).toEqual(['GET /saml/login 200', 'POST /saml/login 303', 'GET /api/session 200'])
    expect(await tabs[2]!.evaluate(() => window.__cookieApp.loadData())).toBe('200')
    const before = server.requests.length
    server.revokeAll()
    expect(await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__cookieApp.loadData())))).toEqual(['signed-out', 'signed-out', 'signed-out'])
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' })
    expect(server.requests.slice(before).sort()).toEqual(['GET /api/me 401', 'GET /api/me 401', 'GET /api/me 401', 'POST /api/session/refresh 401'])
    expect(await endsWritten(tabs)).toBe(1)
    // The user signs in again from another tab.
    await signInFrom(tabs[1]!)
    await allIn(tabs, { status: 'authenticated' })
    expect(await tabs[0]!.evaluate(() => window.__cookieApp.loadData())).toBe('200')

    // The idle limit crossed in every tab at once (each timer, before it hears of the others'): one end.
    const endsBefore = await endsWritten(tabs) // the tab that signed in is a new page, its count new
    await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__cookieApp.idleLogout())))
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'idle-timeout' })
    await sleep(300)
    expect(await endsWritten(tabs)).toBe(endsBefore + 1)
    await expectServerSignedOut(tabs)
  })

  it('idle timeout: activity in one tab keeps all signed in; the warning shows in all, "Stay signed in" in one dismisses it in all; then every tab signs out once, at the server too', async () => {
    // Shown activity moves a second at a time (recordActivity), so the warning comes well after that.
    await profile(60_000, { activityWriteIntervalMs: 300, promptMs: 2000, limitMs: 4000 })
    const tabs = await Promise.all([open(), open(), open()])
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    // The user works in the first tab (the front one) for well over the warning time.
    await tabs[0]!.bringToFront()
    await tabs[0]!.mouse.move(5, 5)
    await sleep(400)
    for (const tab of tabs) await tab.evaluate(() => window.__cookieApp.resetPrompts())
    const until = Date.now() + 2500
    while (Date.now() < until) {
      await tabs[0]!.mouse.move(10 + Math.random() * 100, 10 + Math.random() * 100)
      await sleep(150)
    }
    for (const tab of tabs) expect(await tab.evaluate(() => window.__cookieApp.promptsShown())).toBe(0)
    // The user stops: the warning shows in every tab.
    await eventually(async () => {
      for (const tab of tabs) expect(await tab.evaluate(() => window.__cookieApp.promptShown())).toBe(true)
    }, 2500)
    // The user comes back, to another tab, and answers the warning there.
    await tabs[2]!.bringToFront()
    // (The click alone: a pointer moved onto the button is activity, which closes the prompt by itself.)
    await tabs[2]!.locator('#stay').dispatchEvent('click', undefined, { timeout: 1500 })
    await eventually(async () => {
      for (const tab of tabs) expect(await tab.evaluate(() => window.__cookieApp.promptShown())).toBe(false)
    }, 1500)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    // The user leaves for good.
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'idle-timeout' }, 5000)
    await sleep(500)
    expect(await endsWritten(tabs)).toBe(1)
    await expectServerSignedOut(tabs)
  })

  // A backend that answers "not signed in" as Spring Security, Devise or a SAML service provider do: a 302 to
  // its login page, or to the identity provider on another origin. What Chromium 156 hands fetch there (checked
  // by hand): following, a 200 of HTML with `redirected`, or for the IdP's origin (no CORS) a TypeError like
  // offline, after the request reached the IdP; with `redirect: 'manual'`, an opaqueredirect, the IdP not asked.
  it.each(['login-page', 'identity-provider'] as const)('a 302 to the %s once the server ended the session: every tab signs out at the next refresh, once, with login_redirect', async (signedOut) => {
    // Sessions of 3 s refreshed halfway: a refresh every ~1.5 s.
    await profile(3000, { refresh: { leadFraction: 0.5, minIntervalMs: 500, retryBaseMs: 200, retryMaxMs: 400 } })
    server.signedOut = signedOut
    const tabs = await Promise.all([open(), open()])
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    // Refreshed at least once while the server held the session: the redirect is only for a caller without one.
    await eventually(async () => expect(server.requests).toContain('POST /api/session/refresh 200'), 4000)

    const before = server.requests.length
    server.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' })
    await sleep(500)
    // One refresh for the browser met the redirect, the session endpoint (asked whether the session lives on,
    // since refreshUrl is not sessionUrl) redirected too, and that ended it: no retry, no request reached the IdP.
    expect(server.requests.slice(before)).toEqual(['POST /api/session/refresh 302', 'GET /api/session 302'])
    const events = (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__cookieApp.events())))).flat()
    expect(events.filter((event) => event.startsWith('refresh-failed'))).toEqual(['refresh-failed:login_redirect'])

    // A callback with no session behind it (the sign-in did not finish) is sign-in-failed, not a retry.
    const callback = await open('/callback')
    await callback.waitForFunction(() => window.__cookieApp.errors().length > 0)
    expect(await callback.evaluate(() => window.__cookieApp.errors())).toEqual(['sign-in-failed (login_redirect)'])
    expect(server.requests.slice(before).filter((line) => line.includes('/idp/'))).toEqual([])
  })

  it('a logoutUrl that redirects for another reason (a trailing slash) while the session lives: sign-out-failed, the cookie kept', async () => {
    await profile(60_000)
    server.logoutWithSlash = true
    const tab = await open()
    await signInFrom(tab)
    await tab.click('#sign-out')
    await tab.waitForFunction(() => window.__cookieApp.errors().length > 0)
    expect(await tab.evaluate(() => window.__cookieApp.errors())).toEqual(['sign-out-failed'])
    // Chromium held the 301 (an opaqueredirect); the session endpoint, asked, still answered the session.
    expect(server.requests.filter((line) => line.startsWith('POST /api/logout') || line.startsWith('GET /api/session'))).toEqual(['GET /api/session 200', 'POST /api/logout 301', 'GET /api/session 200'])
    expect((await context!.cookies()).map((cookie) => cookie.name)).toEqual(['sid'])
    expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', revokeReason: 'user-logout' })
  })
})
