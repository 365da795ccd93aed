import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { appState, configuredTab, redeemAtProvider, signedInTabs, startOidcWorld } from './oidc-world'

type World = Awaited<ReturnType<typeof startOidcWorld>>

/**
 * The provider redirects back with an error instead of a code: the app gets
 * sign-in-failed with the provider's code in `providerError` (so it can tell a
 * refusal from an outage) and the `returnTo` its login() was given (so it can
 * offer to try again there), nothing stored changes, and the next login() works.
 */
describe.skipIf(!findChromium())('a callback that carries the provider error', () => {
  let world: World
  beforeAll(async () => {
    world = await startOidcWorld(60)
  })
  afterAll(() => world?.close())

  it("prompt=none without a provider session: login_required, signed out as before, the next login() signs in", async () => {
    await world.harness.context.clearCookies() // no provider session
    const { page } = await configuredTab(world)
    await page.evaluate(() => {
      void window.__app.login({ returnTo: '/orders/42', extraParams: { prompt: 'none' } })
    })
    await page.waitForURL('**/callback**', { timeout: 15_000 })
    await page.waitForFunction(() => window.__app?.callbackOutcome() !== undefined, null, { timeout: 15_000 })
    expect(await page.evaluate(() => window.__app.callbackOutcome())).toMatchObject({ ok: false, code: 'sign-in-failed', providerError: 'login_required', returnTo: '/orders/42' })
    expect((await appState(page)).status).toBe('unauthenticated')
    // Nothing of that sign-in is left behind (oidc-client-ts's state used up).
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('oidc.')))).toEqual([])

    await page.evaluate(() => {
      void window.__app.login()
    })
    await page.waitForURL('**/callback**', { timeout: 15_000 })
    await page.waitForFunction(() => window.__app?.callbackOutcome()?.ok === true, null, { timeout: 15_000 })
    expect((await appState(page)).status).toBe('authenticated')
    await page.close()
  })

  it('access_denied while signed in (a cancelled step-up): every tab keeps its session, whose refresh token still works', async () => {
    const { tabs } = await signedInTabs(world, 2)
    const [a, b] = tabs as [(typeof tabs)[0], (typeof tabs)[0]]
    const before = await appState(a)
    // The provider answers the authorization request as for a user who cancels.
    await a.route(`${world.provider.issuer}/auth?**`, async (route) => {
      const asked = new URL(route.request().url())
      const back = new URL(asked.searchParams.get('redirect_uri')!)
      back.search = new URLSearchParams({ error: 'access_denied', error_description: 'End-User aborted interaction', state: asked.searchParams.get('state')! }).toString()
      await route.fulfill({ status: 302, headers: { location: back.href } })
    })
    world.provider.resetStats()
    await a.evaluate(() => {
      void window.__app.login({ returnTo: '/settings/security?step=mfa#keys', extraParams: { prompt: 'login' } })
    })
    await a.waitForURL('**/callback**', { timeout: 15_000 })
    await a.waitForFunction(() => window.__app?.callbackOutcome() !== undefined, null, { timeout: 15_000 })
    expect(await a.evaluate(() => window.__app.callbackOutcome())).toMatchObject({ ok: false, code: 'sign-in-failed', providerError: 'access_denied', returnTo: '/settings/security?step=mfa#keys' })
    expect(world.provider.stats().tokenRequests).toBe(0)
    expect(await appState(a)).toEqual(before)
    expect(await appState(b)).toEqual(before)
    expect((await redeemAtProvider(world, before.session!.refreshToken!)).status).toBe(200)
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('the same error callback again (its sign-in state used up): the same typed error, with no returnTo', async () => {
    await world.harness.context.clearCookies()
    const { page } = await configuredTab(world)
    let errorCallback = ''
    await page.route(`${world.provider.issuer}/auth?**`, async (route) => {
      const asked = new URL(route.request().url())
      const back = new URL(asked.searchParams.get('redirect_uri')!)
      back.search = new URLSearchParams({ error: 'access_denied', state: asked.searchParams.get('state')! }).toString()
      errorCallback = back.href
      await route.fulfill({ status: 302, headers: { location: back.href } })
    })
    await page.evaluate(() => {
      void window.__app.login({ returnTo: '/orders/42' })
    })
    await page.waitForURL('**/callback**', { timeout: 15_000 })
    await page.waitForFunction(() => window.__app?.callbackOutcome() !== undefined, null, { timeout: 15_000 })
    expect(await page.evaluate(() => window.__app.callbackOutcome())).toMatchObject({ ok: false, code: 'sign-in-failed', providerError: 'access_denied', returnTo: '/orders/42' })

    // Back (or a reload) onto that callback URL: oidc-client-ts no longer holds its state.
    await page.goto(errorCallback)
    await page.waitForFunction(() => window.__app?.callbackOutcome() !== undefined, null, { timeout: 15_000 })
    const again = (await page.evaluate(() => window.__app.callbackOutcome())) as { ok: boolean; code?: string; returnTo?: unknown }
    expect(again).toMatchObject({ ok: false, code: 'sign-in-failed' })
    expect(again.returnTo).toBeUndefined()
    expect((await appState(page)).status).toBe('unauthenticated')
    await page.close()
  })

  it('a code the provider refuses at the exchange (invalid_grant): the returnTo too, and the code nowhere in the error', async () => {
    const { page } = await configuredTab(world)
    // The exchange sends a code the provider never issued (the real one as if spent): it answers invalid_grant.
    let issued = ''
    await page.route(`${world.provider.issuer}/token`, async (route) => {
      const form = new URLSearchParams(route.request().postData() ?? '')
      issued = form.get('code') ?? ''
      form.set('code', 'not-a-code-it-issued')
      await route.continue({ postData: form.toString() })
    })
    await page.evaluate(() => {
      void window.__app.login({ returnTo: '/orders/42' })
    })
    await page.waitForURL('**/callback**', { timeout: 15_000 })
    await page.waitForFunction(() => window.__app?.callbackOutcome() !== undefined, null, { timeout: 15_000 })
    const outcome = await page.evaluate(() => window.__app.callbackOutcome())
    expect(outcome).toMatchObject({ ok: false, code: 'sign-in-failed', providerError: 'invalid_grant', returnTo: '/orders/42' })
    expect(issued.length).toBeGreaterThan(10)
    expect(JSON.stringify(outcome)).not.toContain(issued)
    expect((await appState(page)).status).toBe('unauthenticated')
    await page.close()
  })
})
