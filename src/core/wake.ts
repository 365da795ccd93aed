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

/** Window and document events; a no-op outside a browser. Listeners are attached on subscribe, never at import. */
export function createWindowWakeSource(): WakeSource {
  return {
    subscribe(listener) {
      if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
      const onFocus = () => listener('focus')
      const onVisibility = () => {
        if (document.visibilityState === 'visible') listener('visible')
      }
      const onPageShow = () => listener('pageshow')
      const onResume = () => listener('resume')
      const onOnline = () => listener('online')
      window.addEventListener('focus', onFocus)
      window.addEventListener('pageshow', onPageShow)
      window.addEventListener('online', onOnline)
      document.addEventListener('visibilitychange', onVisibility)
      document.addEventListener('resume', onResume)
      return () => {
        window.removeEventListener('focus', onFocus)
        window.removeEventListener('pageshow', onPageShow)
        window.removeEventListener('online', onOnline)
        document.removeEventListener('visibilitychange', onVisibility)
        document.removeEventListener('resume', onResume)
      }
    },
    subscribeHidden(listener) {
      if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
      // A closing tab fires visibilitychange (hidden) and then pagehide; a discarded background tab, freeze.
      const onVisibility = () => void (document.visibilityState === 'hidden' && listener())
      window.addEventListener('pagehide', listener)
      document.addEventListener('visibilitychange', onVisibility)
      document.addEventListener('freeze', listener)
      return () => {
        window.removeEventListener('pagehide', listener)
        document.removeEventListener('visibilitychange', onVisibility)
        document.removeEventListener('freeze', listener)
      }
    },
    subscribeFrozen(listener) {
      if (typeof document === 'undefined') return () => {}
      const onFreeze = () => listener(true)
      const onResume = () => listener(false)
      document.addEventListener('freeze', onFreeze)
      document.addEventListener('resume', onResume)
      return () => {
        document.removeEventListener('freeze', onFreeze)
        document.removeEventListener('resume', onResume)
      }
    },
  }
}
