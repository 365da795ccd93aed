import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionPersistence } from '../../src/index'
import { startedStore as started, stopStartedStores, trackStore } from '../support/started-store'
import { makeSession } from '../support/sessions'

afterEach(stopStartedStores)

describe('hydration', () => {
  // With an empty key, the late answer (nothing) must not read as "storage was wiped".
  it.each([
    ['a stored record', true],
    ['an empty key', false],
  ])('a sign-in made while hydration is still reading %s is not lost', async (_, stored) => {
    const shared = new Map<string, unknown>()
    const old = makeSession({ user: { username: 'old' } })
    if (stored) shared.set('session', { version: 1, generation: 5, session: old, ended: false, reason: 'sign-in' })
    const memory = createMemoryPersistence(shared)
    let releaseRead!: () => void
    const gate = new Promise<void>((resolve) => (releaseRead = resolve))
    // The first read (hydration) answers late, with what was stored before the sign-in.
    let reads = 0
    const slow: SessionPersistence = {
      ...memory,
      read: async () => {
        const value = shared.get('session')
        if (reads++ === 0) await gate
        return value
      },
    }
    const store = createSessionStore({ persistence: slow, channel: null })
    trackStore(store)
    store.start()
    const fresh = makeSession({ user: { username: 'new' } })
    // The sign-in waits for the stored record (it must know what it replaces), then lands.
    const signingIn = store.signIn(fresh)
    releaseRead()
    await signingIn
    expect(store.hasHydrated()).toBe(true)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { user: { username: 'new' } } })
    expect(shared.get('session')).toMatchObject({ generation: stored ? 6 : 1, session: { user: { username: 'new' } } })
  })

  it('stays loading until the record is read (no flash of signed out)', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const memory = createMemoryPersistence()
    const store = createSessionStore({ persistence: { ...memory, read: () => gate.then(() => undefined) }, channel: null })
    trackStore(store)
    const statuses: string[] = []
    store.subscribe((state) => statuses.push(state.status))
    store.start()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(store.getState().status).toBe('loading')
    release()
    await store.whenHydrated()
    expect(statuses).toEqual(['unauthenticated'])
  })

  it('re-reading an unchanged record applies nothing (only a newer generation is applied)', async () => {
    const { store, events } = await started({ persistence: createMemoryPersistence() })
    await store.signIn(makeSession())
    const before = store.getState()
    events.length = 0
    await store.reconcile()
    expect(events.filter((event) => event.type === 'change')).toEqual([])
    expect(store.getState()).toBe(before)
  })

  it('a record an earlier version stored with an end-of-day time (24:00) still reads back', async () => {
    const shared = new Map<string, unknown>()
    const session = makeSession({ expiresAt: '2126-11-23T24:00:00Z' })
    shared.set('session', { version: 1, generation: 3, session, ended: false, reason: 'sign-in', epoch: 'e1' })
    const { store } = await started({ persistence: createMemoryPersistence(shared) })
    expect(store.getState()).toMatchObject({ status: 'authenticated', error: null })
    expect(shared.get('session:quarantine')).toBeUndefined()
  })
})
