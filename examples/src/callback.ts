import type { SessionStore } from 'authsession'

let completing: Promise<void> | null = null

/**
 * Finishes the sign-in on /callback, once per page load: StrictMode runs
 * effects twice, and an authorization code can be exchanged only once.
 */
export function completeLoginOnce(store: SessionStore): Promise<void> {
  // Either way, drop ?code=&state= from the address bar (and from history): a code is good for one try.
  completing ??= store.completeLogin(window.location.href).finally(() => window.history.replaceState(null, '', '/')).then(() => {})
  return completing
}
