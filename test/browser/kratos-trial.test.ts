import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { CSRF_COOKIE } from './fixtures/kratos-app/login-flow'
import { startKratos, type KratosOptions, type KratosServer } from './fixtures/kratos-app/server'

/**
 * createKratosSource in real Chromium tabs against a miniature Kratos on
 * another origin of the same site (fixtures/kratos-app: its browser login
 * flow with UI and CSRF cookie, logout flow, whoami with its 401 and its 403
 * session_aal2_required, allowed_return_urls, CORS with or without `Date`
 * exposed, the session in an HttpOnly cookie).
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
type Config = Omit<NonNullable<Window['__kratosConfig']>, 'kratos'>
const WHOAMI = 'GET /sessions/whoami'
const SIGN_IN = ['GET /self-service/login/browser 303', 'GET /ui/login 200', 'POST /self-service/login 303', `${WHOAMI} 200`]

describe.skipIf(!findChromium())('a Kratos app in real Chromium, Kratos on another origin', () => {
  let harness: BrowserHarness
  let kratos: KratosServer | undefined
  let context: BrowserContext | undefined
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { app: 'test/browser/fixtures/kratos-app/app.ts' } })
  })
  afterAll(() => harness?.close())
  afterEach(async () => {
    await context?.close()
    await kratos?.close()
    context = kratos = undefined
  })

  async function tabsOf(count: number, options: Omit<KratosOptions, 'appOrigin'>, config: Config = {}): Promise<Page[]> {
    kratos = await startKratos({ appOrigin: harness.origin, ...options })
    context = await harness.newContext()
    await context.addInitScript((c) => void (window.__kratosConfig = c), { kratos: kratos.origin, ...config })
    const tabs: Page[] = []
    for (let i = 0; i < count; i++) {
      const page = await context.newPage()
      page.on('pageerror', (error) => console.error(`[kratos app] ${error.message}`))
      await page.goto(`${harness.origin}/`)
      await page.waitForFunction(() => window.__kratosApp !== undefined)
      tabs.push(page)
    }
    return tabs
  }
  const stateOf = (page: Page) => page.evaluate(() => window.__kratosApp.state())
  const allIn = (tabs: Page[], expected: Record<string, unknown>, timeoutMs = 5000) =>
    eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toMatchObject(expected)
    }, timeoutMs)
  const endsWritten = async (tabs: Page[]) => (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__kratosApp.ends())))).reduce((a, b) => a + b, 0)
  const onKratosUi = (tab: Page) => tab.waitForURL((url) => url.href.startsWith(`${kratos!.origin}/ui/login?flow=`))
  /** Submits Kratos's login UI in `tab`, back on the callback, then at /reports signed in. */
  async function submitUi(tab: Page) {
    await onKratosUi(tab)
    await Promise.all([tab.waitForURL(`${harness.origin}/callback`), tab.click('#submit')])
    await tab.waitForFunction(() => location.pathname === '/reports' && window.__kratosApp?.state().status === 'authenticated')
  }
  /** Signs in from `tab` through Kratos's login flow: its UI (the password form) with the flow's CSRF token, then the callback. */
  async function signInFrom(tab: Page) {
    await tab.bringToFront()
    await tab.click('#sign-in')
    await submitUi(tab)
  }

  it("signs in through Kratos's login flow once for every tab; logout goes through its logout flow and reaches every tab", async () => {
    const tabs = await tabsOf(3, { lifespanMs: 60_000 })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated', email: 'alice@example.com' })
    // No preflight: whoami is a simple cross-origin GET (Accept is a safelisted header).
    expect(kratos!.requests).toEqual(SIGN_IN)
    expect((await context!.cookies()).map((cookie) => cookie.name).sort()).toEqual([CSRF_COOKIE, 'ory_kratos_session'])

    await tabs[2]!.bringToFront()
    // The page leaves for Kratos's logout URL (its token matching the cookie's session), which sends it back to `/`.
    await Promise.all([tabs[2]!.waitForEvent('load'), tabs[2]!.click('#sign-out')])
    await tabs[2]!.waitForFunction(() => window.__kratosApp !== undefined)
    expect(tabs[2]!.url()).toBe(`${harness.origin}/`)
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    expect(kratos!.requests.slice(4)).toEqual(['GET /self-service/logout/browser 200', 'GET /self-service/logout 303'])
    expect((await context!.cookies()).map((cookie) => cookie.name)).toEqual([CSRF_COOKIE])
    expect(kratos!.sessions()).toEqual([])
    await sleep(300)
    // The tab that signed out wrote the end (its page has left for Kratos since); the others only heard it.
    expect(await endsWritten(tabs.slice(0, 2))).toBe(0)
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.errors())).toEqual([])
  })

  it("a login page left open in another tab: submitted once signed in there, Kratos sends it to default_browser_return_url, where the app shows the stored session", async () => {
    const tabs = await tabsOf(2, { lifespanMs: 60 * 60_000 })
    for (const tab of tabs) {
      await tab.bringToFront()
      await tab.click('#sign-in')
      await onKratosUi(tab)
    }
    await submitUi(tabs[0]!)
    const { sessionId } = await stateOf(tabs[0]!)
    const before = kratos!.requests.length
    await tabs[1]!.bringToFront()
    await Promise.all([tabs[1]!.waitForURL(`${harness.origin}/`), tabs[1]!.click('#submit')])
    await tabs[1]!.waitForFunction(() => window.__kratosApp?.state().status === 'authenticated')
    expect(await stateOf(tabs[1]!)).toMatchObject({ sessionId })
    expect(kratos!.requests.slice(before)).toEqual(['POST /self-service/login 303'])
    expect(kratos!.sessions()).toEqual([`${sessionId} aal1`])
  })

  it('asks whoami once per due time for the browser; 5xx is retried without signing out; a revocation at Kratos signs every tab out once', async () => {
    // Sessions of 16 s (whoami never extends them), due 12 s ahead (4 s in), then at most once a second:
    // 12 s of slack for the steps below on a loaded machine.
    const tabs = await tabsOf(3, { lifespanMs: 16_000 }, { refresh: { leadMs: 12_000, leadFraction: 1, minIntervalMs: 1000, retryBaseMs: 200, retryMaxMs: 400 } })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const signedInAt = Date.now()
    // Due from 4 s before the end: wait for the first, then count for 2 s.
    await eventually(async () => expect(kratos!.count(WHOAMI)).toBeGreaterThanOrEqual(2), 6000)
    const counted = kratos!.count(WHOAMI)
    await sleep(2000)
    // One browser asks at most once a second (three tabs each asking would make three times as many).
    expect(kratos!.count(WHOAMI) - counted).toBeGreaterThanOrEqual(1)
    expect(kratos!.count(WHOAMI) - counted).toBeLessThanOrEqual(3)

    // Kratos fails (5xx): retried with a backoff shared by the tabs, nobody signed out.
    const before = kratos!.requests.length
    kratos!.whoamiFailure = 500
    await eventually(async () => expect(kratos!.requests.slice(before).filter((line) => line.endsWith(' 500')).length).toBeGreaterThanOrEqual(2), 4000)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    kratos!.whoamiFailure = null
    await eventually(async () => expect(kratos!.requests.slice(before).filter((line) => line.endsWith(' 200')).length).toBeGreaterThanOrEqual(1), 4000)
    expect(Date.now() - signedInAt).toBeLessThan(16_000) // all within the session's life
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.statuses())).toEqual(['loading', 'unauthenticated', 'authenticated'])

    // Revoked at Kratos: the next whoami finds out, once for every tab.
    const beforeRevoke = kratos!.requests.length
    kratos!.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' })
    await sleep(500)
    expect(kratos!.requests.slice(beforeRevoke)).toEqual([`${WHOAMI} 401`])
    expect(await endsWritten(tabs)).toBe(1)
  })

  it('with revalidateAfterMs, a revocation at Kratos is found within the interval, with no API call: one whoami for the browser each time', async () => {
    // A session of an hour: without revalidation, nothing would ask whoami for 48 minutes.
    const tabs = await tabsOf(3, { lifespanMs: 60 * 60_000 }, { refresh: { revalidateAfterMs: 1500, minIntervalMs: 1000 } })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const signedIn = kratos!.count(WHOAMI)
    await sleep(4000)
    // Two or three intervals: as many whoami calls for the three tabs, not three times as many.
    expect(kratos!.count(WHOAMI) - signedIn).toBeGreaterThanOrEqual(1)
    expect(kratos!.count(WHOAMI) - signedIn).toBeLessThanOrEqual(3)
    for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')

    const beforeRevoke = kratos!.requests.length
    kratos!.revokeAll()
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' }, 6000)
    await sleep(500)
    expect(kratos!.requests.slice(beforeRevoke)).toEqual([`${WHOAMI} 401`])
    expect(await endsWritten(tabs)).toBe(1)
  })

  it("a second factor set up elsewhere: whoami's 403 signs every tab out once; Sign in comes back at one factor, and the callback's login({ extraParams: { aal: 'aal2' } }) completes the second", async () => {
    const tabs = await tabsOf(3, { lifespanMs: 60 * 60_000 }, { refresh: { revalidateAfterMs: 1500, minIntervalMs: 1000 } })
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated', isMfaVerified: false, methods: 'password' })
    const { sessionId } = await stateOf(tabs[0]!)

    // Kratos (required_aal highest_available) now answers whoami 403 session_aal2_required for this aal1 session.
    kratos!.enrollSecondFactor()
    const before = kratos!.requests.length
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'token-expired' }, 6000)
    await sleep(500)
    expect(kratos!.requests.slice(before)).toEqual([`${WHOAMI} 403`])
    expect(await endsWritten(tabs)).toBe(1)
    // Only the tab whose whoami met the 403 learnt why.
    const failures = (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__kratosApp.refreshFailures())))).flat()
    expect(failures).toEqual(['refresh-rejected session_aal2_required'])
    expect(kratos!.sessions()).toEqual([`${sessionId} aal1`]) // the session lives on at Kratos

    // A plain Sign in in another tab: Kratos, signed in already, sends it straight back to the callback; completeLogin
    // meets the 403, and the callback asks for the second factor of the same session, keeping returnTo.
    const step = kratos!.requests.length
    await tabs[1]!.bringToFront()
    await tabs[1]!.click('#sign-in')
    await onKratosUi(tabs[1]!)
    expect(await tabs[1]!.title()).toBe('Second factor')
    await submitUi(tabs[1]!)
    await allIn(tabs, { status: 'authenticated', sessionId, isMfaVerified: true, methods: 'password+totp' })
    expect(kratos!.requests.slice(step)).toEqual([
      'GET /self-service/login/browser 303', `${WHOAMI} 403`, 'GET /self-service/login/browser 303', 'GET /ui/login 200', 'POST /self-service/login 303', `${WHOAMI} 200`,
    ])
    expect(kratos!.sessions()).toEqual([`${sessionId} aal2`])

    // Signed out without leaving the page (an idle timeout's logout): Kratos's logout URL called with fetch, 204.
    const out = kratos!.requests.length
    await tabs[2]!.evaluate(() => window.__kratosApp.logout(false))
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    expect(kratos!.requests.slice(out)).toEqual(['GET /self-service/logout/browser 200', 'GET /self-service/logout 204'])
    expect(kratos!.sessions()).toEqual([])
    // Then in from scratch: Kratos asks for the password, then goes on to the second factor itself.
    await tabs[0]!.bringToFront()
    await tabs[0]!.click('#sign-in')
    await onKratosUi(tabs[0]!)
    expect(await tabs[0]!.title()).toBe('Sign in')
    await Promise.all([onKratosUi(tabs[0]!), tabs[0]!.click('#submit')])
    await tabs[0]!.waitForFunction(() => document.title === 'Second factor')
    await submitUi(tabs[0]!)
    await allIn(tabs, { status: 'authenticated', isMfaVerified: true, methods: 'password+totp' })
    expect((await stateOf(tabs[0]!)).sessionId).not.toBe(sessionId)
  })

  it("a step-up from a signed-in app (whoami's required_aal aal1): login({ extraParams: { aal: 'aal2' } }) asks only the second factor of the same session, and every tab follows", async () => {
    const tabs = await tabsOf(2, { lifespanMs: 60 * 60_000, whoamiRequiredAal: 'aal1' })
    await signInFrom(tabs[0]!)
    kratos!.enrollSecondFactor()
    await allIn(tabs, { status: 'authenticated', isMfaVerified: false })
    const { sessionId } = await stateOf(tabs[0]!)
    await tabs[1]!.bringToFront()
    await Promise.all([onKratosUi(tabs[1]!), tabs[1]!.evaluate(() => void window.__kratosApp.login({ aal: 'aal2' }))])
    expect(await tabs[1]!.title()).toBe('Second factor')
    await submitUi(tabs[1]!)
    await allIn(tabs, { status: 'authenticated', sessionId, isMfaVerified: true, methods: 'password+totp' })
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.errors())).toEqual([])
  })

  it("an afterLogoutUrl Kratos refuses: the logout flow is asked for again without it, the session at Kratos ends (redirecting or not), and a warning names the URL", async () => {
    // allowed_return_urls covers the callback only, not the after-logout URL.
    const afterLogoutUrl = `${harness.origin}/signed-out`
    const tabs = await tabsOf(2, { lifespanMs: 60 * 60_000, allowedReturnUrls: [`${harness.origin}/callback`] }, { afterLogoutUrl })
    const warnings: string[][] = tabs.map(() => [])
    tabs.forEach((tab, i) => tab.on('console', (message) => void (message.type() === 'warning' && warnings[i]!.push(message.text()))))
    const whoamiStatus = (tab: Page) => tab.evaluate((url) => fetch(url, { credentials: 'include', headers: { Accept: 'application/json' } }).then((r) => r.status), `${kratos!.origin}/sessions/whoami`)
    await signInFrom(tabs[0]!)
    await allIn(tabs, { status: 'authenticated' })
    const before = kratos!.requests.length
    await tabs[1]!.bringToFront()
    // Refused (400 self_service_flow_return_to_forbidden), asked again without return_to: Kratos's logout URL then
    // sends the page to its default_browser_return_url (`/`), not to afterLogoutUrl.
    await Promise.all([tabs[1]!.waitForEvent('load'), tabs[1]!.click('#sign-out')])
    await tabs[1]!.waitForFunction(() => window.__kratosApp !== undefined)
    expect(tabs[1]!.url()).toBe(`${harness.origin}/`)
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    expect(kratos!.requests.slice(before)).toEqual(['GET /self-service/logout/browser 400', 'GET /self-service/logout/browser 200', 'GET /self-service/logout 303'])
    expect(kratos!.sessions()).toEqual([])
    expect(await whoamiStatus(tabs[1]!)).toBe(401)
    expect(warnings[1]).toHaveLength(1)
    expect(warnings[1]![0]).toContain(`"${afterLogoutUrl}"`)
    expect(warnings[1]![0]).toContain('selfservice.allowed_return_urls')
    expect(warnings[1]![0]).not.toMatch(/ory_lo_|self-service\/logout/)

    // Sign in asks for the password again (a session left at Kratos would have come straight back), then a
    // logout without leaving the page (an idle timeout's) is refused and retried the same way.
    await signInFrom(tabs[0]!)
    const out = kratos!.requests.length
    await tabs[0]!.evaluate(() => window.__kratosApp.logout(false))
    await allIn(tabs, { status: 'unauthenticated', revokeReason: 'user-logout' })
    expect(kratos!.requests.slice(out)).toEqual(['GET /self-service/logout/browser 400', 'GET /self-service/logout/browser 200', 'GET /self-service/logout 204'])
    expect(kratos!.sessions()).toEqual([])
    expect(await whoamiStatus(tabs[0]!)).toBe(401)
    expect(tabs[0]!.url()).toBe(`${harness.origin}/reports`) // it never left
    for (const tab of tabs) expect(await tab.evaluate(() => window.__kratosApp.errors())).toEqual([])
    expect(warnings[0]).toHaveLength(1)
  })

  it("a callback Kratos refuses: the login flow is never created, the browser stops on Kratos's error page", async () => {
    const tabs = await tabsOf(2, { lifespanMs: 60 * 60_000 })
    await signInFrom(tabs[0]!)
    // From a signed-in tab, asking for the password again: Kratos checks return_to before anything else.
    kratos!.allowReturnUrls([`${harness.origin}/reports`])
    await Promise.all([
      tabs[0]!.waitForURL((url) => url.href.startsWith(`${kratos!.origin}/ui/error?id=`)),
      tabs[0]!.evaluate(() => void window.__kratosApp.login({ refresh: 'true' })),
    ])
    expect(JSON.parse((await tabs[0]!.textContent('#kratos-error'))!)).toMatchObject({ error: { code: 400, id: 'self_service_flow_return_to_forbidden' } })
    expect(await tabs[1]!.evaluate(() => window.__kratosApp.state().status)).toBe('authenticated')
  })

  it('cross-origin whoami: with Date exposed the clock skew is known; without it, expires_at is read on the device clock', async () => {
    // Kratos's clock 5 minutes ahead of the device's; sessions of an hour.
    const nextRefresh = async (exposeDate: boolean) => {
      const [tab] = await tabsOf(1, { lifespanMs: 60 * 60_000, exposeDate, clockOffsetMs: 5 * 60_000 })
      const signedInAt = Date.now()
      await signInFrom(tab!)
      const at = (await tab!.evaluate(() => window.__kratosApp.nextRefreshAt())) as number
      await context!.close()
      await kratos!.close()
      context = kratos = undefined
      return at - signedInAt
    }
    const withDate = await nextRefresh(true)
    const withoutDate = await nextRefresh(false)
    expect(withDate).toBeLessThan(60 * 60_000) // due before the real end, an hour after sign-in
    expect(withoutDate - withDate).toBeGreaterThan(4 * 60_000) // the 5 minutes the device cannot see
  })
})
