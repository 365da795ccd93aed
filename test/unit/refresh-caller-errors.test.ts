import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'

afterEach(destroyTabs)

describe('refresh(): what the caller learns', () => {
  it('when the refresh token has expired, getAccessToken() rejects with refresh-token-expired (the failed refresh\'s RefreshError)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source: server.source() })
    const now = clock.now()
    await store.signIn(server.signInSession({ expiresAt: new Date(now - 1000).toISOString(), refreshTokenExpiresAt: new Date(now - 500).toISOString() }))
    const events: unknown[] = []
    store.on((e) => e.type === 'refresh-failed' && events.push(e.error.code))
    const got = await store.getAccessToken().then(() => 'token', (e) => e.code)
    expect(store.getState().session?.revokeReason).toBe('token-expired')
    expect(events).toEqual(['refresh-token-expired'])
    expect(got).toBe('refresh-token-expired')
  })

  it('refresh() whose refresh token has expired rejects with refresh-token-expired, like any definitive failure', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source: server.source() })
    const now = clock.now()
    await store.signIn(server.signInSession({ refreshTokenExpiresAt: new Date(now - 500).toISOString() }))
    const got = await store.refresh({ force: true }).then(() => 'resolved', (e) => e.code)
    expect(store.getState().status).toBe('unauthenticated')
    expect(got).toBe('refresh-token-expired')
  })

  it('a definitive provider rejection makes getAccessToken() reject with that RefreshError', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source: server.source() })
    await store.signIn(server.signInSession({ expiresAt: new Date(clock.now() + 30_000).toISOString(), refreshToken: 'not-current' }))
    clock.sleep(60_000) // no timer fires: the token is now expired and the refresh due
    const got = await store.getAccessToken().then(() => 'token', (e) => e.code)
    expect(got).toBe('refresh-rejected')
  })

  it('right after signIn() of a session whose access token has expired, getAccessToken() refreshes (nothing is backing off)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), source: server.source() })
    await store.signIn(server.signInSession({ expiresAt: new Date(clock.now() - 1000).toISOString() }))
    const got = await store.getAccessToken().then((t) => t, (e) => e.code)
    expect({ got, refreshes: server.refreshes }).toEqual({ got: expect.stringMatching(/^at-/), refreshes: 1 })
  })
})
