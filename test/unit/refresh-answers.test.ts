import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer, firstAnswerHeld } from '../support/fake-source'
import { announceLogout, bus, destroyTabs, refreshWritesAbort, noWake, startedTab, trackTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'

afterEach(destroyTabs)

describe('where a refresh answer goes', () => {
  it('arriving after the provider unmounted, it is still written before the lock is let go (no tab sends the spent refresh token)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating; reuse of a spent refresh token revokes the family
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { source, release } = firstAnswerHeld(server.source())
    const { store: a, stop: stopA } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    await a.signIn(server.signInSession())
    await b.reconcile()
    expect(b.getState().status).toBe('authenticated')

    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle() // a holds the lock; the provider has rotated rt-1 to rt-2
    stopA() // the app unmounts a's provider (route change, StrictMode, ...)
    await settle()
    release()
    await refreshing
    await settle()

    // a let go of the lock: the next tab to take it reads the refresh token from storage.
    const stored = shared.get('session') as { session: { refreshToken: string } }
    await b.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ storedAfterA: stored.session.refreshToken, invalidGrants: server.invalidGrants, b: b.getState().status }).toEqual({
      storedAfterA: 'rt-2',
      invalidGrants: 0,
      b: 'authenticated',
    })
  })

  it('arriving after the store was destroyed, it is still written', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { source, release } = firstAnswerHeld(server.source())
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    await a.signIn(server.signInSession())
    await b.reconcile()
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle() // the provider has rotated rt-1 to rt-2
    a.destroy() // the page tears the store down (tab closing, app reset)
    release()
    await refreshing
    await settle()
    await b.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ invalidGrants: server.invalidGrants, b: b.getState().status }).toEqual({ invalidGrants: 0, b: 'authenticated' })
  })

  it('a logout announced while its write waits for the transaction is not cancelled by that write', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const memory = createMemoryPersistence(shared)
    // IndexedDB-like: a write's transaction opens a little later than it is asked for.
    let opening: (() => void) | null = null
    const persistence: SessionPersistence = {
      ...memory,
      update: async (decide) => {
        const probe = decide(shared.get('session')) as { next?: { reason?: string } }
        if (probe.next?.reason === 'refresh') await new Promise<void>((resolve) => (opening = resolve))
        return memory.update(decide)
      },
    }
    const { store: b } = await startedTab({ persistence, channel: channel(), clock, locks: createMemoryLocks(), source: server.source() })
    await b.signIn(server.signInSession())
    await settle()
    const refreshing = b.refresh({ force: true }).catch(() => {})
    await settle()
    expect(opening).not.toBeNull() // b checked "no logout pending" and asked for the write
    announceLogout(channel(), shared, clock.serverNow()) // tab a logs out, then closes before its tombstone is written
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    opening!() // the transaction opens now
    await refreshing
    await clock.advance(2500) // b's confirm
    await settle()
    expect({ status: b.getState().status, stored: shared.get('session') }).toMatchObject({
      status: 'unauthenticated',
      stored: { ended: true, session: { revokeReason: 'user-logout' } },
    })
  })

  it('held back for an announced logout, its fresh token is not handed out', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { source, release } = firstAnswerHeld(server.source()) // on the wire when the announcement arrives
    // b: the tab whose app asks for a token; no refresh timer surprises (it is asked explicitly).
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks: createMemoryLocks(), source })
    await b.signIn(server.signInSession())
    await settle()
    // b's page was asleep: its access token has expired, and the refresh timer has not fired yet.
    clock.sleep(11 * MINUTE)
    const asked = b.getAccessToken().then(
      (token) => ({ token }),
      (error: { code: string }) => ({ error: error.code }),
    )
    await settle() // refresh under way; the provider has answered
    announceLogout(channel(), shared, clock.serverNow()) // the user logs out in tab a; its tombstone is on its way
    await settle()
    expect(b.getState().status).toBe('unauthenticated') // b shows signed out
    release()
    const outcome = await asked
    // The tab shows the user signed out (they asked to be): the app must not get a token to call APIs with.
    expect({ status: b.getState().status, outcome }).toEqual({ status: 'unauthenticated', outcome: { error: expect.any(String) } })
  })

  it('partly invalid, it never pairs the old access token with the new expiresAt', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // access tokens live 10 minutes
    const inner = server.source()
    // When each access token really expires (server clock).
    const expiry = new Map<string, number>()
    let broken = 1
    const source: SessionSource = {
      ...inner,
      refresh: async (session, context) => {
        const result = await inner.refresh(session, context)
        expiry.set(result.session.accessToken, Date.parse(result.session.expiresAt))
        if (broken-- <= 0) return result
        // A source bug: the new access token is not a string (the refresh token did rotate).
        return { ...result, session: { ...result.session, accessToken: null as unknown as string } }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source })
    const signedIn = server.signInSession() // at-1, expires at +10 min
    expiry.set(signedIn.accessToken, Date.parse(signedIn.expiresAt))
    await store.signIn(signedIn)
    await clock.advance(8 * MINUTE)
    await store.refresh({ force: true }).catch(() => {}) // answer: rt-2, expiresAt +18 min, accessToken invalid
    await settle()
    await clock.advance(4 * MINUTE) // +12 min: at-1 expired at the server two minutes ago
    const token = await store.getAccessToken()
    expect({ token, expiredAtServer: expiry.get(token)! <= clock.serverNow() }).toEqual({ token: expect.not.stringMatching(/^at-1$/), expiredAtServer: false })
  })

  it('asked for by getAccessToken() before start(), a write that fails once is tried again before the lock is let go', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating; reuse of a spent refresh token revokes the family
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { persistence } = refreshWritesAbort(shared, 1)
    // Tab a: a store used before its provider mounted (getAccessToken is documented to work before start()).
    const a = trackTab(createSessionStore({ persistence, clock, locks, source: server.source(), channel: null, wake: noWake }))
    await a.whenHydrated()
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    await a.signIn(server.signInSession())
    await b.reconcile()
    clock.sleep(11 * MINUTE) // the access token expired
    const asked = a.getAccessToken().catch((error: { code: string }) => error.code)
    await settle()
    await clock.advance(200) // time for a's store-before-unlock retry (100 ms)
    const token = await asked
    expect(token).toBe('at-2') // the provider rotated rt-1 to rt-2
    // a has let go of the lock: the next tab to take it reads the refresh token from storage.
    // (b's own refresh timer, due at the same moment, was waiting for the lock.)
    await b.refresh().catch(() => {})
    await settle()
    expect({ invalidGrants: server.invalidGrants, b: b.getState().status }).toEqual({
      invalidGrants: 0,
      b: 'authenticated',
    })
  })

  it('after the provider unmounted mid-refresh, a write that fails once is tried again before the lock is let go', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { source, release } = firstAnswerHeld(server.source())
    const { persistence } = refreshWritesAbort(shared, 1)
    const { store: a, stop: stopA } = await startedTab({ persistence, clock, locks, source })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    await a.signIn(server.signInSession())
    await b.reconcile()
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle() // rt-1 rotated to rt-2 at the provider
    stopA() // route change unmounts a's provider
    await settle()
    release()
    await settle()
    await clock.advance(200) // time for a's store-before-unlock retry (100 ms)
    await refreshing
    await b.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ invalidGrants: server.invalidGrants, b: b.getState().status }).toEqual({ invalidGrants: 0, b: 'authenticated' })
  })

  it('destroy() during the wait between writes: no timer and no write after it', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const { persistence, counts } = refreshWritesAbort(shared, 10) // storage keeps failing
    const { store: a } = await startedTab({ persistence, clock, locks: createMemoryLocks(), source: server.source() })
    await a.signIn(server.signInSession())
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle() // first write failed; the 100 ms retry waits on the clock
    expect(counts.attempts).toBe(1)
    a.destroy()
    const pendingAfterDestroy = clock.pending()
    await clock.advance(60 * MINUTE)
    await refreshing
    expect({ pendingAfterDestroy, writesAfterDestroy: counts.attempts - 1 }).toEqual({ pendingAfterDestroy: 0, writesAfterDestroy: 0 })
  })

  it('partly invalid, a rotated refresh token is kept when only its refreshTokenExpiresAt is unreadable', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    let broken = 1
    const source: SessionSource = {
      ...inner,
      refresh: async (session, context) => {
        const result = await inner.refresh(session, context)
        if (broken-- <= 0) return result
        // A custom source writes the refresh token's expiry without an offset (or as epoch ms).
        return { ...result, session: { ...result.session, refreshTokenExpiresAt: '2026-12-23 12:00:00' } }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source })
    await store.signIn(server.signInSession({ refreshTokenExpiresAt: new Date(clock.serverNow() + 30 * 24 * 60 * MINUTE).toISOString() }))
    await store.refresh({ force: true }).catch(() => {}) // provider rotates rt-1 -> rt-2; the answer's expiry is unreadable
    await settle()
    await clock.advance(MINUTE) // the backoff passes; the next refresh
    await store.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ invalidGrants: server.invalidGrants, status: store.getState().status }).toEqual({ invalidGrants: 0, status: 'authenticated' })
  })

  it('partly invalid, a new access token is used when only the answer\'s scopes are malformed', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // access tokens live 10 minutes
    const inner = server.source()
    const source: SessionSource = {
      ...inner,
      // A custom source passes the OAuth `scope` string through as `scopes`.
      refresh: async (session, context) => {
        const result = await inner.refresh(session, context)
        return { ...result, session: { ...result.session, scopes: 'openid profile' as unknown as string[] } }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source })
    await store.signIn(server.signInSession())
    await clock.advance(12 * MINUTE) // at-1 expired; the scheduler refreshed (several times, with backoff)
    const outcome = await store.getAccessToken().then(
      (token) => ({ token }),
      (error: { code: string }) => ({ error: error.code }),
    )
    expect({ outcome, refreshes: server.refreshes > 0 }).toEqual({ outcome: { token: expect.stringMatching(/^at-/) }, refreshes: true })
  })
})
