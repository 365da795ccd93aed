import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionEvent, type SessionStore } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, trackTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { makeSession, uniqueDbName } from '../support/sessions'
import { tearable } from '../support/torn-pages'

/**
 * A reloaded page starts its held-back activity write as it unloads, and the
 * write (a read, then a put) never gets its read's answer: the page is gone.
 * It notes the activity in sessionStorage instead, and the next page of the
 * tab writes it once it has read the stored record. Here a page's "unload" is
 * a pagehide dispatched on jsdom's window while its writes hang (tearable).
 */
afterEach(() => {
  destroyTabs()
  sessionStorage.clear()
  vi.restoreAllMocks()
})

const pagehide = (persisted = false) => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted }))
type Stored = { session: { lastActivityAt: string; sessionId: string } | null; ended?: boolean }

function tab() {
  const shared = new Map<string, unknown>()
  const clock = new FakeClock()
  const dbName = uniqueDbName()
  const locks = createMemoryLocks()
  /** A page of this tab: its own store over the tab's storage, its writes torn once it unloads. */
  const page = async () => {
    const { persistence, page: torn } = tearable(createMemoryPersistence(shared))
    const store = trackTab(createSessionStore({ dbName, persistence, locks, clock, logoutJournal: null, channel: null, activityWriteIntervalMs: MINUTE }))
    // Heard from the start: the noted activity is written as the record is first read, before whenHydrated() resolves.
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    store.start()
    await store.whenHydrated()
    const activityWrites = () => events.filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length
    /** Unloads the page: its writes from here on never land; `how` runs first (the events of its way out). */
    const unload = (how: () => void = () => pagehide()) => {
      torn.torn = true
      how()
      store.destroy()
    }
    return { store, unload, activityWrites }
  }
  const stored = () => (shared.get('session') as Stored | undefined)?.session
  const noteKeys = () => Object.keys(sessionStorage).filter((key) => key.includes(dbName))
  return { clock, dbName, page, stored, noteKeys }
}

/** Signed in, one activity written, a later one held back (within the interval). */
async function heldBack(t: ReturnType<typeof tab>) {
  const first = await t.page()
  await first.store.signIn(makeSession({}, t.clock.now()))
  await t.clock.advance(5000)
  first.store.recordActivity() // written at once
  await settle()
  await t.clock.advance(20_000)
  first.store.recordActivity() // held back
  const shown = first.store.getState().session!.lastActivityAt
  expect(t.stored()!.lastActivityAt).not.toBe(shown)
  return { first, shown }
}

const shownIn = (store: SessionStore) => store.getState().session?.lastActivityAt

describe('activity held back when the page unloads (reload)', () => {
  it('is noted (a session id and a time, no token), and the next page of the tab writes it once it has read the record', async () => {
    const t = tab()
    const { first, shown } = await heldBack(t)
    first.unload()
    await settle()
    expect(t.stored()!.lastActivityAt).not.toBe(shown) // the unloading page's write never landed
    const [key] = t.noteKeys()
    const raw = sessionStorage.getItem(key!)!
    expect(JSON.parse(raw)).toEqual({ sessionId: t.stored()!.sessionId, at: Date.parse(shown) })
    expect(raw).not.toMatch(/secret/)

    await t.clock.advance(300) // the reload
    const next = await t.page()
    await settle()
    expect(t.stored()!.lastActivityAt).toBe(shown)
    expect(shownIn(next.store)).toBe(shown)
    expect(next.activityWrites()).toBe(1)
    expect(t.noteKeys()).toEqual([]) // taken
  })

  it('a write begun as the page hid (visibilitychange first) and never answered is noted too', async () => {
    const t = tab()
    const { first, shown } = await heldBack(t)
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden')
    first.unload(() => {
      document.dispatchEvent(new Event('visibilitychange')) // the held-back write begins, and hangs
      pagehide()
    })
    visibility.mockRestore()
    await t.page()
    await settle()
    expect(t.stored()!.lastActivityAt).toBe(shown)
  })

  it('nothing held back or unanswered: no note, and the next page writes nothing', async () => {
    const t = tab()
    const first = await t.page()
    await first.store.signIn(makeSession({}, t.clock.now()))
    await t.clock.advance(5000)
    first.store.recordActivity() // written at once, and answered
    await settle()
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    first.unload()
    expect(setItem).not.toHaveBeenCalled()
    const next = await t.page()
    await settle()
    expect(next.activityWrites()).toBe(0)
  })

  it('a pagehide into the back/forward cache notes nothing (the page may come back and write it itself)', async () => {
    const t = tab()
    const { first } = await heldBack(t)
    first.unload(() => pagehide(true))
    expect(t.noteKeys()).toEqual([])
  })

  it('a note later than now (the clock set back meanwhile) is written as now', async () => {
    const t = tab()
    const { first, shown } = await heldBack(t)
    first.unload()
    t.clock.setBack(10_000)
    const next = await t.page()
    await settle()
    expect(Date.parse(t.stored()!.lastActivityAt)).toBe(t.clock.now())
    expect(Date.parse(shownIn(next.store)!)).toBeLessThan(Date.parse(shown))
  })

  it('a note that no longer applies is dropped: the session ended, or another signed in, meanwhile', async () => {
    for (const meanwhile of ['ended', 'signed in anew'] as const) {
      const t = tab()
      const { first } = await heldBack(t)
      const other = await t.page() // another tab (started before the note: jsdom has one sessionStorage for all)
      first.unload()
      if (meanwhile === 'ended') await other.store.end('user-logout')
      else await other.store.signIn(makeSession({}, t.clock.now()))
      const before = t.stored()
      expect(t.noteKeys()).toHaveLength(1)
      const next = await t.page()
      await settle()
      expect(t.stored()).toEqual(before)
      expect(next.activityWrites()).toBe(0)
      expect(t.noteKeys()).toEqual([])
    }
  })

  it('two stores of one record in a tab (a page and its same-origin frame share sessionStorage): the later activity is kept', async () => {
    const t = tab()
    const page = await t.page()
    const frame = await t.page()
    await page.store.signIn(makeSession({}, t.clock.now()))
    await frame.store.reconcile()
    await t.clock.advance(5000)
    page.store.recordActivity() // written at once
    await settle()
    await t.clock.advance(5000)
    page.store.recordActivity() // held back: the page listens for its unload first
    await t.clock.advance(2000)
    frame.store.recordActivity() // written at once (the frame's first)
    await settle()
    await t.clock.advance(2000)
    frame.store.recordActivity() // held back in the frame, earlier than the page's next
    await t.clock.advance(2000)
    page.store.recordActivity() // the latest activity, held back in the page
    const latest = shownIn(page.store)!
    frame.unload(() => page.unload()) // one pagehide: the page notes first, the frame after it
    const next = await t.page()
    await settle()
    expect(t.stored()!.lastActivityAt).toBe(latest)
  })

  it('a note earlier than what is stored writes nothing', async () => {
    const t = tab()
    const { first } = await heldBack(t)
    const other = await t.page() // another tab (started before the note: jsdom has one sessionStorage for all)
    first.unload()
    await t.clock.advance(2000)
    other.store.recordActivity() // a later activity, stored by another tab
    await settle()
    const before = t.stored()!.lastActivityAt
    expect(t.noteKeys()).toHaveLength(1)
    const next = await t.page()
    await settle()
    expect(t.stored()!.lastActivityAt).toBe(before)
    expect(next.activityWrites()).toBe(0)
  })

  it.each([
    ['not JSON', () => '{"sessionId":'],
    ['null', () => 'null'],
    ['an array', () => '[]'],
    ['a number for the session', () => '{"sessionId":1,"at":0}'],
    ['an empty session id', () => JSON.stringify({ sessionId: '', at: Date.now() })],
    ['a string time', (id: string) => JSON.stringify({ sessionId: id, at: '2026-11-23T12:00:00Z' })],
    ['a time past year 9999', (id: string) => JSON.stringify({ sessionId: id, at: 1e20 })],
    ['far too long', (id: string) => JSON.stringify({ sessionId: id, at: Date.now(), pad: 'x'.repeat(5000) })],
  ])('a corrupt note (%s) is dropped, without an error or a write', async (_, corrupt) => {
    const t = tab()
    const { first } = await heldBack(t)
    first.unload()
    const [key] = t.noteKeys()
    sessionStorage.setItem(key!, corrupt(t.stored()!.sessionId))
    await t.clock.advance(1000)
    const next = await t.page()
    await settle()
    expect(next.store.getState()).toMatchObject({ status: 'authenticated', error: null })
    expect(next.activityWrites()).toBe(0)
    expect(t.noteKeys()).toEqual([])
  })

  it('sessionStorage that throws (blocked, full) neither stops the write nor the next page', async () => {
    const t = tab()
    const { first } = await heldBack(t)
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    })
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    })
    expect(() => first.unload()).not.toThrow()
    const next = await t.page()
    expect(next.store.getState().status).toBe('authenticated')
  })

  it('sessionStorage is not touched before the store reads its record (nor at creation)', async () => {
    const getItem = vi.spyOn(Storage.prototype, 'getItem')
    const store = createSessionStore({ dbName: uniqueDbName(), persistence: createMemoryPersistence(), locks: createMemoryLocks(), logoutJournal: null, channel: null })
    await settle()
    expect(getItem).not.toHaveBeenCalled()
    store.destroy()
  })
})
