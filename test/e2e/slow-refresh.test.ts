import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Route } from 'playwright-core'
import { findChromium } from '../support/browser-harness'
import { appState, signedInTabs, sleep, startOidcWorld, tokensRefused } from './oidc-world'

// A provider that rotates refresh tokens strictly answers a refresh 6 s late
// (the fixture's refresh timeoutMs is 5 s: the scheduler aborts at 5 s and
// gives up at 10 s). The answer holds the only valid refresh token. Before,
// oidc-client-ts aborted the request at 5 s: the answer was lost, the retry
// sent the spent token, and the provider signed every tab out. And a late
// answer's token lifetime counted from its arrival, so a token already past
// its real expiry was handed out as valid.
describe.skipIf(!findChromium())('a refresh answer that arrives late, against a real provider', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld(10)
  })
  afterAll(() => world?.close())

  it('is kept: no invalid_grant, every tab signed in, its refresh token the one sent next, and no token handed out the provider refuses', async () => {
    const { tabs } = await signedInTabs(world, 2)
    world.provider.resetStats()
    let delayed = 0
    const lateAnswer = async (route: Route) => {
      if (!route.request().postData()?.includes('grant_type=refresh_token') || delayed++ > 0) return route.continue()
      const sent = Date.now()
      const response = await route.fetch() // the provider has answered and rotated
      await sleep(6_000 - (Date.now() - sent))
      await route.fulfill({ response })
    }
    await world.harness.context.route('**/token', lateAnswer)
    try {
      const refused = await tokensRefused(world, tabs[1]!, 20_000, 500)
      const log = world.provider.refreshGrantLog() as Array<{ ok: boolean; refreshTokenHash?: string; newRefreshTokenHash?: string }>
      expect(delayed).toBeGreaterThan(0)
      expect(world.provider.stats().invalidGrants).toBe(0)
      expect(log.length).toBeGreaterThanOrEqual(2)
      expect(log.every((entry) => entry.ok)).toBe(true)
      // Each refresh presented the token the one before it issued: the late answer's was kept.
      for (let i = 1; i < log.length; i += 1) expect(log[i]!.refreshTokenHash).toBe(log[i - 1]!.newRefreshTokenHash)
      expect(refused).toEqual([])
      for (const state of await Promise.all(tabs.map(appState))) expect(state.status).toBe('authenticated')
    } finally {
      await world.harness.context.unroute('**/token', lateAnswer)
      await Promise.all(tabs.map((tab) => tab.close()))
    }
  })
})
