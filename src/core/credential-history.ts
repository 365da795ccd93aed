import type { AuthenticationSession } from './session'

/** Changed by a sign-in or a refresh; an app's object patch repeats them when spread from a copy of the session. */
export const CREDENTIALS = ['accessToken', 'refreshToken', 'idToken', 'tokenType', 'scopes', 'expiresAt', 'refreshTokenExpiresAt'] as const

// Enough for hours of refreshes; older values are long spent anyway.
const KEPT_PER_FIELD = 50

/**
 * The credential values this tab has held for the current session. A patch
 * spread from an older copy of the session (`{ ...session, x }`) carries
 * tokens that have since been rotated; recognising them by value means such
 * a patch never puts a spent refresh token back, while a genuinely new token
 * an app sets lands.
 */
export function createCredentialHistory() {
  let sessionId: string | null = null
  const seen = new Map<string, string[]>()
  return {
    note(session: AuthenticationSession | null) {
      if (!session) return
      if (session.sessionId !== sessionId) {
        sessionId = session.sessionId
        seen.clear()
      }
      for (const key of CREDENTIALS) {
        const values = seen.get(key) ?? []
        const value = JSON.stringify(session[key])
        if (!values.includes(value)) values.push(value)
        seen.set(key, values.slice(-KEPT_PER_FIELD))
      }
    },
    /** `patch` without the credentials it only repeats from an earlier copy of `stored`'s session. */
    withoutOldCredentials<T extends Partial<AuthenticationSession>>(patch: T, stored: AuthenticationSession): T {
      if (stored.sessionId !== sessionId) return patch
      const changes: Record<string, unknown> = { ...patch }
      for (const key of CREDENTIALS) {
        const value = JSON.stringify(changes[key])
        if (key in changes && value !== JSON.stringify(stored[key]) && seen.get(key)?.includes(value)) delete changes[key]
      }
      return changes as T
    },
  }
}
