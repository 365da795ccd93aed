/**
 * Moments when a tab may have missed things: it came back to the foreground,
 * was restored from the back/forward cache, resumed after being frozen, or
 * came back online. Timers and messages may not have run meanwhile, so on each
 * of these the tab re-reads the truth.
 */
export type WakeReason = 'focus' | 'visible' | 'pageshow' | 'resume' | 'online'

export interface WakeSource {
  subscribe(listener: (reason: WakeReason) => void): () => void
}

/** Window and document events; a no-op outside a browser. Listeners are attached on subscribe, never at import. */
export function createWindowWakeSource(): WakeSource {
  return {
    subscribe(listener) {
      if (typeof window === 'undefined' || typeof document === 'undefined') return () => {}
      // A page turning visible (not hidden) reports 'visible'; every other event its own name.
      const handlers = (['focus', 'pageshow', 'online', 'visibilitychange', 'resume'] as const).map((type) => {
        const target = type === 'visibilitychange' || type === 'resume' ? document : window
        const handler = () => {
          if (type !== 'visibilitychange') listener(type)
          else if (document.visibilityState === 'visible') listener('visible')
        }
        target.addEventListener(type, handler)
        return () => target.removeEventListener(type, handler)
      })
      return () => handlers.forEach((remove) => remove())
    },
  }
}
