import type { AuthenticationSession } from './session'

/**
 * Credentials come in groups: a token and what describes it. A patch's group
 * is judged by its token; the rest of the group follows that verdict.
 */
const GROUPS = [
  { token: 'accessToken', with: ['expiresAt', 'tokenType', 'scopes', 'idToken'] },
  { token: 'refreshToken', with: ['refreshTokenExpiresAt'] },
] as const

// Hashes, not tokens: a long-lived tab refreshing every few minutes keeps
// them all for weeks in a few hundred KB, and a spent token is exactly the one
// that must still be recognised.
const KEPT_PER_TOKEN = 20_000

/** 53-bit string hash (cyrb53): collisions between tokens are negligible at this count. */
function hash(text: string): number {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}

/**
 * The tokens this tab has held for the current session. A patch spread from
 * an older copy of the session (`{ ...session, x }`) carries tokens that have
 * been rotated since: recognising them means such a patch never puts a spent
 * refresh token back, while a new token an app sets (with its expiry, type
 * and scopes) lands.
 */
export function createCredentialHistory() {
  let sessionId: string | null = null
  const seen = new Map<string, Set<number>>()
  return {
    note(session: AuthenticationSession | null) {
      if (!session) return
      if (session.sessionId !== sessionId) {
        sessionId = session.sessionId
        seen.clear()
      }
      for (const { token } of GROUPS) {
        const value = session[token]
        if (typeof value !== 'string') continue
        const hashes = seen.get(token) ?? new Set<number>()
        hashes.add(hash(value))
        if (hashes.size > KEPT_PER_TOKEN) hashes.delete(hashes.values().next().value!)
        seen.set(token, hashes)
      }
    },
    /** `patch` without the credential groups whose token it repeats from an older copy of `stored`'s session. */
    withoutOldCredentials<T extends Partial<AuthenticationSession>>(patch: T, stored: AuthenticationSession): T {
      if (stored.sessionId !== sessionId) return patch
      const changes: Record<string, unknown> = { ...patch }
      for (const group of GROUPS) {
        const value = changes[group.token]
        const old = typeof value === 'string' && value !== stored[group.token] && seen.get(group.token)?.has(hash(value))
        if (!old) continue
        delete changes[group.token]
        for (const key of group.with) delete changes[key]
      }
      return changes as T
    },
  }
}
