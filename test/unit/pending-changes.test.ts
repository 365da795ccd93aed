import { afterEach, describe, expect, it } from 'vitest'
import {
  createMemoryLocks,
  createMemoryPersistence,
  type AuthenticationSession,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, failable, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)
const started = startedTab

/** The epoch of the record stored in a shared map (announcements name it). */
const epochOf = (shared: Map<string, unknown>) => (shared.get('session') as { epoch?: string }).epoch

describe('pending changes through stops, wipes and failures', () => {
  it('a logout pending when the provider remounts is still confirmed and stored', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * 60_000 })
    const shared = new Map<string, unknown>()
    const channel = bus()
    const common = { clock, locks: createMemoryLocks(), source: server.source() }
    const { store: a } = await started({ persistence: createMemoryPersistence(shared), channel: channel(), ...common })
    const { store: b, stop: stopB } = await started({ persistence: createMemoryPersistence(shared), channel: channel(), ...common })
    await a.completeLogin('https://app.example/cb')
    await settle()
    const { generation } = shared.get('session') as { generation: number }
    // Tab A announces its logout and closes before writing the tombstone.
    channel().post({ v: 1, type: 'ending', generation, epoch: epochOf(shared), tabId: 'dying', revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() })
    a.destroy()
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    stopB() // the provider unmounts...
    await settle()
    b.start() // ...and mounts again within the 2 s
    await settle()
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
    expect(b.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await expect(b.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
    await clock.advance(12 * 60_000)
    expect(server.refreshes).toBe(0)
  })

  it("after a storage wipe, a stale tab's logout of the old session never ends the new one", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: a } = await started({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    await a.signIn(makeSession({ user: { '@type': 'User', id: 'u1', username: 'alice' } }))
    shared.clear() // site data cleared, or evicted
    const { store: c } = await started({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const bob = makeSession({ user: { '@type': 'User', id: 'u2', username: 'bob' } })
    await c.signIn(bob) // generation 1 again, in a new epoch
    await a.end('user-logout') // before a has heard of bob: announces generation 1 of the old epoch
    await settle()
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: false, session: { sessionId: bob.sessionId } })
    expect(c.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: bob.sessionId } })
    expect(a.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: bob.sessionId } })
  })

  it('a sign-in that could not be stored survives the logout of the session it replaced, and is stored', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: a } = await started({ persistence, clock })
    const { store: b } = await started({ persistence: createMemoryPersistence(shared), clock })
    await a.signIn(makeSession())
    await b.reconcile()
    disk.full = true
    const fresh = makeSession({ user: { '@type': 'User', id: 'u2', username: 'bob' } })
    await a.signIn(fresh)
    disk.full = false
    await b.end('user-logout') // the old session, in another tab
    await a.reconcile()
    expect(a.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: fresh.sessionId } })
    await clock.advance(5000) // the retry
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: false, session: { sessionId: fresh.sessionId } })
  })

  it('a destroyed store neither keeps nor retries a result that could not be stored', async () => {
    const clock = new FakeClock()
    const { persistence, disk } = failable(createMemoryPersistence())
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const source = {
      name: 'slow',
      refresh: async (session: AuthenticationSession) => {
        await gate
        return { session: { ...session, accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: new Date(clock.now() + 600_000).toISOString() } }
      },
    }
    const { store } = await started({ persistence, clock, locks: createMemoryLocks(), source })
    await store.signIn(makeSession({ expiresAt: new Date(clock.now() + 600_000).toISOString() }, clock.now()))
    const refreshing = store.refresh({ force: true })
    await settle()
    store.destroy()
    disk.full = true
    release()
    await refreshing.catch(() => {})
    await settle()
    const before = disk.attempts
    await clock.advance(60 * 60_000)
    expect(disk.attempts - before).toBe(0)
    expect(clock.pending()).toBe(0)
  })

  it('an old-version tab does not keep or retry a sign-in over a newer-version record', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    shared.set('session', { version: 2, generation: 3, ended: false, session: null, reason: 'update' })
    const { store } = await started({ persistence, clock, version: 1 })
    const errors: string[] = []
    store.on((event) => void (event.type === 'error' && errors.push(event.error.code)))
    await store.signIn(makeSession())
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-future-version' } })
    const before = disk.attempts
    await clock.advance(60 * 60_000)
    expect(disk.attempts - before).toBe(0)
    expect(errors.length).toBeLessThanOrEqual(1)
  })
})

describe('an announced logout of the old session, confirmed by a tab holding an unstored sign-in', () => {
  it('never ends the newer sign-in that replaced it', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: a } = await startedTab({ persistence, channel: channel(), clock })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const alice = makeSession({}, clock.now())
    await b.signIn(alice) // generation 1
    await settle()
    expect(a.getState().session?.sessionId).toBe(alice.sessionId)

    // In tab a the user signs in as bob; the disk is full, so bob is held in memory (over generation 1).
    disk.full = true
    const bob = makeSession({ user: { '@type': 'User', id: 'u2', username: 'bob' } }, clock.now())
    await a.signIn(bob)
    disk.full = false
    expect(a.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: bob.sessionId } })

    // Tab b announces the logout of alice (generation 1) and closes before writing its tombstone.
    const { generation, epoch } = shared.get('session') as { generation: number; epoch: string }
    channel().post({ v: 1, type: 'ending', generation, epoch, tabId: 'b-closing', revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() })
    b.destroy()
    await settle()
    await clock.advance(2500) // a's confirm timer (2 s) fires before its own retry (5 s)
    await settle()
    await clock.advance(5000)
    await settle()

    // Same outcome as when b's tombstone does land (pending-changes.test.ts): bob survives and is stored.
    expect(a.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: bob.sessionId } })
    expect(shared.get('session')).toMatchObject({ ended: false, session: { sessionId: bob.sessionId } })
  })
})
