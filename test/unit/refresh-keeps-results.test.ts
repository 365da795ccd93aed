import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  RefreshError,
  type SessionPersistence,
  type SessionSource,
  type SessionStore,
  type SessionStoreOptions,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { makeSession } from '../support/sessions'

const MINUTE = 60_000
const noWake = { subscribe: () => () => {} }
const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))

/** Memory persistence whose writes can be made to fail with a quota error. */
function fillable(inner: SessionPersistence = createMemoryPersistence()) {
  const disk = { full: false }
  const persistence: SessionPersistence = {
    kind: 'fillable',
    read: () => inner.read(),
    readQuarantine: () => inner.readQuarantine(),
    update: (decide) =>
      disk.full ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : inner.update(decide),
  }
  return { persistence, disk }
}

function tab(clock: FakeClock, options: SessionStoreOptions) {
  const store = createSessionStore({ channel: null, clock, wake: noWake, locks: createMemoryLocks(), ...options })
  cleanups.push(store.start(), () => store.destroy())
  return store
}

/** A provider that never rotates, counting calls and when they came. */
function countingSource(clock: FakeClock, answer?: (call: number) => void): SessionSource & { calls: number[] } {
  const calls: number[] = []
  return {
    name: 'counting',
    calls,
    async refresh(session) {
      calls.push(clock.now())
      answer?.(calls.length)
      return { session: { ...session, accessToken: `at-${calls.length}`, expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString() } }
    },
  }
}

/** A signed-in tab whose disk fills up just before its refresh is answered: the answer cannot be written. */
async function refreshAnsweredWriteFailed(extra: SessionStoreOptions = {}) {
  const clock = new FakeClock()
  const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
  const { persistence, disk } = fillable()
  const store = tab(clock, { persistence, source: server.source(), ...extra })
  await store.whenHydrated()
  await store.completeLogin('https://app.example/callback')
  disk.full = true
  await clock.advance(9 * MINUTE + 1000) // due (60 s lead); the provider answers, the write fails
  await settle(10)
  await clock.advance(3000) // written again three times inside the lock (0.1, 0.5, 2 s apart), then held in memory
  return { clock, server, persistence, disk, store }
}

/** One window later the second refresh goes out with the rotated refresh token: no invalid_grant, still signed in. */
async function nextWindowRefreshesWithTheRotatedToken(clock: FakeClock, server: FakeTokenServer, store: SessionStore) {
  await clock.advance(10 * MINUTE)
  await settle(10)
  expect(server.refreshes).toBe(2)
  expect(server.invalidGrants).toBe(0)
  expect(store.getState().status).toBe('authenticated')
}

describe('a refresh whose result cannot be stored', () => {
  it('keeps the rotated tokens in memory: no second refresh with the spent token, no logout', async () => {
    const { clock, server, store } = await refreshAnsweredWriteFailed()
    expect(server.refreshes).toBe(1)
    expect(server.invalidGrants).toBe(0)
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: { code: 'storage-quota' } })
    // The new token is handed out, and the next refresh (one window later) uses the rotated refresh token.
    await expect(store.getAccessToken()).resolves.toBe(store.getState().session!.accessToken)
    await nextWindowRefreshesWithTheRotatedToken(clock, server, store)
  })

  it('with a provider that does not rotate either, a result that could not be stored is not asked for again at once', async () => {
    const clock = new FakeClock()
    const { persistence, disk } = fillable()
    const source = countingSource(clock)
    const store = tab(clock, { persistence, source })
    await store.whenHydrated()
    await store.signIn(makeSession({ expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString() }, clock.now()))
    disk.full = true
    await clock.advance(9 * MINUTE + 1000)
    await settle(10)
    expect(source.calls).toHaveLength(1)
  })
})

describe('after storage was wiped while a tab stayed open', () => {
  it('the stale tab follows the new record instead of its own old generations, and refreshes no loop', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const source = countingSource(clock, (call) => {
      if (call >= 20) throw new RefreshError('refresh-network', 'stop the test if it loops')
    })
    const stale = tab(clock, { persistence: createMemoryPersistence(shared), source })
    await stale.whenHydrated()
    await stale.signIn(makeSession({ expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString() }, clock.now()))
    await stale.update({ isMfaVerified: true })
    await stale.update({ isMfaVerified: false }) // generation 3
    shared.clear() // "Clear site data" or eviction
    const fresh = tab(clock, { persistence: createMemoryPersistence(shared) })
    await fresh.whenHydrated()
    const bob = makeSession({ user: { id: 'user-2', username: 'bob' }, expiresAt: new Date(clock.now() + 30 * MINUTE).toISOString() }, clock.now())
    await fresh.signIn(bob) // generation 1 of a new epoch
    await stale.reconcile()
    expect(stale.getState()).toMatchObject({ status: 'authenticated', session: { user: { username: 'bob' } } })
    await fresh.end('user-logout') // generation 2
    await stale.reconcile()
    expect(stale.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await clock.advance(9 * MINUTE + 1000)
    await settle(10)
    expect(source.calls).toHaveLength(0)
  })

  it('a tab whose record vanished (nothing written since) shows signed out', async () => {
    const shared = new Map<string, unknown>()
    const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
    cleanups.push(() => store.destroy())
    await store.signIn(makeSession())
    shared.clear()
    await store.reconcile()
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null })
  })
})

describe('forced refresh', () => {
  it('happens even when a scheduled refresh that finds nothing due is in flight', async () => {
    const clock = new FakeClock()
    const source = countingSource(clock)
    const store = tab(clock, { persistence: createMemoryPersistence(), source })
    await store.whenHydrated()
    await store.signIn(makeSession({ expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString() }, clock.now()))
    const notDue = store.refresh()
    const forced = store.refresh({ force: true })
    await Promise.all([notDue, forced])
    expect(source.calls).toHaveLength(1)
    expect(store.getState().session?.accessToken).toBe('at-1')
  })
})

describe('a change that could not be stored', () => {
  it('rides along with the next write that lands, so the rotated refresh token is never lost', async () => {
    const { clock, server, persistence, disk, store } = await refreshAnsweredWriteFailed({ activityWriteIntervalMs: 1000 })
    const rotated = store.getState().session!.refreshToken
    disk.full = false
    store.recordActivity(clock.now()) // an ordinary write lands on the stored, pre-refresh record
    await settle(10)
    expect((await persistence.read()) as object).toMatchObject({ session: { refreshToken: rotated } })
    await nextWindowRefreshesWithTheRotatedToken(clock, server, store)
  })

  it('is offered to storage again until it lands', async () => {
    const { clock, persistence, disk, store } = await refreshAnsweredWriteFailed()
    const rotated = store.getState().session!.refreshToken
    disk.full = false
    await clock.advance(5000) // the first retry
    await settle(10)
    expect((await persistence.read()) as object).toMatchObject({ session: { refreshToken: rotated } })
    expect(store.getState().error).toBeNull()
  })
})
