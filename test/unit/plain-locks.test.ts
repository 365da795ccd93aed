import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type Locks, type SessionStore } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

/**
 * An app's own Locks written in plain JavaScript, whose optional isHeld
 * answers at once (a boolean, not a Promise) or throws: the refresh must
 * still run, as with a Locks that has no isHeld.
 */
describe("an app's Locks whose isHeld answers synchronously or throws", () => {
  it.each([
    ['answers a boolean', () => false],
    ['throws', () => {
      throw new Error('lock registry unavailable')
    }],
  ])('isHeld %s: refresh() still refreshes', async (_, isHeld) => {
    // Before: `isHeld(name).catch` threw a TypeError inside the lock, so every
    // refresh failed as refresh-network and the tokens ran out.
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const memory = createMemoryLocks()
    const locks = { request: memory.request, isHeld } as unknown as Locks
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, clock, locks, source: server.source() })
    stores.push(store)
    store.start()
    await store.whenHydrated()
    await store.signIn(server.signInSession())
    await store.refresh({ force: true })
    expect(server.refreshes).toBe(1)
    expect(store.getState().session?.accessToken).toBe('at-2')
  })
})
