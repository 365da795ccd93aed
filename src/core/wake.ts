/**
 * Moments when a tab may have missed things: it came back to the foreground,
 * was restored from the back/forward cache, resumed after being frozen, or
 * came back online. Timers and messages may not have run meanwhile, so on each
 * of these the tab re-reads the truth.
 */
export type WakeReason = 'focus' | 'visible' | 'pageshow' | 'resume' | 'online'

/** The moments a tab re-reads storage, and those it may be closed or frozen (the `wake` option). */
export interface WakeSource {
  /** Calls `listener` on each wake-up; returns the unsubscribe. */
  subscribe(listener: (reason: WakeReason) => void): () => void
  /**
   * Moments a tab may be closed or left without running again: hidden (also
   * on the way to being closed, navigated away from or frozen), or unloaded.
   * The tab writes what it has held back (the last activity of a burst) while
   * it still runs. Optional: without it, that activity waits for its timer,
   * which a closed tab never runs. `unloading`: the page is going away (a
   * pagehide that does not keep it: reload, navigation, close), so a write
   * begun now may never be answered; the tab also notes the activity in
   * sessionStorage, for its next page to write (activity-note.ts), and hands
   * it to the other tabs on the tab channel, for a closed tab has no next page.
   */
  subscribeHidden?(listener: (unloading?: boolean) => void): () => void
  /**
   * The page was frozen (true) or resumed (false). A frozen page may still get
   * tab messages but not its IndexedDB answers: a read started then keeps its
   * transaction open, and every other tab's write waits behind it, until the
   * page resumes. So a frozen tab reads nothing; its resume must also be a
   * wake-up (`subscribe`'s 'resume'), when it reads what it missed. Optional:
   * without it, messages are acted on at once.
   */
  subscribeFrozen?(listener: (frozen: boolean) => void): () => void
}

type Events = Array<[target: 'window' | 'document', type: string, handler: (event: Event) => void]>

/** Attaches each handler; returns what detaches them all. A no-op outside a browser. */
function listen(events: Events): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const attached = events.map(([target, type, handler]) => [target === 'window' ? window : document, type, handler] as const)
  attached.forEach(([target, type, handler]) => target.addEventListener(type, handler))
  return () => attached.forEach(([target, type, handler]) => target.removeEventListener(type, handler))
}

/** Window and document events. Listeners are attached on subscribe, never at import. */
export function createWindowWakeSource(): WakeSource {
  return {
    subscribe: (listener) =>
      listen([
        ['window', 'focus', () => listener('focus')],
        // A restore only: every page load also ends with a pageshow (persisted: false), after its load event,
        // which waits for images, so long after the app started; the page missed nothing, and left for nowhere.
        ['window', 'pageshow', (event) => void ((event as PageTransitionEvent).persisted && listener('pageshow'))],
        ['window', 'online', () => listener('online')],
        ['document', 'visibilitychange', () => void (document.visibilityState === 'visible' && listener('visible'))],
        ['document', 'resume', () => listener('resume')],
      ]),
    // A closing tab fires visibilitychange (hidden), then pagehide (the one some browsers fire alone on
    // navigation). Not on freeze, nor a pagehide into the back/forward cache: a frozen page gets no
    // IndexedDB answers, so a write begun then would hold every other tab's writes until it resumed
    // (see subscribeFrozen); such a page was hidden, and wrote, before.
    subscribeHidden: (listener) =>
      listen([
        ['window', 'pagehide', (event) => void ((event as PageTransitionEvent).persisted || listener(true))],
        ['document', 'visibilitychange', () => void (document.visibilityState === 'hidden' && listener(false))],
      ]),
    subscribeFrozen: (listener) =>
      listen([
        ['document', 'freeze', () => listener(true)],
        ['document', 'resume', () => listener(false)],
      ]),
  }
}
