import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createWindowWakeSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'
import { makeSession } from '../support/sessions'

afterEach(() => {
  browserCleanups.splice(0).forEach((cleanup) => cleanup())
  destroyTabs()
})

// An app's idle timeout reads derived().idleMinutes in every tab: the tabs
// must agree, or a background tab signs the user out early.
describe('activity seen by every tab', () => {
  it('the last activity of a burst reaches the other tabs within the write interval, though no activity follows it', async () => {
    const b = await browser(2, { activityWriteIntervalMs: MINUTE })
    await b.signIn()
    const [a, other] = b.stores as [typeof b.stores[0], typeof b.stores[0]]
    await b.clock.advance(5000)
    a!.recordActivity() // written at once
    await settle()
    expect(other!.getState().session?.lastActivityAt).toBe(new Date(b.clock.now()).toISOString())
    await b.clock.advance(40_000)
    a!.recordActivity() // within the interval: shown, write throttled
    await settle()
    // The user stops here. One interval later every tab knows the last activity.
    await b.clock.advance(MINUTE)
    await settle(10)
    expect(other!.getState().session?.lastActivityAt).toBe(a!.getState().session?.lastActivityAt)
    expect(other!.derived()!.idleMinutes).toBeCloseTo(a!.derived()!.idleMinutes, 5)
    expect(a!.derived()!.idleMinutes).toBeCloseTo(1, 5)
  })

  it('constant activity (every 100 ms) is written about once per interval, and shown at most once a second', async () => {
    const b = await browser(2, { activityWriteIntervalMs: MINUTE })
    await b.signIn()
    const a = b.stores[0]!
    let renders = 0
    a.subscribe(() => (renders += 1))
    const written = () => b.tabs[0]!.events.filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length
    for (let second = 0; second < 300; second += 1) {
      for (let i = 0; i < 9; i += 1) {
        b.clock.sleep(100)
        a.recordActivity()
      }
      await b.clock.advance(100) // fires due timers
      a.recordActivity()
    }
    await b.clock.advance(MINUTE)
    // 5 minutes of activity, then a minute's pause: 5 or 6 writes, the last one the last activity.
    expect(written()).toBeGreaterThanOrEqual(5)
    expect(written()).toBeLessThanOrEqual(6)
    expect(renders).toBeLessThanOrEqual(5 * 60 + 10)
    expect(b.stores[1]!.getState().session?.lastActivityAt).toBe(a.getState().session?.lastActivityAt)
  })

  it('a destroyed store leaves no activity write behind', async () => {
    const b = await browser(2, { activityWriteIntervalMs: MINUTE })
    await b.signIn()
    const [a, other] = [b.stores[0]!, b.stores[1]!]
    await b.clock.advance(5000)
    a.recordActivity()
    await b.clock.advance(10_000)
    a.recordActivity()
    const shown = other.getState().session?.lastActivityAt
    a.destroy()
    await b.clock.advance(2 * MINUTE)
    await other.reconcile() // what storage holds
    expect(other.getState().session?.lastActivityAt).toBe(shown)
  })
})

// A tab closed, or frozen in the background, never runs the timer that would
// write the last activity of a burst: it is written when the tab hides.
describe('activity held back when the tab hides or leaves', () => {
  const hiddenTabs = async () => {
    const b = await browser(2, { activityWriteIntervalMs: MINUTE, wake: createWindowWakeSource() })
    await b.signIn()
    await b.clock.advance(5000)
    const [a, other] = [b.stores[0]!, b.stores[1]!]
    a.recordActivity() // written at once
    await b.clock.advance(20_000)
    a.recordActivity() // held back until the interval ends
    await settle()
    expect(other.getState().session?.lastActivityAt).not.toBe(a.getState().session?.lastActivityAt)
    const written = () => b.tabs[0]!.events.filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length
    return { b, a, other, written }
  }

  it.each([
    ['pagehide', () => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))],
  ])('%s: the held-back activity is written at once, and not again when its timer would have run', async (_, hide) => {
    const { b, a, other, written } = await hiddenTabs()
    hide()
    await settle(10)
    expect(other.getState().session?.lastActivityAt).toBe(a.getState().session?.lastActivityAt)
    expect(written()).toBe(2)
    await b.clock.advance(2 * MINUTE)
    hide() // nothing held back: nothing written
    await settle(10)
    expect(written()).toBe(2)
  })

  // A frozen page gets no IndexedDB answers: a write begun as it freezes would hold every other tab's writes.
  it.each([
    ['freeze', () => document.dispatchEvent(new Event('freeze'))],
    ['a pagehide into the back/forward cache', () => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))],
  ])('%s: nothing is written (the page was hidden, and wrote, before)', async (_, freeze) => {
    const { written } = await hiddenTabs()
    freeze()
    await settle(10)
    expect(written()).toBe(1)
  })

  it('visibilitychange to hidden writes it; to visible does not', async () => {
    const { a, other, written } = await hiddenTabs()
    const visibility = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')!
    try {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' })
      document.dispatchEvent(new Event('visibilitychange'))
      await settle(10)
      expect(written()).toBe(1)
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
      await settle(10)
      expect(written()).toBe(2)
      expect(other.getState().session?.lastActivityAt).toBe(a.getState().session?.lastActivityAt)
    } finally {
      delete (document as { visibilityState?: unknown }).visibilityState
      expect(Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState')).toEqual(visibility)
    }
  })

  // While a write is held back or unanswered (a page unloaded then notes it for its next page: activity-reload.test.ts).
  it('listens for hiding only while a write is held back or unanswered: nothing stays attached for an idle tab', async () => {
    const added: string[] = []
    const removed: string[] = []
    const { b } = await hiddenTabs()
    const adds = [window, document].map((target) => vi.spyOn(target, 'addEventListener').mockImplementation(function (this: EventTarget, type: string) { added.push(type) } as never))
    ;[window, document].forEach((target) => vi.spyOn(target, 'removeEventListener').mockImplementation((type: string) => void removed.push(type)))
    await b.clock.advance(MINUTE) // the held-back write runs from its timer
    await settle(10)
    expect(removed.sort()).toEqual(['pagehide', 'visibilitychange'])
    await b.clock.advance(MINUTE)
    removed.length = 0
    b.stores[0]!.recordActivity() // a new interval: written at once; listened for only until it is answered
    expect(added.sort()).toEqual(['pagehide', 'visibilitychange'])
    await settle(10)
    expect(b.tabs[0]!.events.filter((event) => event.type === 'change' && event.reason === 'activity')).toHaveLength(3)
    expect(removed.sort()).toEqual(['pagehide', 'visibilitychange'])
    adds.forEach((spy) => spy.mockRestore())
    vi.restoreAllMocks()
  })
})

// lastActivityAt is on the device's clock: set back, the clock would put the
// last activity in the future, and idle time would read 0 until it caught up.
describe('activity when the device clock is set back', () => {
  it('idle time keeps counting in every tab, and new activity is recorded', async () => {
    const b = await browser(2, { activityWriteIntervalMs: MINUTE })
    await b.signIn()
    const [a, other] = [b.stores[0]!, b.stores[1]!]
    await b.clock.advance(5000)
    a.recordActivity() // written
    await b.clock.advance(35_000)
    a.recordActivity() // shown, its write throttled
    b.clock.setBack(30 * MINUTE)
    b.wake.fire('focus')
    await settle(10)
    await b.clock.advance(5 * MINUTE) // the user is away
    for (const store of [a, other]) expect(store.derived()!.idleMinutes).toBeCloseTo(5, 1)
    a.recordActivity() // back
    await b.clock.advance(MINUTE)
    for (const store of [a, other]) expect(store.derived()!.idleMinutes).toBeCloseTo(1, 1)
  })
})

describe('activity when the device clock is set back, in a store without a source', () => {
  // No refresh timer looks at the clock there: derived() and recorded activity do.
  it('derived() sees the set-back: idle time counts from the shifted activity, stored once for all tabs', async () => {
    const shared = new Map<string, unknown>()
    const clock = new FakeClock()
    const tab = () => startedTab({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks(), logoutJournal: null, clock })
    const [{ store: a }, { store: other }] = [await tab(), await tab()]
    await a.signIn(makeSession({}, clock.now()))
    await clock.advance(2 * MINUTE)
    a.recordActivity() // written (first)
    await settle()
    clock.setBack(30 * MINUTE)
    await clock.advance(5 * MINUTE) // the user is away
    a.derived() // an idle timer's poll: notices the set-back, whose shift is stored a moment later
    await settle()
    expect(a.derived()!.idleMinutes).toBeCloseTo(5, 1)
    const stored = (shared.get('session') as { session: { lastActivityAt: string } }).session.lastActivityAt
    expect(Date.parse(stored)).toBe(clock.now() - 5 * MINUTE)
    await other.reconcile()
    expect(other.derived()!.idleMinutes).toBeCloseTo(5, 1)
  })

  it('activity timed before what is shown notices it too, and the next activity is recorded', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ persistence: createMemoryPersistence(), locks: createMemoryLocks(), logoutJournal: null, clock })
    await store.signIn(makeSession({}, clock.now()))
    await clock.advance(MINUTE)
    store.recordActivity()
    clock.setBack(30 * MINUTE)
    await clock.advance(2000)
    store.recordActivity() // before the shown time: only looks at the clock
    await clock.advance(2000)
    store.recordActivity()
    expect(Date.parse(store.getState().session!.lastActivityAt)).toBe(clock.now())
  })
})
