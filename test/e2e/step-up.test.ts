import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium } from '../support/browser-harness'
import { appState, signedInTabs, sleep, startOidcWorld } from './oidc-world'

/**
 * A step-up in one tab (`login({ extraParams: { prompt: 'login' } })`): the
 * provider authenticates again inside its session, so the new login keeps
 * the session id (`sid`) and gets a new auth time. Another tab's form,
 * initialised from the session before it and saved after it as
 * `update({ ...copy, x })`, must not bring back the earlier authentication.
 */
describe.skipIf(!findChromium())('step-up sign-in in one tab while another holds a copy of the session', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld(60)
  })
  afterAll(() => world?.close())

  it('every tab shows the new login, and a stale copy saved afterwards does not mix the two logins', async () => {
    const { tabs } = await signedInTabs(world, 2)
    const [a, b] = tabs as [Page, Page]
    const before = (await appState(b)).session!
    await b.evaluate(() => {
      ;(window as unknown as { copy: unknown }).copy = window.__app.state().session
    })
    await sleep(1100) // auth_time has a resolution of one second
    await a.evaluate(() => {
      void window.__app.login({ extraParams: { prompt: 'login' } })
    })
    await a.waitForURL('**/callback**', { timeout: 15_000 })
    await a.waitForFunction(() => location.pathname === '/app.html' && window.__app.callbackOutcome()?.ok === true, null, { timeout: 15_000 })
    const stepUp = (await appState(a)).session!
    expect(stepUp.sessionId).toBe(before.sessionId) // the provider's sid: one provider session
    expect(Date.parse(stepUp.initiatedAt)).toBeGreaterThan(Date.parse(before.initiatedAt))
    await b.waitForFunction((token) => window.__app.state().session?.accessToken === token, stepUp.accessToken)

    const saved = await b.evaluate(() => {
      const copy = (window as unknown as { copy: NonNullable<ReturnType<typeof window.__app.state>['session']> }).copy
      return window.__app.update({ ...copy, metadata: { ...copy.metadata, theme: 'dark' } })
    })
    expect(saved).toBe(false)
    for (const tab of tabs) expect((await appState(tab)).session).toEqual(stepUp)
    await Promise.all(tabs.map((tab) => tab.close()))
  })
})
