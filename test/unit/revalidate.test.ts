import { afterEach, describe, expect, it } from 'vitest'
import { createSessionStore, RefreshError } from '../../src/index'
import { settle } from '../support/fake-clock'
import { destroyTabs } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE, statuses } from '../support/refresh-browser'

afterEach(() => {
  browserCleanups.splice(0).forEach((cleanup) => cleanup())
  destroyTabs()
})

// A session a server may revoke long before it expires (Kratos's 24 h
// sessions, a cookie server's): refreshed only near expiry, a revocation is
// found a day late unless the app's API answers 401. refresh.revalidateAfterMs
// asks the server again once the session was last confirmed that long ago,
// once for the whole browser.
describe('refresh.revalidateAfterMs', () => {
  it('asks the server again every interval, once for the browser, however far the expiry', async () => {
    const b = await browser(3, { ttlMs: 24 * 60 * MINUTE, refresh: { revalidateAfterMs: 5 * MINUTE } })
    await b.signIn()
    await b.clock.advance(5 * MINUTE - 1)
    expect(b.server.refreshes).toBe(0)
    await b.clock.advance(1)
    expect(b.server.refreshes).toBe(1)
    await b.clock.advance(25 * MINUTE)
    expect(b.server.refreshes).toBe(6)
    expect(b.server.invalidGrants).toBe(0)
    expect(statuses(b.stores)).toEqual(Array(3).fill('authenticated'))
  })

  it('finds a session revoked at the server within the interval, and signs every tab out', async () => {
    const b = await browser(3, { ttlMs: 24 * 60 * MINUTE, refresh: { revalidateAfterMs: 5 * MINUTE } })
    await b.signIn()
    await b.clock.advance(MINUTE)
    b.server.failNext(() => new RefreshError('refresh-rejected', 'The server holds no session (401)', { providerError: 'http_401' }))
    await b.clock.advance(4 * MINUTE)
    await settle(8)
    expect(statuses(b.stores)).toEqual(Array(3).fill('unauthenticated'))
    expect(b.stores[2]!.getState().session).toMatchObject({ revokeReason: 'token-expired' })
  })

  it('a tab that wakes after the interval (its timers never fired) asks at once: a laptop opened in the morning', async () => {
    const b = await browser(2, { ttlMs: 24 * 60 * MINUTE, refresh: { revalidateAfterMs: 5 * MINUTE } })
    await b.signIn()
    b.clock.sleep(8 * 60 * MINUTE)
    await settle()
    expect(b.server.refreshes).toBe(0)
    b.wake.fire('visible')
    await settle(8)
    expect(b.server.refreshes).toBe(1)
  })

  it('without it, nothing is asked until the expiry nears', async () => {
    const b = await browser(2, { ttlMs: 24 * 60 * MINUTE })
    await b.signIn()
    await b.clock.advance(6 * 60 * MINUTE)
    expect(b.server.refreshes).toBe(0)
  })

  it('refuses a revalidateAfterMs that is not a number of ms', () => {
    for (const revalidateAfterMs of [-1, Number.NaN, '300000']) {
      expect(() => createSessionStore({ refresh: { revalidateAfterMs: revalidateAfterMs as number } })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    }
  })
})
