// How long a visible tab lets its logout announcement reach the other tabs before writing the tombstone.
export const DELIVERY_GRACE_MS = 16

/**
 * Resolves after a short grace, so the other tabs handle an announced logout
 * (and show it) before this tab's IndexedDB write competes with them for
 * the machine: on a 2-core laptop with 8 tabs, writing at once made every
 * other tab show the logout about a third later. Only a visible tab waits,
 * the one the user is looking at: a hidden tab's timers are throttled to
 * once a second, and a page being hidden, frozen or left writes at once.
 * A real timer, not the store's clock: this is the browser's scheduling,
 * not the session's timeline. The logout journal (logout-journal.ts) covers
 * a page torn down during the grace.
 */
export function deliveryGrace(): Promise<void> {
  const doc = typeof document === 'undefined' ? undefined : document
  if (!doc || doc.visibilityState !== 'visible') return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      doc.removeEventListener('visibilitychange', done)
      doc.removeEventListener('freeze', done)
      globalThis.removeEventListener?.('pagehide', done)
      resolve()
    }
    const timer = setTimeout(done, DELIVERY_GRACE_MS)
    doc.addEventListener('visibilitychange', done)
    doc.addEventListener('freeze', done)
    globalThis.addEventListener?.('pagehide', done)
  })
}
