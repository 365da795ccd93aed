import type { SessionStore } from 'authsession'

let completing: Promise<void> | null = null

/**
 * Finishes the sign-in on /callback, once per page load: StrictMode runs
 * effects twice, and an authorization code can be exchanged only once.
 */
export function completeLoginOnce(store: SessionStore): Promise<void> {
  completing ??= store.completeLogin(window.location.href).then(() => {
    // Drop ?code=&state= from the address bar (and from history).
    window.history.replaceState(null, '', '/')
  })
  return completing
}
