import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, RefreshError, type SessionSource, type SessionStore } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { ManualWake, MINUTE } from '../support/refresh-browser'

// getAccessToken() rejects with refresh-deferred while a backoff holds the refresh back. Without the
// failure behind it as its cause, an app could not tell "offline" from "the provider is failing".

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

async function signedIn(clock: FakeClock, source: SessionSource, shared = new Map<string, unknown>()) {
  const store = createSessionStore({ clock, wake: new ManualWake(), channel: null, persistence: createMemoryPersistence(shared), locks: createMemoryLocks(), source, refresh: { timeoutMs: 1000 } })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  return store
}

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as RefreshError)

describe('refresh-deferred carries the failure that set the backoff as its cause', () => {
  it.each([
    ['the provider unreachable', () => new RefreshError('refresh-network', 'connection refused'), 'refresh-network'],
    ['the provider failing (5xx)', () => new RefreshError('refresh-server', 'The token endpoint answered 503', { providerError: 'temporarily_unavailable' }), 'refresh-server'],
    ['a plain Error from a source', () => new TypeError('Failed to fetch'), 'refresh-network'],
  ])('%s', async (_, failure, code) => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const store = await signedIn(clock, server.source())
    await store.completeLogin('https://app.example/cb?code=1')
    clock.sleep(11 * MINUTE) // the access token has expired
    server.failNext(failure)
    const first = await rejection(store.getAccessToken())
    expect(first?.code).toBe(code)
    const deferred = await rejection(store.getAccessToken())
    expect(deferred).toMatchObject({ code: 'refresh-deferred' })
    expect(deferred?.cause).toBe(first)
  })

  it('a request still outstanding after its timeout: the deferral names the timeout', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    let hang = true
    // Ignores the abort: the provider may have rotated, so no tab sends the old refresh token until it settles.
    const source: SessionSource = { ...inner, refresh: (session, context) => (hang ? new Promise(() => {}) : inner.refresh(session, context)) }
    const store = await signedIn(clock, source)
    await store.completeLogin('https://app.example/cb?code=1')
    const failed: unknown[] = []
    store.on((event) => void (event.type === 'refresh-failed' && failed.push(event.error)))
    clock.sleep(11 * MINUTE)
    await clock.advance(2500) // the due refresh starts, and is given up at twice timeoutMs
    const timeout = failed[0] as RefreshError
    expect(timeout?.code).toBe('refresh-timeout')
    hang = false
    const deferred = await rejection(store.refresh({ force: true }))
    expect(deferred).toMatchObject({ code: 'refresh-deferred' })
    expect(deferred?.cause).toBe(timeout)
  })

  it('no failure known (another tab failed, or tokens shorter-lived than minIntervalMs): no cause', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 1000 })
    const store = await signedIn(clock, server.source())
    await store.completeLogin('https://app.example/cb?code=1')
    clock.sleep(2000)
    expect(await store.getAccessToken()).toMatch(/^at-/) // refreshed
    clock.sleep(2000) // expired again, within minIntervalMs of that refresh
    const deferred = await rejection(store.getAccessToken())
    expect(deferred).toMatchObject({ code: 'refresh-deferred' })
    expect(deferred?.cause).toBeUndefined()
  })
})
