import { appendFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { runChaos } from './chaos-run'
import { startChaosWorld, within, type ChaosWorld } from './chaos-tabs'

/**
 * The races of the other suites, mixed over time: one browser's tabs opened,
 * closed, reloaded, shown, frozen and cut off the network, the provider down
 * (now and then past expiry), refresh, getAccessToken, update and
 * recordActivity in random tabs, all on 8 s access tokens with rotating
 * refresh tokens. Seeded: the same seed replays the same choices (timings
 * vary). A longer soak: CHAOS_SEED=... CHAOS_MS=200000 CHAOS_LOG=1 (the log,
 * every action, goes to /tmp/chaos-<seed>.log).
 */
const TTL_S = 8
const SEED = Number(process.env.CHAOS_SEED ?? 12)
// A fixed number of actions (the same sequence each run), cut short at 45 s on a slow machine.
const ACTIONS = Number(process.env.CHAOS_ACTIONS ?? (process.env.CHAOS_MS ? Infinity : 50))
const DURATION_MS = Number(process.env.CHAOS_MS ?? 45_000)
const LOG = process.env.CHAOS_LOG ? `/tmp/chaos-${SEED}.log` : null

describe.skipIf(!findChromium())('chaos soak across tabs against a real provider', () => {
  let world: ChaosWorld
  beforeAll(async () => {
    world = await startChaosWorld(TTL_S)
  })
  afterAll(() => world?.close())

  it(`seed ${SEED}: no spent refresh token, no tab signed out, tabs converge, one refresh per expiry; then a logout ends it all`, { timeout: DURATION_MS + 150_000 }, async () => {
    world.provider.resetStats()
    if (LOG) writeFileSync(LOG, '')
    const started = Date.now()
    const report = await runChaos(world, { seed: SEED, durationMs: DURATION_MS, maxActions: ACTIONS, quietEvery: 20, onLog: LOG ? (line) => appendFileSync(LOG, `${line}\n`) : undefined })
    const elapsed = Date.now() - started
    const grants = world.provider.refreshGrantLog()
    const succeeded = grants.filter((entry) => entry.ok)
    const windows = Math.floor(elapsed / (TTL_S * 800)) // refreshed 20 % ahead of expiry
    const summary = `${report.actionCount} actions ${JSON.stringify(report.actions)}; ${succeeded.length} refreshes (${grants.length} sent) in ${elapsed} ms: ${windows} expiry windows + ${report.forcedRefreshes} forced; ${report.tokensChecked} tokens checked at the provider; slowest convergence ${report.slowestConvergenceMs} ms`
    console.log(`chaos seed ${SEED}: ${summary}`)
    if (LOG) appendFileSync(LOG, `${summary}\n`)

    expect(report.violations).toEqual([])
    expect(world.provider.stats().invalidGrants).toBe(0)
    // Each refresh token was sent once: rotation was never raced.
    expect(new Set(succeeded.map((entry) => entry.refreshTokenHash)).size).toBe(succeeded.length)
    // Once per expiry for the whole browser: never more than the windows plus the forced calls, and the timer did run.
    expect(succeeded.length).toBeLessThanOrEqual(windows + 1 + report.forcedRefreshes)
    expect(succeeded.length).toBeGreaterThanOrEqual(Math.floor(windows / 2))
    expect(report.actionCount).toBeGreaterThanOrEqual(Math.min(ACTIONS, 20))

    // A logout in one tab: every tab signed out, no token left in IndexedDB, and nothing sent to the provider after.
    const tabs = world.tabs
    const out = tabs[SEED % tabs.length]!
    expect(await out.page.evaluate(() => window.__app.outcome('logout', { redirect: false }))).toEqual({ ok: true })
    await eventually(async () => {
      for (const tab of tabs) {
        const state = await within(10_000, `tab ${tab.id}`, tab.page.evaluate(() => window.__app.state()))
        expect(state).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout', accessToken: '' } })
        expect(state.session).not.toHaveProperty('refreshToken')
      }
    }, 15_000, 100)
    const stored = await out.page.evaluate((db) => window.__app.rawDatabase(db), world.dbName)
    expect(stored).toContain('user-logout')
    expect(stored).not.toMatch(/"accessToken":"[^"]|refreshToken|idToken/)
    world.provider.resetStats()
    // Past the expiry of the last access token: a tab still scheduling a refresh would have sent it.
    await new Promise((resolve) => setTimeout(resolve, TTL_S * 1000 + 1000))
    expect(world.provider.stats().refreshGrants).toBe(0)
    for (const tab of tabs) {
      const entries = await tab.page.evaluate(() => window.__app.webStorage())
      expect(entries.join('\n')).not.toMatch(/accessToken|refresh_token|refreshToken/)
    }
    expect(world.pageErrors).toEqual([])
  })
})
