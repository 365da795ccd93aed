import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type TabChannel, type WakeSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, failable, trackTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { makeSession, uniqueDbName } from '../support/sessions'
import { tearable } from '../support/torn-pages'

/**
 * A tab whose sign-in could not be stored holds the new session at the stored
 * record's generation (memory only). A hand-off names only that generation, so
 * it must not carry activity between that sign-in and the login it replaced,
 * in either direction: another user's idle time would move.
 */
afterEach(() => {
  destroyTabs()
  sessionStorage.clear()
})

function browser() {
  const shared = new Map<string, unknown>()
  const clock = new FakeClock()
  const dbName = uniqueDbName()
  const locks = createMemoryLocks()
  const channels = bus()
  const tab = async (channel: TabChannel = channels()) => {
    const { persistence: torn, page } = tearable(createMemoryPersistence(shared))
    const { persistence, disk } = failable(torn)
    let hidden: ((unloading?: boolean) => void) | undefined
    const wake: WakeSource = { subscribe: () => () => {}, subscribeHidden: (listener) => ((hidden = listener), () => (hidden = undefined)) }
    const store = trackTab(createSessionStore({ dbName, persistence, locks, clock, wake, channel, logoutJournal: null, activityWriteIntervalMs: MINUTE }))
    store.start()
    await store.whenHydrated()
    const close = () => {
      page.torn = true
      hidden?.(true)
      store.destroy()
    }
    return { store, disk, close }
  }
  return { clock, tab }
}

describe('activity handed over across a sign-in not stored', () => {
  it('is not taken by a tab showing a sign-in it could not store', async () => {
    const b = browser()
    const closing = await b.tab()
    const unsaved = await b.tab()
    await closing.store.signIn(makeSession({ sessionId: 'first-user' }, b.clock.now()))
    await settle(10)
    await b.clock.advance(5000)
    unsaved.disk.full = true
    await unsaved.store.signIn(makeSession({ sessionId: 'second-user' }, b.clock.now()))
    await settle(10)
    expect(unsaved.store.getState().session?.sessionId).toBe('second-user')
    const shown = unsaved.store.getState().session!.lastActivityAt
    await b.clock.advance(5000)
    closing.store.recordActivity() // written
    await settle(10)
    await b.clock.advance(20_000)
    closing.store.recordActivity() // held back
    closing.close()
    await settle(10)
    expect(unsaved.store.getState().session?.sessionId).toBe('second-user')
    expect(unsaved.store.getState().session!.lastActivityAt).toBe(shown)
  })

  it('is not handed over by a tab closing on a sign-in it could not store', async () => {
    const b = browser()
    const other = await b.tab()
    const closing = await b.tab()
    await other.store.signIn(makeSession({ sessionId: 'first-user' }, b.clock.now()))
    await settle(10)
    const shown = other.store.getState().session!.lastActivityAt
    await b.clock.advance(5000)
    closing.disk.full = true
    await closing.store.signIn(makeSession({ sessionId: 'second-user' }, b.clock.now()))
    await settle(10)
    await b.clock.advance(5000)
    closing.store.recordActivity() // its write fails: held in memory
    await settle(10)
    await b.clock.advance(20_000)
    closing.store.recordActivity() // held back
    closing.close()
    await settle(10)
    expect(other.store.getState().session?.sessionId).toBe('first-user')
    expect(other.store.getState().session!.lastActivityAt).toBe(shown)
  })
})
