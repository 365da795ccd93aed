import type { Clock } from './clock'
import { RefreshError, SessionParseError } from './errors'
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
  // Not stored, and not a logout either: retried with backoff like a server
  // error, while the session and its tokens stay as they were.
  if (cause instanceof SessionParseError) {
    return new RefreshError('refresh-server', `The source answered the refresh with an invalid session: ${cause.message}`, { cause, providerError: 'invalid_session' })
  }
  return new RefreshError('refresh-network', `The refresh failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
}
