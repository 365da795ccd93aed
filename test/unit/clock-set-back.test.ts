import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, RefreshError } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { failable } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'

afterEach(() => browserCleanups.splice(0).forEach((cleanup) => cleanup()))

// The device's clock set back while the app is open (a user fixing it, a
// time sync after resume). The provider's clock did not move: the tokens
// still expire when they did, and the refresh must come before that.
// (Tokens live 10 minutes here and are refreshed a minute before.)
describe('a device clock set back while tabs are open', () => {
  type Browser = Awaited<ReturnType<typeof browser>>
  /** Moves elapsed (server) time to `ms` after `from`, firing timers on the way. */
  const until = (b: Browser, from: number, ms: number) => b.clock.advance(from + ms - b.clock.serverNow()).then(() => settle(10))

  it('the refresh still comes before the real expiry, once for the browser, and both tabs agree on the next one', async () => {
    const b = await browser(2)
    await b.signIn()
    const signedInAt = b.clock.serverNow()
    await b.clock.advance(2 * MINUTE)
    b.clock.setBack(10 * MINUTE)
    await until(b, signedInAt, 9 * MINUTE + 1000)
    expect(b.server.refreshes).toBe(1)
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
    // Before: nothing for another 10 minutes, while tabs handed out the expired token as valid.
    await expect(b.stores[1]!.getAccessToken()).resolves.toBe(b.stores[0]!.getState().session!.accessToken)
    expect(b.stores[1]!.derived()?.isExpired).toBe(false)
    expect(b.stores.map((store) => Math.round((store.nextRefreshAt()! - b.clock.now()) / MINUTE))).toEqual([9, 9])
  })

  it.each([
    ['a wake-up (focus)', (b: Browser) => b.wake.fire('focus')],
    ['an update() (a change event)', (b: Browser) => void b.stores[0]!.update({ metadata: { theme: 'dark' } })],
  ])('is still followed when %s comes first', async (_, first) => {
    const b = await browser(1)
    await b.signIn()
    const signedInAt = b.clock.serverNow()
    await b.clock.advance(2 * MINUTE)
    b.clock.setBack(10 * MINUTE)
    first(b)
    await settle()
    await until(b, signedInAt, 9 * MINUTE + 1000)
    expect(b.server.refreshes).toBe(1)
  })

  it('the skew is moved once, though every tab sees the set-back', async () => {
    const b = await browser(3)
    await b.signIn()
    await b.clock.advance(2 * MINUTE)
    b.clock.setBack(10 * MINUTE)
    b.wake.fire('focus')
    await settle(10)
    // The access token's expiry, on the device's clock now: 8 minutes away (10 - 2), not 18 (nor -2).
    for (const store of b.stores) expect(Math.round((store.nextRefreshAt()! - b.clock.now()) / MINUTE)).toBe(7)
    await expect(b.stores[2]!.getAccessToken()).resolves.toMatch(/^at-/)
  })

  it('a tab that adopted the shifted record before noticing the set-back itself does not move it again', async () => {
    const b = await browser(2)
    await b.signIn()
    await b.clock.advance(2 * MINUTE)
    b.clock.setBack(10 * MINUTE)
    void b.stores[0]!.update({ metadata: { theme: 'dark' } }) // only tab 0 looks at the clock; tab 1 first hears of its shift
    await settle(20)
    for (const store of b.stores) expect(Math.round((store.nextRefreshAt()! - b.clock.now()) / MINUTE)).toBe(7)
    expect(b.stores[1]!.derived()!.idleMinutes).toBeCloseTo(2, 1)
  })

  it("during a backoff: the retry comes when it would have (the tab's own backoff moves too)", async () => {
    const b = await browser(1)
    await b.signIn()
    const signedInAt = b.clock.serverNow()
    b.server.failNext(() => new RefreshError('refresh-network', 'blip'))
    await until(b, signedInAt, 9 * MINUTE + 100) // due: fails, backs off about a second
    b.clock.setBack(10 * MINUTE)
    await until(b, signedInAt, 9 * MINUTE + 40_000)
    expect(b.server.refreshes).toBe(1)
    expect(b.stores[0]!.getState().status).toBe('authenticated')
  })

  it('with storage full: followed in memory, and the refresh still comes', async () => {
    const { persistence, disk } = failable(createMemoryPersistence())
    const b = await browser(1, { persistence })
    await b.signIn()
    const signedInAt = b.clock.serverNow()
    await b.clock.advance(2 * MINUTE)
    disk.full = true
    b.clock.setBack(10 * MINUTE)
    await until(b, signedInAt, 9 * MINUTE + 1000)
    expect(b.server.refreshes).toBe(1)
    expect(b.stores[0]!.getState()).toMatchObject({ status: 'authenticated', error: { code: 'storage-quota' } })
  })

  it('a clock without monotonic(), whose timers fire early, is not taken for a set-back', async () => {
    const fake = new FakeClock()
    const clock = { now: fake.now, setTimeout: (callback: () => void, ms: number) => fake.setTimeout(callback, Math.min(ms, MINUTE)), clearTimeout: fake.clearTimeout }
    const b = await browser(1, { clock })
    await b.signIn()
    await fake.advance(5 * MINUTE)
    await settle(10)
    expect(b.server.refreshes).toBe(0)
  })
})
