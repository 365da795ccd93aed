import type { Clock } from './clock'
import { RefreshError, SessionParseError } from './errors'
import { parseSession } from './parse-session'
import type { AuthenticationSession } from './session'
import type { SessionSource, SourceResult } from './source'
import type { StoredRecord } from './stored-record'

/**
 * Calls the source and waits for it to settle, even past the timeout: the
 * lock stays held while a request may still rotate the refresh token, or
 * another tab would send the old one. At the timeout the signal aborts (a
 * source should honour it); a source that ignores it gets twice as long.
 */
export async function callSource(source: SessionSource, record: StoredRecord, timeoutMs: number, clock: Clock): Promise<SourceResult> {
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
    return await Promise.race([source.refresh(record.session!, { signal: controller.signal, clockSkewMs: record.clockSkewMs }), giveUp])
  } catch (error) {
    throw controller.signal.aborted && !(error instanceof RefreshError)
      ? new RefreshError('refresh-timeout', `The refresh took longer than ${timeoutMs} ms`, { cause: error })
      : error
  } finally {
    clock.clearTimeout(soft)
    clock.clearTimeout(hard)
  }
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

// Fields that describe one token: taken from an answer together or not at all
// (an old access token must never be paired with a new expiry).
const TOKEN_GROUPS: ReadonlyArray<ReadonlyArray<keyof AuthenticationSession>> = [
  ['accessToken', 'expiresAt', 'tokenType', 'scopes'],
  ['refreshToken', 'refreshTokenExpiresAt'],
]

/**
 * The session a refresh answer gives, validated. Once the provider has
 * answered, its tokens are the only valid ones (the old refresh token may be
 * spent), so an answer with an invalid field is not thrown away: each valid
 * token group or other field of it replaces the old one, anything invalid
 * keeps the old value, and `invalid` says what was wrong.
 */
export function usableSession(previous: AuthenticationSession, answer: unknown): { session: AuthenticationSession; invalid?: SessionParseError } {
  try {
    return { session: parseSession(answer) }
  } catch (error) {
    if (!(error instanceof SessionParseError)) throw error
    const fields = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : {}
    const grouped = new Set(TOKEN_GROUPS.flat() as string[])
    const parts = [...TOKEN_GROUPS, ...Object.keys(fields).filter((key) => !grouped.has(key)).map((key) => [key])]
    let session = previous
    for (const keys of parts) {
      const taken = Object.fromEntries(keys.map((key) => [key, fields[key as string]]))
      try {
        session = parseSession({ ...session, ...taken })
      } catch {
        // this part keeps its old value
      }
    }
    return { session, invalid: error }
  }
}
