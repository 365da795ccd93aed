import type { Clock } from './clock'
import { RefreshError, SessionParseError } from './errors'
import { parseActiveSession, parseSession } from './parse-session'
import type { AuthenticationSession } from './session'
import type { SessionSource, SourceResult } from './source'
import type { StoredRecord } from './stored-record'

/**
 * Calls the source and waits for it to settle, even past the timeout: the
 * lock stays held while a request may still rotate the refresh token, or
 * another tab would send the old one. At the timeout the signal aborts (a
 * source should honour it); a source that ignores it gets twice as long.
 */
export async function callSource(
  source: SessionSource,
  record: StoredRecord,
  timeoutMs: number,
  clock: Clock,
  /** The call the caller stopped waiting for: its answer may hold the only valid refresh token. */
  onAbandoned?: (call: Promise<SourceResult>) => void,
): Promise<SourceResult> {
  const controller = new AbortController()
  const soft = clock.setTimeout(() => controller.abort(), timeoutMs)
  let hard: unknown
  const giveUp = new Promise<never>((_, reject) => {
    hard = clock.setTimeout(
      () => reject(new RefreshError('refresh-timeout', `The refresh did not settle within ${2 * timeoutMs} ms`)),
      2 * timeoutMs,
    )
  })
  try {
    const call = Promise.resolve(source.refresh(record.session!, { signal: controller.signal, clockSkewMs: record.clockSkewMs, timeoutMs })).then((answer) => sameUser(record.session!, answer))
    giveUp.catch(() => onAbandoned?.(call))
    const result = await Promise.race([call, giveUp])
    // A custom source that forgot its `return`: an invalid answer like any other (transient, with a backoff), not a TypeError.
    if (typeof result !== 'object' || result === null) {
      throw new SessionParseError('wrong-type', '', `expected the refresh to answer { session }, got ${result === null ? 'null' : typeof result}`)
    }
    return result
  } catch (error) {
    throw controller.signal.aborted && !(error instanceof RefreshError)
      ? new RefreshError('refresh-timeout', `The refresh took longer than ${timeoutMs} ms`, { cause: error })
      : error
  } finally {
    clock.clearTimeout(soft)
    clock.clearTimeout(hard)
  }
}

/**
 * A refresh renews the session it was given. An answer for another user (a
 * cookie source whose cookie a sign-in elsewhere replaced, an IdP-initiated
 * SSO that never reached the app's callback) would otherwise be stored as
 * the same login, the user switched by a 'refresh': definitive, like the
 * OIDC source's ID token for another subject. A late answer is dropped too.
 */
function sameUser(previous: AuthenticationSession, answer: SourceResult): SourceResult {
  const after = (answer as { session?: { user?: unknown } } | null | undefined)?.session?.user
  // The first identifier both name decides: an id when both have one (an
  // email may change), else what an answer without the id still carries.
  for (const key of ['id', 'username', 'email'] as const) {
    const before = previous.user?.[key]
    const now = typeof after === 'object' && after !== null ? (after as Record<string, unknown>)[key] : undefined
    if (typeof before !== 'string' || typeof now !== 'string') continue
    if (before !== now) throw new RefreshError('refresh-rejected', "The refresh answered another user's session", { providerError: 'user_mismatch' })
    break
  }
  return answer
}

/** Anything a source throws becomes a RefreshError; unknown failures count as transient (never a logout). */
export function classify(cause: unknown): RefreshError {
  if (cause instanceof RefreshError) return cause
  // Not a logout: the answer's valid fields are stored with a backoff, and
  // the refresh is retried like after a server error.
  if (cause instanceof SessionParseError) {
    return new RefreshError('refresh-server', `The source answered the refresh with an invalid session: ${cause.message}`, { cause, providerError: 'invalid_session' })
  }
  return new RefreshError('refresh-network', `The refresh failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
}

/**
 * The session a refresh answer gives, validated. Once the provider has
 * answered, its tokens are the only valid ones (the old refresh token may be
 * spent), so an answer with an invalid field is not thrown away: what is
 * valid in it is taken, what is not keeps the old value, and `invalid` says
 * what was wrong. An access token is taken only with its own expiry, so a
 * token is never handed out past its real expiry.
 */
export function usableSession(previous: AuthenticationSession, answer: unknown): { session: AuthenticationSession; invalid?: SessionParseError } {
  try {
    return { session: parseActiveSession(answer, 'a refresh answer') }
  } catch (error) {
    if (!(error instanceof SessionParseError)) throw error
    const fields = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
    let session = previous
    /**
     * Takes `keys` from the answer if it carries all of them and the session
     * stays valid with them; `orElse` when it does not. A field the answer
     * does not carry at all keeps its stored value.
     */
    const take = (keys: string[], orElse?: Record<string, unknown>) => {
      const carried = keys.every((key) => key in fields) ? Object.fromEntries(keys.map((key) => [key, fields[key]])) : undefined
      for (const candidate of [carried, orElse]) {
        if (!candidate) continue
        try {
          session = parseSession({ ...session, ...candidate })
          return true
        } catch {
          // try the fallback, or keep the old values
        }
      }
      return false
    }
    // An access token only with its own expiry: the old one may be earlier or later than its real one.
    if (take(['accessToken', 'expiresAt'])) for (const key of ['tokenType', 'scopes']) take([key])
    // A new refresh token whose expiry cannot be read has an unknown one, not the old token's.
    if (take(['refreshToken'])) take(['refreshTokenExpiresAt'], { refreshTokenExpiresAt: undefined })
    // The status stays active: a source ends a session by throwing a definitive RefreshError, which removes the tokens.
    const taken = new Set(['accessToken', 'expiresAt', 'tokenType', 'scopes', 'refreshToken', 'refreshTokenExpiresAt', 'status', 'revokedAt', 'revokeReason'])
    for (const key of Object.keys(fields)) if (!taken.has(key)) take([key])
    return { session, invalid: error }
  }
}
