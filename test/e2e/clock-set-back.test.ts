import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { appState, signedInTabs, sleep, startOidcWorld, tokensRefused } from './oidc-world'

// The device's clock set back 10 minutes while two tabs are signed in (a
// user fixing it, a time sync after resume). Playwright's clock moves the
// pages' Date and leaves performance.now() running, as a real clock change
// does. Before, the next refresh waited those 10 minutes, and the tabs
// handed out a token the provider had already expired.
describe.skipIf(!findChromium())('a device clock set back, against a real provider', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld(10)
    await world.harness.context.clock.install()
  })
  afterAll(() => world?.close())

  it('the refreshes keep coming before the real expiry, and every token handed out is one the provider accepts', async () => {
    const { tabs } = await signedInTabs(world, 2)
    await sleep(2_000)
    const pageNow = await tabs[0]!.evaluate(() => Date.now())
    await world.harness.context.clock.setSystemTime(pageNow - 10 * 60_000)
    world.provider.resetStats()
    const refused = await tokensRefused(world, tabs[1]!, 16_000, 1000)
    // 10 s tokens, refreshed 2 s ahead: about two refreshes in 16 s, none of them 10 minutes late.
    expect(world.provider.refreshGrantLog().length).toBeGreaterThanOrEqual(1)
    expect(world.provider.stats().invalidGrants).toBe(0)
    expect(refused).toEqual([])
    for (const state of await Promise.all(tabs.map(appState))) expect(state.status).toBe('authenticated')
    await Promise.all(tabs.map((tab) => tab.close()))
  })
})
