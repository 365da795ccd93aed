import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, RefreshError, type SessionStore, type SessionStoreOptions } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { failable } from '../support/fake-tabs'
import { browser, browserCleanups, ManualWake, MINUTE } from '../support/refresh-browser'
import { uniqueDbName } from '../support/sessions'

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

// Set back while no tab ran (the browser closed; an NTP fix at boot): no tab
// saw it happen. The record's own times from the device's clock lie ahead of
// it, by at least as much as it went back (less the time that passed between
// the last sign-in or refresh and the set-back, which nothing tells); the
// first tab to start shifts the record by that much.

/** A tab on the browser's database, with its clock and token server. */
async function openTab(b: Awaited<ReturnType<typeof browser>>, dbName: string, options: Partial<SessionStoreOptions> = {}) {
  const store = createSessionStore({ dbName, clock: b.clock, locks: createMemoryLocks(), wake: new ManualWake(), source: b.server.source(), ...options })
  browserCleanups.push(store.start(), () => store.destroy())
  await store.whenHydrated()
  await settle(10)
  return store
}

/**
 * Signs in, `before` runs (by default 2 minutes pass), every tab closes, the
 * clock goes back 10 minutes, and a tab starts.
 */
async function reopened(options: Partial<SessionStoreOptions> = {}, { ttlMs = 10 * MINUTE, before = (b: Awaited<ReturnType<typeof browser>>) => b.clock.advance(2 * MINUTE) } = {}) {
  const dbName = uniqueDbName()
  const b = await browser(1, { dbName, ttlMs })
  await b.signIn()
  const signedInAt = b.clock.serverNow()
  await before(b)
  b.stores[0]!.destroy()
  b.clock.setBack(10 * MINUTE)
  const store = await openTab(b, dbName, options)
  return { b, store, signedInAt, dbName }
}

/** The last activity is not left ahead of the clock: idle time counts from it, and new activity is recorded at once. */
async function activityFollows(b: Awaited<ReturnType<typeof browser>>, store: SessionStore) {
  store.derived()
  await settle(10)
  expect(Date.parse(store.getState().session!.lastActivityAt)).toBeLessThanOrEqual(b.clock.now())
  await b.clock.advance(MINUTE)
  expect(store.derived()!.idleMinutes).toBeCloseTo(1, 5)
  store.recordActivity()
  expect(Date.parse(store.getState().session!.lastActivityAt)).toBe(b.clock.now())
}

describe('a device clock set back while no tab ran', () => {
  it('the refresh is late by at most the time that passed while closed, not by the whole set-back', async () => {
    const { b, store, signedInAt } = await reopened()
    // It cannot know the 2 minutes that passed before the set-back: the token's 8 left look like 10, not 18.
    expect(Math.round((store.nextRefreshAt()! - b.clock.now()) / MINUTE)).toBe(9)
    await b.clock.advance(signedInAt + 11 * MINUTE + 1000 - b.clock.serverNow())
    await settle(10)
    expect(b.server.refreshes).toBe(1)
    expect(store.getState().status).toBe('authenticated')
    await expect(store.getAccessToken()).resolves.toBe(store.getState().session!.accessToken)
    expect(store.getState().session!.accessToken).not.toBe('at-1')
  })

  it('idle time counts again at once, in a store without a source', async () => {
    const { b, store } = await reopened({ source: undefined })
    expect(store.derived()!.idleMinutes).toBeCloseTo(0, 5)
    await b.clock.advance(3 * MINUTE)
    // Before: 0 for 8 minutes, the last activity lying in the future.
    expect(store.derived()!.idleMinutes).toBeCloseTo(3, 5)
    store.recordActivity()
    expect(Date.parse(store.getState().session!.lastActivityAt)).toBe(b.clock.now())
  })

  it('is shifted once: a tab starting after the first does not move it again', async () => {
    const { b, store, dbName } = await reopened()
    const second = await openTab(b, dbName)
    expect(second.nextRefreshAt()).toBe(store.nextRefreshAt())
    expect(Math.round((second.nextRefreshAt()! - b.clock.now()) / MINUTE)).toBe(9)
  })

  it('after activity later than the tokens: the last activity does not stay ahead of the clock', async () => {
    const { b, store } = await reopened({ source: undefined }, {
      before: async (b) => {
        await b.clock.advance(2 * MINUTE)
        b.stores[0]!.recordActivity() // written at once (the first write): 2 minutes after the tokens were obtained
        await settle(10)
      },
    })
    // The tokens' time says 8 minutes back; the activity 2 minutes later must not be left 2 minutes ahead.
    await activityFollows(b, store)
  })

  it('by less than the tokens are old: the last activity it left ahead is taken back to now', async () => {
    const { b, store } = await reopened({ source: undefined }, {
      ttlMs: 60 * MINUTE,
      before: async (b) => {
        await b.clock.advance(30 * MINUTE)
        b.stores[0]!.recordActivity()
        await settle(10)
      },
    }) // the tokens were obtained 20 minutes before the clock now reads; the activity lies 10 ahead
    await activityFollows(b, store)
  })
})
