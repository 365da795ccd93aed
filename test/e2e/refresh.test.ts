import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium } from '../support/browser-harness'
import { eventually as poll } from '../support/eventually'
import { appState, signedInTabs, sleep, startOidcWorld } from './oidc-world'

/** Polls until `check` passes, or fails with its last error. */
const eventually = (check: () => Promise<void>, timeoutMs = 15_000) => poll(check, timeoutMs, 100)

const allStates = (tabs: Page[]) => Promise.all(tabs.map(appState))
const closeAll = (tabs: Page[]) => Promise.all(tabs.map((tab) => tab.close()))

// 10 s access tokens, refreshed 20 % ahead: one window is 8 s.
const WINDOW_MS = 8_000

describe.skipIf(!findChromium())('silent refresh against a real provider with rotation', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld(10)
  })
  afterAll(() => world?.close())
  // A failed test must not leave the provider down or failing for the next one.
  afterEach(() => {
    world.provider.setDown(false)
    world.provider.failRefreshWithInvalidGrant(false)
  })

  // Six tabs (three race in the cases below; the refresh-storm benchmark runs 1 to 10, and the unit suite one tab).
  it('6 tabs, 3+ expiry windows: exactly one refresh per window, no invalid_grant', async () => {
    const { tabs } = await signedInTabs(world, 6)
    world.provider.resetStats()
    const started = Date.now()
    await sleep(3 * WINDOW_MS + 3_000)
    const elapsed = Date.now() - started
    const log = world.provider.refreshGrantLog()
    const stats = world.provider.stats()

    expect(stats.invalidGrants).toBe(0)
    expect(log.every((entry) => entry.ok)).toBe(true)
    // One per window: as many refreshes as windows elapsed, never two close together.
    expect(log.length).toBeGreaterThanOrEqual(3)
    expect(log.length).toBeLessThanOrEqual(Math.ceil(elapsed / WINDOW_MS))
    const gaps = log.slice(1).map((entry, i) => entry.at - log[i]!.at)
    for (const gap of gaps) expect(gap).toBeGreaterThan(WINDOW_MS * 0.75)
    // Each refresh used a different (rotated) refresh token.
    expect(new Set(log.map((entry) => entry.refreshTokenHash)).size).toBe(log.length)

    await eventually(async () => {
      const states = await allStates(tabs)
      for (const state of states) {
        expect(state.status).toBe('authenticated')
        expect(state.session).toEqual(states[0]!.session)
      }
    })
    await closeAll(tabs)
  })

  it('three tabs whose API refused the same token refresh once between them (refresh({ refused }))', async () => {
    const { tabs } = await signedInTabs(world, 3)
    const refused = (await appState(tabs[0]!)).session!.accessToken
    world.provider.resetStats()
    await Promise.all(tabs.map((tab) => tab.evaluate((token) => window.__app.refreshRefused(token), refused)))
    expect(world.provider.stats()).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, invalidGrants: 0 })
    const handedOut = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__app.getAccessToken())))
    expect(new Set(handedOut).size).toBe(1)
    expect(handedOut[0]).not.toBe(refused)
    await closeAll(tabs)
  })

  it('a provider outage past expiry is survived: retries, then the session goes on', async () => {
    const { tabs } = await signedInTabs(world, 3)
    world.provider.setDown(true)
    await sleep(12_000) // the access token expires during the outage
    for (const state of await allStates(tabs)) expect(state.status).toBe('authenticated')
    // Retried with a backoff shared through the record: some tab retried, not every tab each step.
    const failures = await Promise.all(
      tabs.map((tab) => tab.evaluate(() => window.__app.events().filter((e) => e.type === 'refresh-failed').length)),
    )
    expect(failures.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    world.provider.resetStats()
    world.provider.setDown(false)
    await eventually(async () => expect(world.provider.stats().refreshGrantsSucceeded).toBe(1))
    await eventually(async () => {
      const states = await allStates(tabs)
      for (const state of states) {
        expect(state.status).toBe('authenticated')
        expect(Date.parse(state.session!.expiresAt)).toBeGreaterThan(Date.now())
        expect(state.session).toEqual(states[0]!.session)
      }
    })
    expect(world.provider.stats().invalidGrants).toBe(0)
    const token = await tabs[2]!.evaluate(() => window.__app.getAccessToken())
    expect(token).toBe((await appState(tabs[0]!)).session!.accessToken)
    await closeAll(tabs)
  })

  it('invalid_grant from the provider signs every tab out with token-expired', async () => {
    const { tabs } = await signedInTabs(world, 3)
    world.provider.failRefreshWithInvalidGrant(true)
    try {
      await eventually(async () => {
        for (const state of await allStates(tabs)) {
          expect(state.status).toBe('unauthenticated')
          expect(state.session).toMatchObject({ status: 'expired', revokeReason: 'token-expired', accessToken: '' })
          expect(state.session).not.toHaveProperty('refreshToken')
        }
      }, 20_000)
    } finally {
      world.provider.failRefreshWithInvalidGrant(false)
    }
    await closeAll(tabs)
  })

  it('a tab closed while holding the refresh lock does not block the others', async () => {
    const { tabs, dbName } = await signedInTabs(world, 3)
    const [holder, ...rest] = tabs as [Page, ...Page[]]
    await holder.evaluate((db) => window.__app.holdRefreshLock(db), dbName)
    world.provider.resetStats()
    await sleep(WINDOW_MS + 2_000)
    // Everyone is waiting on the lock: no refresh could start.
    expect(world.provider.stats().refreshGrants).toBe(0)
    await holder.close()
    await eventually(async () => expect(world.provider.stats().refreshGrantsSucceeded).toBe(1))
    await eventually(async () => {
      for (const state of await allStates(rest)) {
        expect(state.status).toBe('authenticated')
        expect(Date.parse(state.session!.expiresAt)).toBeGreaterThan(Date.now())
      }
    })
    expect(world.provider.stats().invalidGrants).toBe(0)
    await closeAll(rest)
  })
})
