import { afterEach, describe, expect, it, vi } from 'vitest'
import { createIdleTimeout, createMemoryPersistence, type IdleTimeout, type SessionStore } from '../../src/index'
import { catchUncaught } from '../support/catch-uncaught'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'

const stops: Array<() => void> = []
afterEach(() => {
  stops.splice(0).forEach((stop) => stop())
  browserCleanups.splice(0).forEach((cleanup) => cleanup())
  destroyTabs()
})

const TIMEOUT = 10 * MINUTE
const PROMPT = 2 * MINUTE

/** A started tracker on `store`; the app listens for input itself (no window listeners). */
function tracker(store: SessionStore, options: Partial<Parameters<typeof createIdleTimeout>[1]> = {}): IdleTimeout {
  const idle = createIdleTimeout(store, { timeoutMs: TIMEOUT, promptMs: PROMPT, activityEvents: false, ...options })
  stops.push(idle.start())
  return idle
}
const phases = (trackers: IdleTimeout[]) => trackers.map((idle) => idle.getState().phase)
/** Tombstones written: one local 'end' change per tab that wrote one. */
const endsWritten = (b: Awaited<ReturnType<typeof browser>>) =>
  b.tabs.flatMap((tab) => tab.events).filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'end').length

/** Two tabs on one IndexedDB and one BroadcastChannel, signed in, each with a tracker. */
async function twoTabs(options: { activityWriteIntervalMs?: number } = {}, idleOptions: Parameters<typeof tracker>[1] = {}) {
  const b = await browser(2, { ttlMs: 60 * MINUTE, ...options })
  await b.signIn()
  const trackers = b.stores.map((store) => tracker(store, idleOptions))
  return { b, trackers, startedAt: Date.parse(b.stores[0]!.getState().session!.lastActivityAt) }
}

describe('createIdleTimeout across tabs', () => {
  it('every tab enters the prompt at timeout − prompt, counts down once a second, and times out at timeout; the session is ended once', async () => {
    const { b, trackers, startedAt } = await twoTabs()
    const changes = trackers.map((idle) => {
      const seen: string[] = []
      idle.subscribe(() => seen.push(`${idle.getState().phase}:${idle.getState().remainingSeconds}`))
      return seen
    })
    expect(phases(trackers)).toEqual(['active', 'active'])
    expect(trackers[0]!.timeoutAt()).toBe(startedAt + TIMEOUT)

    await b.clock.advance(startedAt + TIMEOUT - PROMPT - 1 - b.clock.now())
    expect(phases(trackers)).toEqual(['active', 'active'])
    expect(changes).toEqual([[], []]) // nothing told while active
    await b.clock.advance(1)
    expect(trackers.map((idle) => idle.getState())).toEqual([0, 1].map(() => ({ phase: 'prompt', remainingSeconds: 120 })))
    await b.clock.advance(1000)
    expect(trackers[1]!.getState().remainingSeconds).toBe(119)
    await b.clock.advance(PROMPT - 1000 - 1)
    expect(trackers.map((idle) => idle.getState().remainingSeconds)).toEqual([1, 1])

    await b.clock.advance(1)
    await settle(10)
    expect(b.stores.map((store) => store.getState())).toMatchObject([0, 1].map(() => ({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })))
    expect(phases(trackers)).toEqual(['inactive', 'inactive'])
    expect(endsWritten(b)).toBe(1)
    // One change each second of the prompt, none before it.
    // A tab that reads the other's end before its own timer fires goes from the prompt to inactive.
    const countdown = Array.from({ length: 120 }, (_, i) => `prompt:${120 - i}`)
    for (const seen of changes) expect([[...countdown, 'timed-out:0', 'inactive:null'], [...countdown, 'inactive:null']]).toContainEqual(seen)
    expect(changes.flat()).toContain('timed-out:0')
    expect(b.clock.pending()).toBe(0) // no tracker timer left, signed out
  })

  // Activity is written at most once per activityWriteIntervalMs. Here the prompt comes 3 minutes after a write,
  // inside the 5-minute interval: "stay" would be held back, and the other tab would end the session it kept.
  it("stay() in one tab closes the other tab's prompt at once, though activity writes are throttled, and neither times out", async () => {
    const { b, trackers, startedAt } = await twoTabs({ activityWriteIntervalMs: 5 * MINUTE }, { timeoutMs: 4 * MINUTE, promptMs: MINUTE })
    const [a, other] = b.stores as [SessionStore, SessionStore]
    await b.clock.advance(1000)
    a.recordActivity() // written at once: the interval starts here
    await settle()
    await b.clock.advance(3 * MINUTE)
    expect(phases(trackers)).toEqual(['prompt', 'prompt'])

    trackers[0]!.stay()
    expect(trackers[0]!.getState().phase).toBe('active')
    await settle(10) // the write, its message, the other tab's read: no clock time passes
    expect(trackers[1]!.getState().phase).toBe('active')
    expect(other.getState().session!.lastActivityAt).toBe(a.getState().session!.lastActivityAt)

    await b.clock.advance(MINUTE) // past the old timeout
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
    expect(phases(trackers)).toEqual(['active', 'active'])
    expect(startedAt).toBeLessThan(Date.parse(other.getState().session!.lastActivityAt))
  })

  it("the user's own input during the prompt (recordActivity, not stay) also reaches the other tab at once", async () => {
    const { b, trackers } = await twoTabs({ activityWriteIntervalMs: 5 * MINUTE }, { timeoutMs: 4 * MINUTE, promptMs: MINUTE })
    await b.clock.advance(1000)
    b.stores[0]!.recordActivity()
    await settle()
    await b.clock.advance(3 * MINUTE + 30_000)
    expect(phases(trackers)).toEqual(['prompt', 'prompt'])

    b.stores[0]!.recordActivity() // a key pressed in that tab
    await settle(10)
    expect(phases(trackers)).toEqual(['active', 'active'])
    await b.clock.advance(MINUTE)
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
  })

  it('a laptop that slept past the timeout times out on waking, before any timer runs; one that slept into the prompt shows it as it is now', async () => {
    const { b, trackers, startedAt } = await twoTabs()
    b.clock.sleep(TIMEOUT - PROMPT + 30_000) // no timer fires
    expect(phases(trackers)).toEqual(['active', 'active'])
    b.wake.fire('visible')
    expect(trackers.map((idle) => idle.getState())).toEqual([0, 1].map(() => ({ phase: 'prompt', remainingSeconds: 90 })))

    b.clock.sleep(60 * MINUTE)
    b.wake.fire('focus')
    expect(phases(trackers)).toEqual(['timed-out', 'timed-out'])
    await settle(10)
    expect(b.stores.map((store) => store.getState().status)).toEqual(['unauthenticated', 'unauthenticated'])
    expect(endsWritten(b)).toBe(1)
    expect(Date.parse(b.stores[0]!.getState().session!.revokedAt!)).toBeGreaterThan(startedAt + TIMEOUT)
  })
})

describe('createIdleTimeout in one tab', () => {
  it('activity recorded after the timeout came, before its action ran, does not keep the session: it is shown ended at once', async () => {
    const b = await browser(1, { ttlMs: 60 * MINUTE })
    await b.signIn()
    const store = b.stores[0]!
    const idle = tracker(store)
    b.clock.sleep(TIMEOUT + 1)
    b.wake.fire('visible')
    expect(idle.getState().phase).toBe('timed-out')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })
    store.recordActivity() // too late: the timeout came first, as for input after it (below)
    await settle(10)
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })
    expect(idle.getState().phase).toBe('inactive')
  })

  // Timers stand still while a machine sleeps, and no wake-up comes unless the page's visibility or focus
  // changed: the first input after the timeout was recorded as activity, and the session went on.
  it('input after the timeout, before any timer or wake-up (a laptop woken without a visibility change), ends the session', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
    await store.signIn(makeActiveSession(clock.now()))
    const idle = tracker(store, { activityEvents: ['keydown'] })
    clock.sleep(TIMEOUT + MINUTE) // no timer fires, no wake-up
    document.body.dispatchEvent(new Event('keydown', { bubbles: true }))
    await settle(10)
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })
    expect(idle.getState().phase).toBe('inactive')
  })

  it('once timed out (its action failed), input is activity again', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
    await store.signIn(makeActiveSession(clock.now()))
    const uncaught = catchUncaught()
    try {
      const idle = tracker(store, { activityEvents: ['keydown'], onTimeout: () => Promise.reject(new Error('the app failed')) })
      await clock.advance(TIMEOUT)
      expect(idle.getState().phase).toBe('timed-out')
      document.body.dispatchEvent(new Event('keydown', { bubbles: true }))
      expect(idle.getState().phase).toBe('active')
      expect(store.getState().session!.lastActivityAt).toBe(new Date(clock.now()).toISOString())
    } finally {
      uncaught.stop()
    }
  })

  it('signed out or loading: inactive, and no timer is held', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock })
    const idle = tracker(store)
    expect(idle.getState()).toEqual({ phase: 'inactive', remainingSeconds: null })
    expect(clock.pending()).toBe(0)
    await clock.advance(2 * TIMEOUT)
    expect(idle.getState().phase).toBe('inactive')
    expect(idle.timeoutAt()).toBeNull()
  })

  it('a refused end (later activity stored by a tab this one did not hear) is no unhandled rejection, and the tab is active again', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const stale = await startedTab({ clock, persistence: createMemoryPersistence(shared) }) // no channel, no wake-ups
    const active = await startedTab({ clock, persistence: createMemoryPersistence(shared) })
    await stale.store.signIn(makeActiveSession(clock.now()))
    await active.store.reconcile()
    const idle = tracker(stale.store)
    await clock.advance(5 * MINUTE)
    active.store.recordActivity() // stored; the stale tab is not told
    await settle()
    const stored = active.store.getState().session!.lastActivityAt

    await clock.advance(5 * MINUTE) // the stale tab's timeout, on what it shows
    await settle(10)
    expect(active.store.getState().status).toBe('authenticated')
    expect(stale.store.getState()).toMatchObject({ status: 'authenticated', session: { lastActivityAt: stored } })
    expect(idle.getState().phase).toBe('active')
    expect(idle.timeoutAt()).toBe(Date.parse(stored) + TIMEOUT)
  })

  it('a custom onTimeout runs once per idle period with the store; its failure surfaces as uncaught, and the tracker stays timed out until activity', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
    await store.signIn(makeActiveSession(clock.now()))
    const onTimeout = vi.fn(async (given: SessionStore) => {
      expect(given).toBe(store)
      throw new Error('the app failed')
    })
    const uncaught = catchUncaught()
    try {
      const idle = tracker(store, { onTimeout })
      await clock.advance(TIMEOUT)
      await clock.advance(MINUTE)
      expect(onTimeout).toHaveBeenCalledTimes(1)
      expect(uncaught.caught).toEqual([new Error('the app failed')])
      expect(idle.getState().phase).toBe('timed-out')
      expect(clock.pending()).toBe(0) // no tick once timed out

      idle.stay()
      expect(idle.getState().phase).toBe('active')
      await clock.advance(TIMEOUT)
      expect(onTimeout).toHaveBeenCalledTimes(2)
    } finally {
      uncaught.stop()
    }
  })

  it("onTimeout 'logout' signs out with reason idle-timeout and no redirect", async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
    await store.signIn(makeActiveSession(clock.now()))
    const logout = vi.spyOn(store, 'logout').mockResolvedValue(undefined)
    tracker(store, { onTimeout: 'logout' })
    await clock.advance(TIMEOUT)
    expect(logout).toHaveBeenCalledWith({ reason: 'idle-timeout', redirect: false })
  })

  it('listens for input on window only while started, and stops its timers when stopped', async () => {
    const clock = new FakeClock()
    const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
    await store.signIn(makeActiveSession(clock.now()))
    const added = vi.spyOn(window, 'addEventListener')
    const idle = createIdleTimeout(store, { timeoutMs: TIMEOUT, promptMs: PROMPT })
    expect(added).not.toHaveBeenCalled() // nothing at creation
    const stop = idle.start()
    expect(added.mock.calls.map(([type]) => type)).toEqual(['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'])
    const shown = () => store.getState().session!.lastActivityAt

    await clock.advance(5000)
    document.body.dispatchEvent(new Event('keydown', { bubbles: true }))
    expect(shown()).toBe(new Date(clock.now()).toISOString())

    stop()
    await settle(1) // the stop lands a promise job later (StrictMode's remount keeps the tracker)
    expect(idle.getState().phase).toBe('inactive')
    await clock.advance(5000)
    document.body.dispatchEvent(new Event('keydown', { bubbles: true }))
    expect(shown()).toBe(new Date(clock.now() - 5000).toISOString())
    await clock.advance(2 * TIMEOUT)
    expect(store.getState().status).toBe('authenticated')
  })
})

describe('createIdleTimeout options', () => {
  it.each([
    ['no options', undefined],
    ['no timeoutMs', {}],
    ['a timeoutMs of NaN', { timeoutMs: Number.NaN }],
    ['an infinite timeoutMs', { timeoutMs: Infinity }],
    ['a timeoutMs of 0', { timeoutMs: 0 }],
    ['a timeoutMs as a string', { timeoutMs: '900000' }],
    ['a promptMs as long as timeoutMs', { timeoutMs: 1000, promptMs: 1000 }],
    ['a negative promptMs', { timeoutMs: 1000, promptMs: -1 }],
    ['an unknown onTimeout', { timeoutMs: 1000, onTimeout: 'redirect' }],
    ['activityEvents as a string', { timeoutMs: 1000, activityEvents: 'click' }],
    ['a wake without subscribe', { timeoutMs: 1000, wake: {} }],
  ])('%s: invalid-argument, and nothing starts', async (_, options) => {
    const { store } = await startedTab({ persistence: createMemoryPersistence() })
    expect(() => createIdleTimeout(store, options as never)).toThrow(expect.objectContaining({ name: 'AuthSessionError', code: 'invalid-argument' }))
  })

  it('a store not made by createSessionStore: invalid-argument', () => {
    const fake = { getState() {}, subscribe() {}, recordActivity() {}, derived() {}, end() {}, logout() {} }
    expect(() => createIdleTimeout(fake as never, { timeoutMs: 1000 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    expect(() => createIdleTimeout(null as never, { timeoutMs: 1000 })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})

function makeActiveSession(now: number) {
  const at = (ms: number) => new Date(now + ms).toISOString()
  return {
    sessionId: `s-${Math.random().toString(36).slice(2)}`, status: 'active' as const, user: { id: 'u1' }, accessToken: 'at-1',
    initiatedAt: at(0), expiresAt: at(24 * 60 * MINUTE), lastActivityAt: at(0), deviceInfo: {}, isMfaVerified: false,
  }
}
