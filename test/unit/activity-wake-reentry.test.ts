import { afterEach, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type WakeSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, trackTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(() => destroyTabs())

/**
 * An app's own wake source may tell its listener at once, from inside
 * subscribeHidden, when the tab is hidden already (an app-state stream that
 * replays its current value, as RxJS's BehaviorSubject does). The listener
 * writes the held-back activity, which subscribes again while a write is
 * unanswered: that must neither recurse nor leave subscriptions behind.
 */
it('a wake source that calls its hidden listener on subscribe: each recordActivity writes once, throws nothing, leaves nothing subscribed', async () => {
  const clock = new FakeClock()
  let hiddenNow = false
  let subscribed = 0
  const wake: WakeSource = {
    subscribe: () => () => {},
    subscribeHidden(listener) {
      subscribed += 1
      if (hiddenNow) listener()
      return () => void (subscribed -= 1)
    },
  }
  const store = trackTab(createSessionStore({ dbName: uniqueDbName(), persistence: createMemoryPersistence(), locks: createMemoryLocks(), clock, channel: null, logoutJournal: null, wake, activityWriteIntervalMs: MINUTE }))
  const writes: string[] = []
  store.on((event) => void (event.type === 'change' && event.reason === 'activity' && writes.push(event.type)))
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession({}, clock.now()))
  hiddenNow = true
  await clock.advance(5000)
  expect(() => store.recordActivity()).not.toThrow() // written at once
  await settle()
  await clock.advance(5000)
  expect(() => store.recordActivity()).not.toThrow() // held back, then written as the listener is told at once
  await settle()
  expect(writes).toHaveLength(2)
  expect(subscribed).toBe(0)
  expect(store.getState().session!.lastActivityAt).toBe(new Date(clock.now()).toISOString())
})
