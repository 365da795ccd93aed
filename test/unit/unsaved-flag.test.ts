import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, RefreshError, type SessionSource, type SourceResult } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, failable, startedTab } from '../support/fake-tabs'

afterEach(destroyTabs)

const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: RefreshError) => e.code)

describe('an abandoned request of an old session', () => {
  it('does not make the tab (and every other tab) defer the refresh of a new sign-in', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    let calls = 0
    // A custom source that ignores the abort signal; its first request never answers (a hung connection).
    const hanging: SessionSource = {
      ...inner,
      refresh: (session, context) => (++calls === 1 ? new Promise<SourceResult>(() => {}) : inner.refresh(session, context)),
    }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    const opts = { clock, locks, refresh: { timeoutMs: 1000, retryBaseMs: 1000, retryMaxMs: 30_000 } }
    const { store: a } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel(), source: hanging })
    const { store: b } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel(), source: inner })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    const first = code(a.refresh({ force: true }))
    await settle()
    await clock.advance(2100) // the scheduler gives up at 2 x timeoutMs
    expect(await first).toBe('refresh-timeout')
    // The user signs out and signs in again (a new session: new sessionId, new refresh token).
    await a.logout()
    await a.completeLogin('https://app.example/cb?code=2')
    await settle()
    await b.reconcile()
    await clock.advance(60_000) // well past any backoff
    const oldSessionRequestStillOpen = true
    const inA = await code(a.refresh({ force: true }))
    const inB = await code(b.refresh({ force: true }))
    // What the user sees: after signing in again, no tab can ever refresh the new session: every attempt is
    // refresh-deferred ("newer tokens ... not stored yet"), getAccessToken() rejects once the new access token
    // expires, forever while the old session's hung request stays open. `abandoned` (and the flag it keeps raised)
    // is never tied to the record it refreshed, although its late answer could only ever land on that record
    // (storeLateAnswer → sameLineage). Correct: an abandoned request defers only refreshes of the same lineage
    // (same sessionId and refresh token); a new sign-in, a logout or another refresh token releases it.
    expect({ oldSessionRequestStillOpen, inA, inB }).toEqual({ oldSessionRequestStillOpen: true, inA: 'ok', inB: 'ok' })
  })
})

describe('a stopped (not destroyed) tab whose storage writes fail, holding an unsaved answer', () => {
  it('does not keep the flag up after the session it refreshed ended and a new one was signed in elsewhere', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    // Tab a's IndexedDB connection broke (its writes fail); tab b's works.
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const opts = { clock, locks, source: server.source(), refresh: { retryBaseMs: 1000, retryMaxMs: 30_000 } }
    const { store: a, stop: stopA } = await startedTab({ ...opts, persistence, channel: channel() })
    const { store: b } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel() })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    await b.reconcile()
    disk.full = true
    const refreshing = a.refresh({ force: true }).catch(() => {})
    await settle()
    await clock.advance(3000) // the answer is written again 0.1, 0.5, 2 s later, then kept in memory: flag raised
    await refreshing
    expect(await code(b.refresh({ force: true }))).toBe('refresh-deferred') // the flag is up for the stored lineage
    // The app unmounts a's provider (the store stays, e.g. a route without it).
    stopA()
    await settle()
    // In tab b the user signs out, then signs in again: a new session with its own refresh token.
    await b.logout()
    await b.completeLogin('https://app.example/cb?code=2')
    await settle()
    await clock.advance(5 * 60_000) // a offers its held change again (5 s, doubling), and fails each time
    await settle(10)
    const inB = await code(b.refresh({ force: true }))
    // What the user sees: tab b, signed in with a fresh session whose tokens no other tab has, can never refresh:
    // refresh-deferred every time, getAccessToken() rejects once its access token expires, for as long as tab a
    // stays open. a's flag only drops when a reads storage; stopped, it gets no messages, and its retries fail
    // before reading. The flag names no session, so b defers a refresh of a session a's answer cannot touch.
    // Correct: the flag (or the deferral) concerns the lineage it was raised for: b refreshes its new session.
    expect(inB).toBe('ok')
  })
})

describe('the flag of an abandoned request that failed, with an unrelated unsaved patch', () => {
  it('is released once the request settles: nothing token-related is unsaved, other tabs refresh', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    let failLate!: () => void
    let calls = 0
    // A custom source ignoring the abort; its first request fails late (the connection resets), before reaching the provider.
    const slowFail: SessionSource = {
      ...inner,
      refresh: (session, context) =>
        ++calls === 1 ? new Promise<SourceResult>((_, reject) => (failLate = () => reject(new Error('connection reset')))) : inner.refresh(session, context),
    }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const opts = { clock, locks, refresh: { timeoutMs: 1000, retryBaseMs: 1000, retryMaxMs: 30_000 } }
    const { store: a } = await startedTab({ ...opts, persistence, channel: channel(), source: slowFail })
    const { store: b } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel(), source: inner })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    await b.reconcile()
    // Tab a's IndexedDB connection broke: an app patch (not tokens) waits in a's memory.
    disk.full = true
    await a.update({ ipAddress: '192.0.2.1' })
    const first = code(a.refresh({ force: true }))
    await settle()
    await clock.advance(2100) // abandoned at 2 x timeoutMs: flag raised (correctly)
    expect(await first).toBe('refresh-timeout')
    failLate() // the request fails after all: no answer, no rotation
    await settle(10)
    await clock.advance(60_000)
    const inB = await code(b.refresh({ force: true }))
    // What the user sees: tab b (storage fine, stored refresh token valid, nothing newer exists anywhere) defers
    // every refresh with refresh-deferred, and its getAccessToken() fails once the access token expires, for as
    // long as a's unrelated patch (ipAddress) cannot be stored. stillUnsaved() is hasUnsavedChange() ||
    // abandoned: any unsaved change keeps the flag up, not only one carrying tokens. Correct: once the abandoned
    // request settled without an answer, the flag drops (it stays only for an unsaved change with new credentials).
    expect(inB).toBe('ok')
  })
})


describe('a queued flag behind an abandoned request of an old session', () => {
  it('keeps other tabs from sending the spent refresh token of the new session', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    let calls = 0
    // Tab a's first request (old session) hangs: the source ignores the abort.
    const hanging: SessionSource = { ...inner, refresh: (s, c) => (++calls === 1 ? new Promise<SourceResult>(() => {}) : inner.refresh(s, c)) }
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const channel = bus()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const opts = { clock, locks, refresh: { timeoutMs: 1000, retryBaseMs: 1000, retryMaxMs: 30_000 } }
    const { store: a } = await startedTab({ ...opts, persistence, channel: channel(), source: hanging })
    const { store: b } = await startedTab({ ...opts, persistence: createMemoryPersistence(shared), channel: channel(), source: inner })
    await a.completeLogin('https://app.example/cb?code=1')
    await settle()
    const first = code(a.refresh({ force: true }))
    await settle()
    await clock.advance(2100) // abandoned: flag raised for the old lineage (still outstanding)
    expect(await first).toBe(process.env.RO_CONTROL ? 'ok' : 'refresh-timeout')
    // The user signs out and in again in tab a: a new session, stored.
    await a.logout()
    await a.completeLogin('https://app.example/cb?code=2')
    await settle()
    await b.reconcile()
    // Now a's disk fails: a refreshes the new session, the provider rotates, the answer waits in a's memory.
    disk.full = true
    const second = code(a.refresh({ force: true }))
    await settle()
    await clock.advance(3000)
    await second
    expect(a.getState().status).toBe('authenticated')
    const invalidBefore = server.invalidGrants
    const inB = await code(b.refresh({ force: true }))
    // What the user sees: tab b sends the new session's spent refresh token (storage still holds it; the only
    // valid one waits unstored in tab a): invalid_grant, the provider revokes the family, the user is signed out
    // in every tab. a's flag for the new lineage was only queued behind the old session's flag, which stays up
    // while the old request hangs; nobody holds the lock other tabs read. Correct: b defers (refresh-deferred).
    expect({ inB, invalidGrants: server.invalidGrants - invalidBefore }).toEqual({ inB: 'refresh-deferred', invalidGrants: 0 })
  })
})
