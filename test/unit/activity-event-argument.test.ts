import { afterEach, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, trackTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(() => destroyTabs())

async function signedIn(clock: FakeClock) {
  const store = trackTab(createSessionStore({ dbName: uniqueDbName(), persistence: createMemoryPersistence(), locks: createMemoryLocks(), clock, channel: null, logoutJournal: null, activityWriteIntervalMs: MINUTE }))
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession({}, clock.now()))
  await clock.advance(5 * MINUTE)
  return store
}

/**
 * The first thing an app writes is `addEventListener('pointerdown', store.recordActivity)`
 * or `<div onPointerDown={recordActivity}>`: the listener is handed the event. It counts as
 * activity now; it must not throw on every user event.
 */
it.each([
  ['a DOM event', () => new Event('pointerdown')],
  ['a DOM keyboard event', () => new KeyboardEvent('keydown', { key: 'a' })],
  ['a React synthetic event (a plain object with a type and a nativeEvent)', () => ({ type: 'pointerdown', nativeEvent: new Event('pointerdown'), timeStamp: 1234.5 })],
])('recordActivity given %s records activity now', async (_, event) => {
  const clock = new FakeClock()
  const store = await signedIn(clock)
  expect(() => (store.recordActivity as (e: unknown) => void)(event())).not.toThrow()
  await settle()
  expect(store.getState().session!.lastActivityAt).toBe(new Date(clock.now()).toISOString())
  expect(store.derived()!.idleMinutes).toBe(0)
})

it('an object that is not an event is still refused with invalid-argument, and shows nothing', async () => {
  const clock = new FakeClock()
  const store = await signedIn(clock)
  const before = store.getState().session!.lastActivityAt
  for (const wrong of [{}, { at: clock.now() }, new Date(clock.now()), '2026-01-01T00:00:00Z']) {
    expect(() => (store.recordActivity as (e: unknown) => void)(wrong)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  }
  await settle()
  expect(store.getState().session!.lastActivityAt).toBe(before)
})

it('typechecks as a DOM listener and a React handler', () => {
  // Compile-time: these lines fail `npm run typecheck` if recordActivity's type refuses an event.
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  const asDomListener: (event: PointerEvent) => void = store.recordActivity
  const asReactHandler: (event: { type: string; nativeEvent: Event; timeStamp: number }) => void = store.recordActivity
  expect(typeof asDomListener).toBe('function')
  expect(typeof asReactHandler).toBe('function')
  store.destroy()
})
