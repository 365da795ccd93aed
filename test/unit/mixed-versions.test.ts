import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, failable, noWake, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

const named = (id: string) => makeSession({ sessionId: `sess-${id}`, user: { '@type': 'User', id, username: id } })

describe('tabs on different versions of the library or the app', () => {
  it("a logout announced without an epoch (an earlier library version) is applied and confirmed by generation", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    await b.signIn(makeSession())
    const { generation } = shared.get('session') as { generation: number }
    channel().post({ v: 1, type: 'ending', generation, tabId: 'earlier-version', revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() })
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    await clock.advance(2500) // the announcing tab closed before writing: b writes the tombstone
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
  })

  it("a logout in an old app version's tab reaches the newer version's tabs, which store it", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: newer } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, version: 2, migrate: (s) => s })
    const { store: older } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, version: 1 })
    await newer.signIn(makeSession())
    await settle()
    expect(older.getState().error).toMatchObject({ code: 'storage-future-version' })
    await older.end('user-logout') // cannot write the v2 record, so it tells the tabs that can
    await settle()
    expect(newer.getState().status).toBe('unauthenticated')
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ version: 2, ended: true, session: { revokeReason: 'user-logout' } })
  })
})

describe('several changes that could not be stored, in a row', () => {
  /** A tab signed in as alice whose disk then fills up. */
  const aliceThenFullDisk = async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store } = await startedTab({ persistence, clock })
    await store.signIn(named('alice'))
    disk.full = true
    return { clock, shared, disk, store }
  }

  it('a logout, then a sign-in: the sign-in lands over the session logged out, which never comes back', async () => {
    const { clock, shared, disk, store: a } = await aliceThenFullDisk()
    await a.end('user-logout')
    await a.signIn(named('bob'))
    disk.full = false
    await clock.advance(5000)
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: false, session: { sessionId: 'sess-bob' } })
    const reloaded = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    expect(reloaded.store.getState().session?.sessionId).toBe('sess-bob')
  })

  it('two sign-ins: the last one lands', async () => {
    const { clock, shared, disk, store: a } = await aliceThenFullDisk()
    await a.signIn(named('bob'))
    await a.signIn(named('carol'))
    disk.full = false
    await clock.advance(5000)
    await settle()
    expect(shared.get('session')).toMatchObject({ session: { sessionId: 'sess-carol' } })
  })
})

describe('channels', () => {
  it('a logout confirmed after the provider unmounted leaves no BroadcastChannel open', async () => {
    const Real = globalThis.BroadcastChannel
    const open = new Set<BroadcastChannel>()
    class Tracked extends Real {
      constructor(name: string) {
        super(name)
        open.add(this)
      }
      override close() {
        open.delete(this)
        super.close()
      }
    }
    globalThis.BroadcastChannel = Tracked as typeof BroadcastChannel
    try {
      const clock = new FakeClock()
      const shared = new Map<string, unknown>()
      const b = trackTab(createSessionStore({ persistence: createMemoryPersistence(shared), clock, wake: noWake, dbName: 'channels-test' }))
      const stop = b.start()
      await b.whenHydrated()
      await b.signIn(makeSession())
      const { generation, epoch } = shared.get('session') as { generation: number; epoch: string }
      const other = new Real('authsession:channels-test:session')
      other.postMessage({ v: 1, type: 'ending', generation, epoch, tabId: 'dying', revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() })
      other.close()
      await settle(10)
      expect(b.getState().status).toBe('unauthenticated')
      stop() // unmounted for good
      await settle()
      await clock.advance(2500)
      await settle()
      expect(shared.get('session')).toMatchObject({ ended: true })
      expect(open.size).toBe(0)
    } finally {
      globalThis.BroadcastChannel = Real
    }
  })
})
