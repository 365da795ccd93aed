import type { SessionStore } from '../core/store'
import { useSessionStore } from './use-session'

/**
 * A function that resolves to an access token valid now: call it right
 * before each API request. It waits for a refresh already in flight (in this
 * tab or, through the lock, another) instead of starting a second one.
 * Rejects with `not-authenticated` (no session), `refresh-deferred` (a
 * refresh is backing off) or the failed refresh's own `RefreshError`.
 */
export function useAccessToken(): SessionStore['getAccessToken'] {
  return useSessionStore().getAccessToken
}
