import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  type Locks,
  type RefreshError,
  type SessionEvent,
  type SessionPersistence,
  type SessionSource,
  type SessionStore,
  type SessionStoreOptions,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer, firstAnswerHeld } from '../support/fake-source'
import { announceLogout, bus, destroyTabs, refreshWritesAbort, startedTab } from '../support/fake-tabs'
import { ManualWake, MINUTE } from '../support/refresh-browser'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))
afterEach(destroyTabs)

/** Memory storage whose writes fail with a quota error while `disk.full`. */
function fillableDisk() {
  const memory = createMemoryPersistence()
  const disk = { full: false }
  const persistence: SessionPersistence = {
    ...memory,
    update: async (decide) => {
      if (disk.full) throw new DOMException('quota', 'QuotaExceededError')
      return memory.update(decide)
    },
  }
  return { persistence, disk }
}

/** A started tab on a fake clock, tab messages off (each test re-reads by hand). */
function tab(clock: FakeClock, options: SessionStoreOptions & { locks: Locks; source: SessionSource }): SessionStore {
  const store = createSessionStore({ clock, wake: new ManualWake(), channel: null, ...options })
  stores.push(store)
  store.start()
  return store
}

/** A signed-in tab whose disk then fills up while its provider is down: no failure can be stored. */
async function outageOnFullDisk() {
  const clock = new FakeClock()
  const server = new FakeTokenServer(clock)
  const { persistence, disk } = fillableDisk()
  const store = tab(clock, { persistence, locks: createMemoryLocks(), source: server.source() })
  await store.whenHydrated()
  await store.completeLogin('https://app.example/cb?code=1')
  disk.full = true
  server.setDown(true)
  return { clock, store }
}

/** Two tabs on one storage and one lock manager, signed in through the first. */
async function twoSignedInTabs(clock: FakeClock, options: SessionStoreOptions & { source: SessionSource }) {
  const locks = createMemoryLocks()
  const [a, b] = [tab(clock, { locks, ...options }), tab(clock, { locks, ...options })]
  await Promise.all([a.whenHydrated(), b.whenHydrated()])
  await a.completeLogin('https://app.example/cb?code=1')
  await b.reconcile()
  expect(b.getState().status).toBe('authenticated')
  return [a, b] as const
}

describe('refresh when things fail', () => {
  it('one failed write of a refresh answer is written again before another tab may spend the old refresh token', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating refresh tokens; reusing a spent one revokes the family
    const { persistence } = refreshWritesAbort(new Map(), 1)
    const [a, b] = await twoSignedInTabs(clock, { persistence, source: server.source() })
    await clock.advance(9 * MINUTE) // both tabs' timers come due together
    await settle(8)
    await clock.advance(10_000)
    await settle(8)
    expect(server.refreshes).toBe(1)
    expect(server.invalidGrants).toBe(0)
    expect([a.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated'])
  })

  it('an answer with an invalid field: its valid tokens are stored with a backoff, the invalid field keeps its old value', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating: the old refresh token is spent once it answers
    const inner = server.source()
    let malformed = 1
    // One answer whose expiresAt is a local time without offset (completeLogin would refuse it too); later ones are fine.
    const source: SessionSource = {
      ...inner,
      refresh: async (session, context) => {
        const result = await inner.refresh(session, context)
        if (malformed-- <= 0) return result
        return { ...result, session: { ...result.session, expiresAt: result.session.expiresAt.replace(/\.\d+Z$/, '') } }
      },
    }
    const shared = new Map<string, unknown>()
    const [a, b] = await twoSignedInTabs(clock, { persistence: createMemoryPersistence(shared), source })
    const before = (shared.get('session') as { session: { expiresAt: string } }).session
    const failures: RefreshError[] = []
    a.on((event: SessionEvent) => void (event.type === 'refresh-failed' && failures.push(event.error)))
    await a.refresh({ force: true }).catch(() => {})
    await settle()
    expect(failures.map(({ code, definitive, providerError }) => ({ code, definitive, providerError }))).toEqual([
      { code: 'refresh-server', definitive: false, providerError: 'invalid_session' },
    ])
    // Nothing corrupt is stored (every tab reads it back fine), and the rotated refresh token is kept.
    await Promise.all([a.reconcile(), b.reconcile()])
    const stored = shared.get('session') as { refreshFailures: number; session: { expiresAt: string; refreshToken: string } }
    expect(stored).toMatchObject({ refreshFailures: 1, session: { expiresAt: before.expiresAt, refreshToken: 'rt-2' } })
    for (const store of [a, b]) expect(store.getState()).toMatchObject({ status: 'authenticated', error: null })
    // The retry, once due, sends the rotated token: no invalid_grant, still signed in.
    await clock.advance(10 * MINUTE)
    await settle()
    expect({ failures: failures.length, invalidGrants: server.invalidGrants, status: a.getState().status }).toEqual({
      failures: 1,
      invalidGrants: 0,
      status: 'authenticated',
    })
  })

  it('with a full disk, a provider outage is retried with backoff, not once per getAccessToken call', async () => {
    const { clock, store } = await outageOnFullDisk()
    let attempts = 0
    store.on((event) => void (event.type === 'refresh-failed' && (attempts += 1)))
    clock.sleep(11 * MINUTE) // the access token has expired
    for (let call = 0; call < 5; call += 1) {
      await expect(store.getAccessToken()).rejects.toMatchObject({ code: expect.stringMatching(/^refresh-/) })
      await settle(1)
    }
    // One attempt; the backoff, kept in memory when it cannot be stored, applies to every caller.
    expect(attempts).toBe(1)
  })

  it('wake-ups do not leave refresh timers behind: none is pending after destroy', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const wake = new ManualWake()
    const store = tab(clock, { persistence: createMemoryPersistence(), locks: createMemoryLocks(), wake, source: server.source() })
    await store.whenHydrated()
    await store.completeLogin('https://app.example/cb?code=1')
    await settle()
    expect(clock.pending()).toBe(1) // the refresh timer
    for (let i = 0; i < 5; i += 1) wake.fire('focus') // the user switches back to the tab five times
    await settle()
    const pendingWhileRunning = clock.pending()
    store.destroy()
    expect({ pendingWhileRunning, afterDestroy: clock.pending() }).toEqual({ pendingWhileRunning: 1, afterDestroy: 0 })
  })

  it('the backoff kept in memory grows with each failure, like the stored one', async () => {
    const { clock, store } = await outageOnFullDisk()
    const attempts: number[] = []
    store.on((event) => void (event.type === 'refresh-failed' && attempts.push(event.attempt)))
    clock.sleep(11 * MINUTE) // the access token has expired
    store.refresh().catch(() => {})
    await settle()
    for (let second = 0; second < 60; second += 1) await clock.advance(1000)
    // 1 s base, doubling (with jitter): about 1, 2, 4, 8, 16, 32 s apart, so at most 8 calls in a minute.
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4])
    expect(attempts.length).toBeLessThanOrEqual(8)
  })

  it('a refresh answer is not written over a logout another tab announced while it was being written', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { persistence } = refreshWritesAbort(shared, 1) // the retry 100 ms later would succeed
    const { store: a } = await startedTab({ persistence, channel: channel(), clock, locks: createMemoryLocks(), source: server.source() })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    const { generation } = shared.get('session') as { generation: number }
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle() // answered; the first write failed, the retry waits
    announceLogout(channel(), shared, clock.serverNow()) // tab b logs out, then closes before its tombstone is written
    await settle()
    expect(a.getState().status).toBe('unauthenticated')
    await clock.advance(100)
    await refreshing
    await clock.advance(2500) // tab a confirms the logout itself
    await settle()
    expect(a.getState().status).toBe('unauthenticated')
    expect(shared.get('session')).toMatchObject({ ended: true, generation: generation + 1, session: { revokeReason: 'user-logout' } })
  })

  it('a refresh answer that arrives while an announced logout is pending is not lost when that logout is refused', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating refresh tokens; reusing a spent one revokes the family
    const shared = new Map<string, unknown>()
    const channel = bus()
    // The provider rotates the refresh token at once; its answer is still on the wire when the announcement arrives.
    const { source, release } = firstAnswerHeld(server.source())
    // a and b hear each other; c's write reaches storage before its message reaches them (as in confirm-logout.test.ts).
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks: createMemoryLocks(), source })
    const { store: c } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    const events: SessionEvent[] = []
    b.on((event) => void events.push(event))
    await a.signIn(server.signInSession())
    await settle()
    await Promise.all([b.reconcile(), c.reconcile()])
    expect(b.getState().status).toBe('authenticated')

    const refreshing = b.refresh({ force: true }).catch(() => {})
    await settle() // b holds the lock; the provider has rotated rt-1 to rt-2
    await c.update({ ipAddress: '192.0.2.9' }) // generation 2, same session and refresh token
    await a.end('admin-revoke', { expectedGeneration: 1 }) // announced for generation 1, refused in storage
    await settle()
    expect(b.getState().status).toBe('unauthenticated') // shown signed out for a moment
    release()
    await refreshing
    await settle()
    await clock.advance(2500) // b's confirm: storage moved on, so the logout is not written
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: false })
    expect(b.getState().status).toBe('authenticated')
    const afterAnswer = (shared.get('session') as { session: { refreshToken: string } }).session.refreshToken
    // The next refresh, from any tab, sends what storage holds.
    await b.refresh({ force: true }).catch(() => {})
    await settle()
    expect({
      storedRefreshToken: afterAnswer,
      invalidGrants: server.invalidGrants,
      status: b.getState().status,
      refreshed: events.some((event) => event.type === 'refreshed'),
    }).toEqual({ storedRefreshToken: 'rt-2', invalidGrants: 0, status: 'authenticated', refreshed: true })
  })

  it('partly invalid, a new access token is never handed out past its real expiry (the old expiry may be later)', async () => {
    const clock = new FakeClock()
    // The provider caps a refreshed token at the SSO session's end: 5 minutes left.
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 5 * MINUTE })
    const inner = server.source()
    const expiry = new Map<string, number>()
    const source: SessionSource = {
      ...inner,
      refresh: async (session, context) => {
        const result = await inner.refresh(session, context)
        expiry.set(result.session.accessToken, Date.parse(result.session.expiresAt))
        // A custom source writes the expiry without an offset.
        return { ...result, session: { ...result.session, expiresAt: result.session.expiresAt.replace('T', ' ').replace('Z', '') } }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source })
    // Signed in with a one-hour access token.
    const signedIn = server.signInSession({ expiresAt: new Date(clock.serverNow() + 60 * MINUTE).toISOString() })
    await store.signIn(signedIn)
    await clock.advance(MINUTE)
    await store.refresh({ force: true }).catch(() => {}) // e.g. after an API 401; answer: at-2 (real expiry +6 min), expiresAt unreadable
    await settle()
    await clock.advance(10 * MINUTE) // timers run (the backoff passes); at-2 expired at the server 5 minutes ago
    const token = await store.getAccessToken()
    expect({ token, expiredAtServer: (expiry.get(token) ?? Infinity) <= clock.serverNow() }).toEqual({ token: expect.any(String), expiredAtServer: false })
  })
})
