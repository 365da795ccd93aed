import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { appState, configuredTab, sleep, startOidcWorld } from './oidc-world'

/**
 * Two tabs on one callback URL (a duplicated tab, a restored window): the
 * authorization code must be redeemed once. A second redemption makes the
 * provider revoke what the first was given (oidc-provider does), so the
 * session would die at its first refresh, in every tab.
 */
describe.skipIf(!findChromium())('two tabs completing one callback URL', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld()
  })
  afterAll(() => world?.close())

  it('redeem the code once, both end signed in, and the tokens stay good', async () => {
    const { page: a } = await configuredTab(world)
    await a.evaluate(() => localStorage.setItem('e2e-hold-callback', '1'))
    await a.evaluate(() => {
      void window.__app.login()
    })
    await a.waitForURL('**/callback**', { timeout: 15_000 })
    const b = await world.harness.context.newPage()
    await b.goto(a.url())
    const tabs = [a, b]
    await Promise.all(tabs.map((tab) => tab.waitForFunction(() => window.__app?.callbackHeld())))
    world.provider.resetStats()

    // Both tabs start their completion at the same instant.
    const at = Date.now() + 300
    await Promise.all(tabs.map((tab) => tab.evaluate((when) => window.__app.completeCallbackAt(when), at)))
    const statuses = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__app.ready())))
    expect(statuses).toEqual(['authenticated', 'authenticated'])
    expect(world.provider.stats().tokenRequests).toBe(1)
    const [first, second] = await Promise.all(tabs.map(appState))
    expect(second).toEqual(first)

    // The tokens were not revoked: the refresh token still works.
    await sleep(200)
    await a.evaluate(() => window.__app.refresh())
    expect(world.provider.stats()).toMatchObject({ refreshGrantsSucceeded: 1, invalidGrants: 0 })
    await a.evaluate(() => localStorage.removeItem('e2e-hold-callback'))
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('a tab opened later on a completed callback URL (a duplicated tab) is signed in with that session, no second redemption', async () => {
    const { page: a } = await configuredTab(world)
    await a.evaluate(() => {
      localStorage.removeItem('e2e-hold-callback')
      void window.__app.login()
    })
    await a.waitForURL('**/callback**', { timeout: 15_000 })
    const callback = a.url()
    await a.waitForFunction(() => location.pathname === '/app.html', null, { timeout: 15_000 })
    expect(await a.evaluate(() => window.__app.ready())).toBe('authenticated')
    world.provider.resetStats()

    const b = await world.harness.context.newPage()
    await b.goto(callback)
    expect(await b.evaluate(() => window.__app.ready())).toBe('authenticated')
    expect(world.provider.stats().tokenRequests).toBe(0)
    expect(await appState(b)).toEqual(await appState(a))
    await Promise.all([a, b].map((tab) => tab.close()))
  })
})
