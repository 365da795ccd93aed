import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium } from '../support/browser-harness'
import { eventually as poll } from '../support/eventually'
import { appState, configuredTab, signedInTabs, sleep, startOidcWorld } from './oidc-world'

/** Polls until `check` passes, or fails with its last error. */
const eventually = (check: () => Promise<void>, timeoutMs = 10_000) => poll(check, timeoutMs, 100)

const failureCodes = (tab: Page) =>
  tab.evaluate(() => window.__app.events().flatMap((event) => (event.type === 'refresh-failed' && 'code' in event ? [event.code] : [])))

// A gateway in maintenance mode answers every path, the discovery document
// included, with 200 and a JSON status body. oidc-client-ts keeps the first
// document it reads for the client's life: a tab that met the maintenance
// page once would never refresh, sign in or sign out again until reloaded.
describe.skipIf(!findChromium())('the provider in maintenance (discovery answered 200 without endpoints), then back', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld(10)
  })
  afterAll(() => world?.close())
  afterEach(() => world.provider.setDown(false))

  it('tabs starting during it keep the session and its valid token, and refresh once it is over', async () => {
    const { tabs: [first] } = await signedInTabs(world, 1)
    world.provider.setDown('maintenance')
    // Two more tabs start (page load, the stored session read) while it lasts.
    const tabs = [first!, await world.harness.openTab('app'), await world.harness.openTab('app')]
    for (const tab of tabs) expect(await tab.evaluate(() => window.__app.ready())).toBe('authenticated')
    const token = (await appState(first!)).session!.accessToken
    expect(await tabs[2]!.evaluate(() => window.__app.getAccessToken())).toBe(token)
    // A refresh in every tab meets the maintenance page: typed, transient, and the session stays.
    for (const tab of tabs) {
      expect(await tab.evaluate(() => window.__app.refresh().then(() => 'refreshed', (error: { code?: string }) => error.code))).toBe('refresh-server')
    }
    for (const tab of tabs) {
      expect(await failureCodes(tab)).toEqual(['refresh-server'])
      expect((await appState(tab)).status).toBe('authenticated')
    }

    world.provider.resetStats()
    world.provider.setDown(false)
    // The refresh due 8 s into the 10 s token.
    await eventually(async () => expect(world.provider.stats().refreshGrantsSucceeded).toBe(1), 15_000)
    await eventually(async () => {
      const states = await Promise.all(tabs.map(appState))
      for (const state of states) {
        expect(state.status).toBe('authenticated')
        expect(state.session!.accessToken).not.toBe(token)
        expect(state.session).toEqual(states[0]!.session)
      }
    })
    expect(world.provider.stats().invalidGrants).toBe(0)
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('login() during it: sign-in-failed, nothing kept, and the next login() signs in', async () => {
    const { page } = await configuredTab(world)
    world.provider.setDown('maintenance')
    expect(await page.evaluate(() => window.__app.outcome('login'))).toMatchObject({ ok: false, name: 'AuthSessionError', code: 'sign-in-failed' })
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('oidc.')))).toEqual([])
    expect((await appState(page)).status).toBe('unauthenticated')
    world.provider.setDown(false)
    await page.evaluate(() => {
      void window.__app.login()
    })
    await page.waitForURL('**/callback**', { timeout: 10_000 })
    await page.waitForFunction(() => location.pathname === '/app.html', null, { timeout: 10_000 })
    expect(await page.evaluate(() => window.__app.ready())).toBe('authenticated')
    await page.close()
  })
})
