import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore, type AuthenticationSession } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { announceLogout, bus, destroyTabs, failable, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

type Raw = { generation: number; epoch?: string; ended: boolean; session: AuthenticationSession }

describe('update() failing while another tab’s announced logout is pending', () => {
  it('does not show the session again, and the logout is not undone by the next write', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: a } = await startedTab({ persistence, clock, channel: channel() })
    await a.signIn(makeSession({}, clock.now()))
    await settle()
    // Another tab logs out, announces it, and closes before its tombstone lands.
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    expect(a.getState().status).toBe('unauthenticated')
    // The app saves a field; the write fails once (a transient IndexedDB error).
    disk.full = true
    const updated = await a.update({ ipAddress: '192.0.2.1' })
    disk.full = false
    const shownAfterUpdate = a.getState().status
    // The user moves the mouse: an activity write.
    a.recordActivity(clock.now() + 2000)
    await settle(10)
    await clock.advance(3000) // the logout confirm (2 s) has run
    await settle(10)
    const stored = shared.get('session') as Raw
    // What the user sees: the tab that showed "signed out" flips back to signed in the moment update() fails
    // (update's fallback decide(held()) skips the commit guard, and holdLocally shows the patch); the next
    // write (activity, or any other) then passes the guard, since logoutPending() is now false, and moves the
    // generation, so the confirm finds another record and the logout is never stored: the user is signed in
    // again in every tab. README: while another tab's announced logout waits for its tombstone, no write may
    // keep that session live, update() resolves false. Correct: update() resolves false, nothing is kept or
    // shown, the tab stays signed out and the confirm writes the tombstone.
    expect({ updated, shownAfterUpdate, status: a.getState().status, storedEnded: stored.ended }).toEqual({
      updated: false,
      shownAfterUpdate: 'unauthenticated',
      status: 'unauthenticated',
      storedEnded: true,
    })
  })
})

describe('an ending announced while a tab is still reading storage, and the provider remounts meanwhile', () => {
  it('the logout is still applied and confirmed (the announcing tab closed before its tombstone)', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const seed = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await seed.store.signIn(makeSession({}, clock.now()))
    let releaseRead!: () => void
    const gate = new Promise<void>((resolve) => (releaseRead = resolve))
    const memory = createMemoryPersistence(shared)
    let slowReads = 1
    const slow = { ...memory, read: async () => ((slowReads-- > 0 ? await gate : undefined), memory.read()) }
    const bClock = new FakeClock()
    const b = trackTab(createSessionStore({ persistence: slow, channel: channel(), clock: bClock, wake: { subscribe: () => () => {} } }))
    const stopFirst = b.start() // the tab has just opened: its first read of storage is slow
    announceLogout(channel(), shared, clock.serverNow()) // another tab logs out and closes before its tombstone
    await settle()
    // The provider unmounts and mounts again (a route change) while the read is still under way.
    stopFirst()
    await settle()
    b.start()
    releaseRead()
    await settle(10)
    await bClock.advance(3000) // past the 2 s confirm
    await settle(10)
    // What the user sees: the logout made in the closed tab is lost: this tab shows signed in, storage keeps the
    // live session, and a reload signs the user straight back in. The ending was waiting for the read, and the
    // remount set `detached` on the first attachment, so it was dropped; the new attachment never heard it.
    // README: a tab still reading storage applies an announced logout once it has read the announced record;
    // a pending logout confirm keeps running through a stop. Correct: only destroy() drops it.
    expect({ status: b.getState().status, storedEnded: (shared.get('session') as Raw).ended }).toEqual({ status: 'unauthenticated', storedEnded: true })
  })
})
