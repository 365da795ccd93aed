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

/**
 * The session a refresh answer gives, validated. Once the provider has
 * answered, its tokens are the only valid ones (the old refresh token may be
 * spent), so an answer with an invalid field is not thrown away: each valid
 * field of it replaces the old one, each invalid field keeps the old value,
 * and `invalid` says what was wrong.
 */
export function usableSession(previous: AuthenticationSession, answer: unknown): { session: AuthenticationSession; invalid?: SessionParseError } {
  try {
    return { session: parseSession(answer) }
  } catch (error) {
    if (!(error instanceof SessionParseError)) throw error
    let session = previous
    for (const [key, value] of Object.entries(typeof answer === 'object' && answer !== null ? answer : {})) {
      try {
        session = parseSession({ ...session, [key]: value })
      } catch {
        // this field keeps its old value
      }
    }
    return { session, invalid: error }
  }
}
