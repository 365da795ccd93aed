import type { StoreApi } from 'zustand/vanilla'
import type { ActivityNote } from './activity-note'
import { EARLIEST_ISO_MS, LATEST_ISO_MS, type Clock } from './clock'
import { AuthSessionError } from './errors'
import { describe } from './json-data'
import type { ShownActivity } from './shown-activity'
import type { ActivityMessage } from './tab-message'
import { live, type StoredRecord } from './stored-record'
import type { ActivityEvent, SessionState, SessionStoreInternals } from './store-types'
import type { WakeSource } from './wake'

export interface ActivityDeps {
  state: StoreApi<SessionState>
  clock: Clock
  commit: SessionStoreInternals['commit']
  activityWriteIntervalMs: number
  /** The activity shown (perhaps not written yet), kept shown over records of the same session with an earlier time. */
  shown: ShownActivity
  /** The record this tab holds. */
  held(): StoredRecord | null
  /** Looks for a device clock set back (clock-set-back.ts). */
  noticeClock(): void
  /** Tells when the tab is hidden or leaves: a write held back is made then. */
  wake: WakeSource
  /** Where a page being unloaded notes the activity it could not store, for the next page of this tab (activity-note.ts). */
  activityNote: ActivityNote
  /** Posts to the other tabs (a hint: false when there is no channel). */
  post(message: ActivityMessage): boolean
  tabId: string
  /** This tab shows a sign-in it could not store: the stored generation it holds names the session that sign-in replaced. */
  holdsUnstoredSignIn(): boolean
}

/**
 * recordActivity: shown at once (at most once a second), written at most once
 * per interval. The last activity of a burst is written when its interval
 * ends: without that, the other tabs' idle time would stay up to an interval
 * ahead of this tab's until the user is active again, and an idle timeout in
 * a background tab would sign the user out early. It is also written when the
 * tab is hidden or leaves first: a closed tab never runs its timer.
 */
export type ActivityWrites = ReturnType<typeof createActivityWrites>

export function createActivityWrites(deps: ActivityDeps) {
  const { state, clock, commit, activityWriteIntervalMs: interval } = deps
  let lastWrite = -Infinity
  /** Activity shown but not written (throttled): its session and time. */
  let unwrittenSession: string | null = null
  let unwrittenAt = 0
  /** The last write begun and not yet answered: a page unloaded meanwhile loses it (its read never answers). */
  let unanswered: { sessionId: string; at: number } | null = null
  let timer: unknown = null
  /** Listens for the tab hiding or leaving only while a write is held back or unanswered: nothing is attached for an idle tab. */
  let unhide: (() => void) | null = null
  let stopped = false
  /**
   * Shorter intervals asked by started idle trackers (capInterval): activity
   * held back longer than an idle timeout's active stretch would let another
   * tab prompt, and time out, while the user is busy here.
   */
  const caps: number[] = []
  const every = () => Math.min(interval, ...caps)

  const listenIfBusy = () => {
    const busy = unwrittenSession !== null || unanswered !== null
    if (busy && !unhide) {
      // Held before subscribing: a wake source may tell a hidden tab at once, from inside subscribeHidden
      // (its listener writes, and comes back here); a subscription let go meanwhile is undone once made.
      let off: (() => void) | undefined
      let on = true
      unhide = () => void ((on = false), off?.())
      off = deps.wake.subscribeHidden?.(hidden)
      if (!on) off?.()
    }
    if (!busy && unhide) {
      unhide()
      unhide = null
    }
  }

  /** `writtenAt`: when the interval starts (an unwritten activity's starts when it is written, so writes stay an interval apart). */
  const write = (sessionId: string, at: number, writtenAt = at) => {
    lastWrite = writtenAt
    unwrittenSession = null
    const lastActivityAt = new Date(at).toISOString()
    const sent = (unanswered = { sessionId, at })
    listenIfBusy()
    const answered = () => {
      if (unanswered === sent) unanswered = null
      listenIfBusy()
    }
    void commit((current) => {
      if (!live(current) || current.session.sessionId !== sessionId) return null
      if (Date.parse(current.session.lastActivityAt) >= at) return null
      return { ...current, session: { ...current.session, lastActivityAt }, reason: 'activity' }
    }, 'activity').then(answered, answered)
  }

  const writeUnwritten = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    const { session, status } = state.getState()
    // Signed out or signed in anew meanwhile: that activity belongs to no session shown now.
    if (unwrittenSession !== null && status === 'authenticated' && session?.sessionId === unwrittenSession) {
      write(unwrittenSession, unwrittenAt, Math.max(unwrittenAt, clock.now()))
    }
    unwrittenSession = null
    listenIfBusy()
  }

  /**
   * The tab is hidden, or its page unloaded. Unloaded (a close, a reload, or a
   * navigation that does not keep the page), the write begun now is lost, as
   * may be one already begun. So the activity is first noted for the next page
   * of this tab, and handed to the other tabs, which write it if it is still
   * not stored: a closed tab has no next page.
   */
  function hidden(unloading?: boolean) {
    const pending = unwrittenSession !== null ? { sessionId: unwrittenSession, at: unwrittenAt } : unanswered
    const { session, status } = state.getState()
    if (unloading === true && pending && status === 'authenticated' && session?.sessionId === pending.sessionId) {
      deps.activityNote.put(pending)
      const held = deps.held()
      // Not over a sign-in not stored: the generation would name the other login's record, not this activity's.
      if (live(held) && held.session.sessionId === pending.sessionId && !deps.holdsUnstoredSignIn()) {
        const { generation, epoch, loginGeneration } = held
        const login = loginGeneration === undefined ? {} : { loginGeneration }
        deps.post({ v: 1, type: 'activity', generation, ...(epoch ? { epoch } : {}), tabId: deps.tabId, ...login, at: new Date(pending.at).toISOString() })
      }
    }
    writeUnwritten()
  }

  /** The activity the previous page of this tab noted, taken as this page starts to read the stored record. */
  let noted: { sessionId: string; at: number } | null = null
  /**
   * Once this page has read the stored record (its first status past
   * 'loading'): the noted activity is written, if the session it names is the
   * one held and storage is behind it. It was shown from that first read
   * (takeNote): an idle tracker must not time out on the stored activity alone.
   */
  const untilRead = state.subscribe(({ status }) => {
    if (status === 'loading') return
    untilRead()
    // After the adoption that showed it has finished (its listeners and events), not inside it. A promise
    // job, not queueMicrotask, which some test runners' fake timers hold back.
    void Promise.resolve().then(() => {
      const note = noted
      noted = null
      const { session, status: now } = state.getState()
      const held = deps.held()
      if (stopped || !note || now !== 'authenticated' || session?.sessionId !== note.sessionId || !live(held) || held.session.sessionId !== note.sessionId) return
      if (note.at > Date.parse(held.session.lastActivityAt)) write(note.sessionId, note.at)
    })
  })

  const api = {
    recordActivity(atOrEvent?: number | ActivityEvent) {
      // Handed an event (the function used as a listener, DOM or React): that is activity now. Its
      // timeStamp counts from the page's start, not from 1970, so it is not the time.
      const given: unknown = typeof atOrEvent === 'object' && atOrEvent !== null && typeof atOrEvent.type === 'string' ? undefined : atOrEvent
      const now = clock.now()
      // Years 0000 to 9999, what an ISO-8601 record holds; checked without allocating (called on every user event).
      if (given !== undefined && !(typeof given === 'number' && Number.isFinite(given) && given >= EARLIEST_ISO_MS && given <= LATEST_ISO_MS)) {
        throw new AuthSessionError('invalid-argument', `recordActivity(at): expected a time in ms since 1970 (or an event), got ${typeof given === 'number' ? given : describe(given)}`)
      }
      // Never later than now: lastActivityAt only moves forward, so a time in the future
      // (another device's clock, a bad conversion) would hold every tab's idle time at 0 until then.
      const at = given === undefined || (given as number) > now ? now : (given as number)
      const { session, status } = state.getState()
      if (status !== 'authenticated' || !session) return
      const shownAt = Date.parse(session.lastActivityAt)
      // Within a second of what is shown, nothing changes: no state update, no re-render. Before it,
      // the device clock may have been set back: looked for only then, off the path of every event.
      if (at < shownAt + 1000) return void (at < shownAt && deps.noticeClock())
      const lastActivityAt = new Date(at).toISOString()
      state.setState({ session: { ...session, lastActivityAt } })
      deps.shown.note(session.sessionId, lastActivityAt)
      if (at - lastWrite >= every()) return write(session.sessionId, at)
      unwrittenSession = session.sessionId
      unwrittenAt = at
      // Never longer than an interval (a time passed out of order, a clock set back).
      if (timer !== null) return
      timer = clock.setTimeout(writeUnwritten, Math.min(every(), Math.max(0, lastWrite + every() - at)))
      listenIfBusy()
    },
    /**
     * The store starts reading its record: the previous page's noted activity (never later than now) is
     * shown over a record of its session from the first read, as this tab's own activity held back is.
     */
    takeNote() {
      const note = deps.activityNote.take()
      if (!note) return
      noted = { sessionId: note.sessionId, at: Math.min(note.at, clock.now()) }
      deps.shown.note(note.sessionId, new Date(noted.at).toISOString())
    },
    /** Writes at least every `ms` while the cap is held (an idle tracker's); returns its release. */
    capInterval(ms: number) {
      caps.push(ms)
      // A write already held back for the longer interval is due by the shorter one.
      if (timer !== null) {
        clock.clearTimeout(timer)
        timer = clock.setTimeout(writeUnwritten, Math.max(0, lastWrite + every() - clock.now()))
      }
      let held = true
      return () => void (held && ((held = false), caps.splice(caps.indexOf(ms), 1)))
    },
    /**
     * Activity another tab handed over as its page went away (`hidden`), for the session this tab holds:
     * shown and written as this tab's own, never later than now. Its time came from another page, not from
     * this app's code, so one outside what a record holds is dropped rather than thrown.
     */
    takeHandOff(at: number) {
      // Shown over a sign-in this tab could not store, the activity (of the login it replaced) is not this session's.
      if (deps.holdsUnstoredSignIn()) return
      if (at >= EARLIEST_ISO_MS && at <= LATEST_ISO_MS) api.recordActivity(Math.min(at, clock.now()))
    },
    /**
     * The device's clock was set back by `by` ms: the activity this tab shows and has yet to write moves back
     * with it, as the record's does (clock-set-back.ts). Else it would lie in the future: idle time would read 0,
     * and new activity be ignored, until the clock caught up.
     */
    setBack(by: number) {
      lastWrite -= by
      unwrittenAt -= by
      if (unanswered) unanswered.at -= by
      deps.shown.setBack(by)
      // Shown: the record's time (moved back once for all tabs, stored a moment later), or this tab's unwritten later one.
      const { session, status } = state.getState()
      const held = deps.held()
      if (status !== 'authenticated' || !session || !live(held) || held.session.sessionId !== session.sessionId) return
      const { lastActivityAt } = deps.shown.apply(held.session, status)!
      if (lastActivityAt !== session.lastActivityAt) state.setState({ session: { ...session, lastActivityAt } })
    },
    /** Writes held-back activity now, not when its interval ends: an idle prompt's "stay signed in", which every tab must read before its own timeout. */
    flush: writeUnwritten,
    /** The store is destroyed: nothing more is written. */
    stop() {
      stopped = true
      untilRead()
      if (timer !== null) clock.clearTimeout(timer)
      timer = null
      unwrittenSession = null
      unanswered = null
      listenIfBusy()
    },
  }
  return api
}
