/**
 * Moments when a tab may have missed things: it came back to the foreground,
 * was restored from the back/forward cache, resumed after being frozen, or
 * came back online. Timers and messages may not have run meanwhile, so on each
 * of these the tab re-reads the truth.
 */
export type WakeReason = 'focus' | 'visible' | 'pageshow' | 'resume' | 'online'

export interface WakeSource {
  subscribe(listener: (reason: WakeReason) => void): () => void
  /**
   * Moments a tab may be closed, frozen or discarded without running again:
   * hidden, page hide, freeze. The tab writes what it has held back (the last
   * activity of a burst) while it still can. Optional: without it, that
   * activity waits for its timer, which a closed tab never runs.
   */
  subscribeHidden?(listener: () => void): () => void
  /**
   * The page was frozen (true) or resumed (false). A frozen page may still get
   * tab messages but not its IndexedDB answers: a read started then keeps its
   * transaction open, and every other tab's write waits behind it, until the
   * page resumes. Optional: without it, messages are acted on at once.
   */
  subscribeFrozen?(listener: (frozen: boolean) => void): () => void
}

type Events = Array<[target: 'window' | 'document', type: string, handler: () => void]>

/** Attaches each handler; returns what detaches them all. A no-op outside a browser. */
function listen(events: () => Events): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
  const attached = events().map(([target, type, handler]) => [target === 'window' ? window : document, type, handler] as const)
  attached.forEach(([target, type, handler]) => target.addEventListener(type, handler))
  return () => attached.forEach(([target, type, handler]) => target.removeEventListener(type, handler))
}

/** Window and document events. Listeners are attached on subscribe, never at import. */
export function createWindowWakeSource(): WakeSource {
  return {
    subscribe: (listener) =>
      listen(() => [
        ['window', 'focus', () => listener('focus')],
        ['window', 'pageshow', () => listener('pageshow')],
        ['window', 'online', () => listener('online')],
        ['document', 'visibilitychange', () => void (document.visibilityState === 'visible' && listener('visible'))],
        ['document', 'resume', () => listener('resume')],
      ]),
    // A closing tab fires visibilitychange (hidden) and then pagehide; a discarded background tab, freeze.
    subscribeHidden: (listener) =>
      listen(() => [
        ['window', 'pagehide', () => listener()],
        ['document', 'visibilitychange', () => void (document.visibilityState === 'hidden' && listener())],
        ['document', 'freeze', () => listener()],
      ]),
    subscribeFrozen: (listener) =>
      listen(() => [
        ['document', 'freeze', () => listener(true)],
        ['document', 'resume', () => listener(false)],
      ]),
  }
}
