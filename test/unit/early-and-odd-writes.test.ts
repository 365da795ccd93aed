import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore } from '../../src/index'
import { destroyTabs, failable, noWake, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

const record = (session: unknown, generation = 1) => ({ version: 1, generation, ended: false, reason: 'sign-in', session, epoch: 'e1' })

describe('writes made early or with odd input', () => {
  it('update() with an array patch is refused with invalid-argument and writes nothing', async () => {
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared) })
    await store.signIn(makeSession())
    const before = structuredClone(shared.get('session'))
    const outcome = await store.update(['oops'] as never).then((v) => v, (e) => e.code)
    expect({ outcome, stored: shared.get('session') }).toEqual({ outcome: 'invalid-argument', stored: before })
  })

  it('a sign-in made before hydration, kept in memory on a full disk, is not replaced by the older stored session', async () => {
    const shared = new Map<string, unknown>()
    const old = makeSession({ user: { '@type': 'User', id: 'u-old', username: 'old' } })
    shared.set('session', record(old, 5))
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    disk.full = true
    const store = trackTab(createSessionStore({ persistence, channel: null, wake: noWake }))
    const fresh = makeSession({ user: { '@type': 'User', id: 'u-new', username: 'new' } })
    await store.signIn(fresh)
    expect(store.getState().session?.sessionId).toBe(fresh.sessionId)
    store.start()
    await store.whenHydrated()
    expect(store.getState().session?.user.username).toBe('new')
  })

  it('the same sign-in made after hydration is kept in memory on a full disk', async () => {
    const shared = new Map<string, unknown>()
    shared.set('session', record(makeSession({ user: { '@type': 'User', id: 'u-old', username: 'old' } }), 5))
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store } = await startedTab({ persistence })
    disk.full = true
    await store.signIn(makeSession({ user: { '@type': 'User', id: 'u-new', username: 'new' } }))
    await store.reconcile()
    expect(store.getState().session?.user.username).toBe('new')
  })
})
