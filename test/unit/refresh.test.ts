import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createSessionStore, RefreshError, type SessionStore, type SessionStoreOptions } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { browser, browserCleanups, ManualWake, MINUTE, statuses, tokens } from '../support/refresh-browser'
import { uniqueDbName } from '../support/sessions'

const cleanups = browserCleanups
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))


describe('refresh scheduling', () => {
  it('refreshes once per expiry window for the whole browser, however many tabs', async () => {
    const b = await browser(4)
    await b.signIn()
    expect(statuses(b.stores)).toEqual(Array(4).fill('authenticated'))
    for (let window = 1; window <= 3; window += 1) {
      await b.clock.advance(10 * MINUTE)
      expect(b.server.refreshes).toBe(window)
    }
    expect(b.server.invalidGrants).toBe(0)
    const [first] = tokens(b.stores)
    expect(tokens(b.stores)).toEqual(Array(4).fill(first))
    expect(statuses(b.stores)).toEqual(Array(4).fill('authenticated'))
  })

  it('refreshes ahead of expiry by the lead (capped to a share of short lifetimes)', async () => {
    const b = await browser(1, { refresh: { leadMs: 60_000 } })
    await b.signIn()
    const expires = Date.parse(b.stores[0]!.getState().session!.expiresAt)
    expect(b.stores[0]!.nextRefreshAt()).toBe(expires - 60_000)
    await b.clock.advance(9 * MINUTE - 1)
    expect(b.server.refreshes).toBe(0)
    await b.clock.advance(1)
    expect(b.server.refreshes).toBe(1)

    const short = await browser(1, { ttlMs: 10_000 })
    await short.signIn()
    // 20 % of a 10 s lifetime: due 8 s after the token was obtained.
    expect(short.stores[0]!.nextRefreshAt()).toBe(short.clock.now() + 8_000)
  })

  it('a tab that wakes after expiry (timers never fired) refreshes at once', async () => {
    const b = await browser(2)
    await b.signIn()
    b.clock.sleep(30 * MINUTE)
    await settle()
    expect(b.server.refreshes).toBe(0)
    b.wake.fire('visible')
    await settle(8)
    expect(b.server.refreshes).toBe(1)
    expect(statuses(b.stores)).toEqual(['authenticated', 'authenticated'])
  })

  it.each([10, -10])('a clock %i minutes wrong causes neither a refresh loop nor an early logout', async (minutes) => {
    const b = await browser(3, { offsetMs: minutes * MINUTE })
    await b.signIn()
    await b.clock.advance(35 * MINUTE)
    // 10-minute tokens over 35 minutes: 3 refreshes, not one per timer tick.
    expect(b.server.refreshes).toBe(3)
    expect(b.server.invalidGrants).toBe(0)
    expect(statuses(b.stores)).toEqual(Array(3).fill('authenticated'))
    expect(await b.stores[1]!.getAccessToken()).toBe(b.stores[0]!.getState().session!.accessToken)
  })
})

describe('refresh failures', () => {
  it('transient failures retry with capped backoff and jitter; the session survives', async () => {
    const b = await browser(2)
    await b.signIn()
    const network = () => new RefreshError('refresh-network', 'Failed to fetch')
    const server = () => new RefreshError('refresh-server', '503')
    b.server.failNext(network, server, network)
    await b.clock.advance(9 * MINUTE)
    const failed = () => b.tabs.flatMap((tab) => tab.events).filter((e) => e.type === 'refresh-failed')
    expect(failed().length).toBeGreaterThanOrEqual(1)
    // Retries spread out: first within 1 s, then 2 s, then 4 s (each half fixed, half random).
    await b.clock.advance(10_000)
    expect(failed()).toHaveLength(3)
    expect(b.server.refreshes).toBe(1)
    expect(statuses(b.stores)).toEqual(['authenticated', 'authenticated'])
    expect(b.server.invalidGrants).toBe(0)
  })

  it('pauses while offline and retries at once when back online', async () => {
    const b = await browser(1)
    await b.signIn()
    b.setOnline(false)
    await b.clock.advance(12 * MINUTE)
    expect(b.server.refreshes).toBe(0)
    expect(statuses(b.stores)).toEqual(['authenticated'])
    b.setOnline(true)
    b.wake.fire('online')
    await settle(8)
    expect(b.server.refreshes).toBe(1)
  })

  it('a provider that stays down never signs the user out', async () => {
    const b = await browser(2)
    await b.signIn()
    b.server.setDown(true)
    await b.clock.advance(60 * MINUTE)
    expect(statuses(b.stores)).toEqual(['authenticated', 'authenticated'])
    const attempts = b.tabs.flatMap((tab) => tab.events).filter((e) => e.type === 'refresh-failed').length
    // The backoff is shared through the record: one attempt per 15-30 s for
    // the whole browser (about 160 an hour), not one per tab.
    expect(attempts).toBeGreaterThan(100)
    expect(attempts).toBeLessThan(260)
    b.server.setDown(false)
    await b.clock.advance(31_000)
    expect(b.server.refreshes).toBe(1)
  })

  it('invalid_grant ends the session in every tab with token-expired', async () => {
    const b = await browser(3)
    await b.signIn()
    b.server.failNext(() => new RefreshError('refresh-rejected', 'invalid_grant', { providerError: 'invalid_grant' }))
    await b.clock.advance(10 * MINUTE)
    await settle(8)
    for (const store of b.stores) {
      expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { status: 'expired', revokeReason: 'token-expired' } })
    }
  })

  it('a passed refreshTokenExpiresAt ends the session without asking the provider', async () => {
    const b = await browser(2)
    const session = b.server.signInSession({ refreshTokenExpiresAt: new Date(b.clock.serverNow() + 5 * MINUTE).toISOString() })
    await b.stores[0]!.signIn(session)
    await b.clock.advance(10 * MINUTE)
    await settle(8)
    expect(b.server.refreshes).toBe(0)
    expect(statuses(b.stores)).toEqual(['unauthenticated', 'unauthenticated'])
    expect(b.stores[1]!.getState().session?.revokeReason).toBe('token-expired')
  })

  it('a rejected refresh from a tab that lost a race does not sign anyone out', async () => {
    // Without a shared lock (each tab its own), two tabs refresh with one token;
    // the loser's invalid_grant must not end the winner's fresh session.
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { revokeFamilyOnReuse: false })
    const dbName = uniqueDbName()
    const stores = [0, 1].map(() => {
      const store = createSessionStore({ dbName, clock, locks: createMemoryLocks(), wake: new ManualWake(), source: server.source() })
      cleanups.push(store.start(), () => store.destroy())
      return store
    })
    await Promise.all(stores.map((store) => store.whenHydrated()))
    await stores[0]!.completeLogin('x')
    await settle()
    await clock.advance(10 * MINUTE)
    await settle(8)
    expect(server.refreshes).toBeGreaterThanOrEqual(1)
    expect(statuses(stores)).toEqual(['authenticated', 'authenticated'])
  })
})

describe('refresh racing other writes', () => {
  /** A source whose refresh waits at a gate after the server has already rotated the token. */
  function gated(server: FakeTokenServer) {
    const inner = server.source()
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const source = {
      ...inner,
      refresh: async (...args: Parameters<typeof inner.refresh>) => {
        const result = await inner.refresh(...args)
        await gate
        return result
      },
    }
    return { source, release: () => open() }
  }

  /** Two tabs on one database and one lock manager, signed in through `source`. */
  async function twoTabs(clock: FakeClock, source: ReturnType<typeof gated>['source'], extra: Partial<SessionStoreOptions>) {
    const dbName = uniqueDbName()
    const locks = createMemoryLocks()
    const tabs = [0, 1].map(() => {
      const store = createSessionStore({ dbName, clock, locks, wake: new ManualWake(), source, ...extra })
      cleanups.push(store.start(), () => store.destroy())
      return store
    }) as [SessionStore, SessionStore]
    await tabs[0].completeLogin('cb')
    await settle()
    return tabs
  }

  it('activity and patches written during a refresh do not throw the rotated tokens away', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const { source, release } = gated(server)
    const [a, b] = await twoTabs(clock, source, { activityWriteIntervalMs: 0 })
    const refreshing = a.refresh({ force: true })
    await settle()
    expect(server.refreshes).toBe(1) // the server has rotated; the answer is not back yet
    clock.sleep(1000)
    b.recordActivity()
    const activeAt = clock.now()
    await b.update({ isMfaVerified: true })
    await settle()
    release()
    await refreshing
    await settle()
    expect(a.getState().session).toMatchObject({ refreshToken: 'rt-2', isMfaVerified: true })
    expect(Date.parse(a.getState().session!.lastActivityAt)).toBe(activeAt)
    await a.refresh({ force: true })
    expect(server.invalidGrants).toBe(0)
    expect(b.getState().status).toBe('authenticated')
  })

  it('a refresh slower than its timeout keeps the lock until it settles, and its late answer is kept', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const { source, release } = gated(server)
    const [a, b] = await twoTabs(clock, source, { refresh: { timeoutMs: 1000 } })
    const slow = a.refresh({ force: true })
    await clock.advance(1500) // past the timeout: the signal aborts, the request goes on
    const other = b.refresh({ force: true })
    await settle()
    expect(server.refreshes).toBe(1) // b waits for the lock instead of sending the old token
    release()
    await slow
    await other
    await settle()
    expect(server.invalidGrants).toBe(0)
    expect(a.getState().session?.refreshToken).toBe(b.getState().session?.refreshToken)
    expect(a.getState().status).toBe('authenticated')
  })
})
