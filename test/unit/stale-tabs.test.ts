import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  type SessionPersistence,
  type SessionStore,
  type SessionStoreOptions,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(destroyTabs)
const started = async (options: SessionStoreOptions) => (await startedTab(options)).store

describe('stale tabs', () => {
  it('a tab holding only a tombstone cannot end a newer sign-in it never saw', async () => {
    const shared = new Map<string, unknown>()
    const a = await started({ persistence: createMemoryPersistence(shared) })
    const b = await started({ persistence: createMemoryPersistence(shared) })
    await a.signIn(makeSession())
    await b.reconcile()
    await a.end('user-logout')
    await b.reconcile() // b holds the tombstone
    const second = makeSession()
    await a.signIn(second) // b has not re-read yet
    await b.end('idle-timeout')
    await a.reconcile()
    expect(a.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: second.sessionId } })
    // b was refused and adopted what is stored.
    expect(b.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: second.sessionId } })
  })

  it("a tab whose first storage call is a write never takes the start-up probe's older answer", async () => {
    const dbName = uniqueDbName()
    const x = createSessionStore({ dbName, channel: null })
    trackTab(x)
    await x.signIn(makeSession()) // the probe read ran before this write
    const y = await started({ dbName })
    await y.end('user-logout')
    await x.reconcile()
    expect(x.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })

  it("a logout whose tombstone could not be written is written by the tab that saw it announced", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const memory = createMemoryPersistence(shared)
    let aFull = false
    const aPersistence: SessionPersistence = {
      ...memory,
      update: (decide) => (aFull ? Promise.reject(new DOMException('full', 'QuotaExceededError')) : memory.update(decide)),
    }
    const channel = bus()
    const wake = { subscribe: () => () => {} }
    const a = await started({ persistence: aPersistence, channel: channel(), clock, wake })
    const b = await started({ persistence: createMemoryPersistence(shared), channel: channel(), clock, wake })
    await a.signIn(makeSession())
    await settle()
    expect(b.getState().status).toBe('authenticated')
    aFull = true
    await a.logout()
    await settle()
    expect(a.getState().status).toBe('unauthenticated')
    expect(b.getState().status).toBe('unauthenticated') // shown at once
    await clock.advance(2500) // b's confirm: storage still holds the live session, so b writes the tombstone
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout', accessToken: '' } })
    expect(b.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await expect(b.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
  })

  it('a pending logout is not undone by a refresh falling due before it is confirmed', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * 60_000 })
    const shared = new Map<string, unknown>()
    const memory = createMemoryPersistence(shared)
    let aFull = false
    const aPersistence: SessionPersistence = {
      ...memory,
      update: (decide) => (aFull ? Promise.reject(new DOMException('closing', 'InvalidStateError')) : memory.update(decide)),
    }
    const channel = bus()
    const locks = createMemoryLocks()
    const wake = { subscribe: () => () => {} }
    const common = { clock, wake, locks, source: server.source() }
    const a = await started({ persistence: aPersistence, channel: channel(), ...common })
    const b = await started({ persistence: createMemoryPersistence(shared), channel: channel(), ...common })
    await a.completeLogin('https://app.example/callback')
    await settle()
    await clock.advance(9 * 60_000 - 1000) // the refresh falls due in 1 s
    aFull = true
    await a.end('user-logout') // announced; the tombstone write fails
    await settle()
    await clock.advance(3000) // due refresh, then b's confirm
    await settle(10)
    expect(server.refreshes).toBe(0)
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
    for (const tab of [a, b]) expect(tab.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })
})

describe('a store started again after a stop', () => {
  const wake = { subscribe: () => () => {} }
  /** A tab's store on `persistence`, signed in, then stopped (its provider unmounted on a route change). */
  async function signedInThenStopped(persistence: SessionPersistence) {
    const a = trackTab(createSessionStore({ persistence, channel: null, wake }))
    const stopA = a.start()
    await a.whenHydrated()
    await a.signIn(makeSession())
    stopA()
    await settle()
    return a
  }

  it('reads what other tabs did while it was stopped', async () => {
    const shared = new Map<string, unknown>()
    const a = await signedInThenStopped(createMemoryPersistence(shared))
    const b = await started({ persistence: createMemoryPersistence(shared), wake })
    await b.end('user-logout')
    a.start() // ...and mounts again
    await settle()
    expect(a.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await expect(a.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
  })

  // A Next.js route group: the provider sits in (app)/layout, /public has none. Coming back, the
  // page's effect asks for a token before the provider's effect starts the store (React runs
  // children's effects first), or in the same task as that start: either got the token of the
  // session another tab had ended meanwhile, and the request went out with it.
  it.each(['before start()', 'right after start()'])('hands out no token of a session ended while it was stopped (asked %s)', async (when) => {
    const shared = new Map<string, unknown>()
    // A read that takes a task, as IndexedDB's does.
    const memory = createMemoryPersistence(shared)
    const a = await signedInThenStopped({ ...memory, read: async () => (await new Promise((resolve) => setTimeout(resolve, 5)), memory.read()) })
    const b = await started({ persistence: createMemoryPersistence(shared), wake })
    await b.end('user-logout')
    if (when === 'right after start()') a.start()
    const token = a.getAccessToken()
    if (when === 'before start()') a.start()
    await expect(token).rejects.toMatchObject({ code: 'not-authenticated' })
    expect(a.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })

  it('a stopped store reads storage again each time it is asked, and a running one only once after its restart', async () => {
    let reads = 0
    const persistence = createMemoryPersistence(new Map())
    const a = await signedInThenStopped({ ...persistence, read: () => (reads++, persistence.read()) })
    const before = reads
    await a.whenHydrated()
    await a.whenHydrated()
    expect(reads - before).toBe(2) // stopped: nothing tells it what other tabs do
    a.start()
    await settle()
    const started = reads
    await a.getAccessToken()
    await a.whenHydrated()
    expect(reads).toBe(started) // running: tab sync keeps it current, no read per token
  })
})
