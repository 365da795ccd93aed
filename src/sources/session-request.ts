import { MAX_TIMER_DELAY, plausibleSkew } from '../core/clock'
import { AuthSessionError, RefreshError } from '../core/errors'

/** A server's answer to a session request, read once: its JSON body (undefined when it had none, or none readable). */
export interface SessionAnswer {
  status: number
  ok: boolean
  body: unknown
  /** The body was there but not JSON (a gateway's HTML page, a truncated answer). */
  unreadable: boolean
  /** Server clock minus ours from the `Date` header; undefined without one (a cross-origin answer that does not expose it). */
  clockSkewMs: number | undefined
  /**
   * The endpoint redirected: a redirect not followed (`redirect: 'manual'`: status 0 in browsers, the
   * 3xx itself elsewhere; no body), or one fetch followed to this answer. Reported, not judged here.
   */
  redirected: boolean
}

export interface RequestDeps {
  fetch: typeof fetch
  /** ms; 0 or Infinity for none. */
  timeoutMs: number
}

// The Date header has a resolution of one second, and the request's own time
// blurs it further: below this the two clocks count as one.
const SKEW_NOISE_MS = 2000

/**
 * Server clock minus ours, from a `Date` header. The server wrote it between
 * sending and receipt, somewhere within its second: the middle of both is the
 * best guess.
 */
export function skewFromDate(date: string | null, sentAt: number, receivedAt: number): number | undefined {
  const stated = date ? Date.parse(date) : Number.NaN
  if (!Number.isFinite(stated)) return undefined
  const skew = plausibleSkew(stated + 500 - (sentAt + receivedAt) / 2)
  return skew === undefined ? undefined : Math.abs(skew) < SKEW_NOISE_MS ? 0 : Math.round(skew)
}

// What fetch hands back for a redirect it did not follow: browsers hide it as
// an `opaqueredirect` (status 0); fetches outside one (Node's) give the 3xx.
const REDIRECT_STATUSES = [301, 302, 303, 307, 308]
const unfollowedRedirect = (response: Response) => response.type === 'opaqueredirect' || REDIRECT_STATUSES.includes(response.status)

/**
 * Sends one request with the browser's cookies, aborted at `timeoutMs` or by
 * `signal`. Throws a transient RefreshError when no answer came: `refresh-timeout`
 * (aborted) or `refresh-network` (offline, DNS, CORS); any answer, 4xx and 5xx
 * and a redirect `init.redirect: 'manual'` held too, is returned for the caller to judge.
 */
export async function requestSession(url: string, init: RequestInit, deps: RequestDeps, signal?: AbortSignal): Promise<SessionAnswer> {
  const controller = new AbortController()
  const abort = () => controller.abort()
  if (signal?.aborted) abort()
  signal?.addEventListener('abort', abort)
  const timer = deps.timeoutMs > 0 && deps.timeoutMs < Infinity ? setTimeout(abort, Math.min(deps.timeoutMs, MAX_TIMER_DELAY)) : undefined
  const sentAt = Date.now()
  try {
    const response = await deps.fetch(url, { ...init, headers: { Accept: 'application/json', ...init.headers }, signal: controller.signal })
    const skew = () => skewFromDate(response.headers.get('Date'), sentAt, Date.now())
    // Only a caller that asked fetch to hold redirects gets one back as such (a followed source, Kratos's, reads it as before).
    if (init.redirect === 'manual' && unfollowedRedirect(response)) {
      await response.body?.cancel().catch(() => {}) // the login page's markup, if fetch let us see it: nothing to read
      return { status: response.status, ok: false, body: undefined, unreadable: false, clockSkewMs: skew(), redirected: true }
    }
    const text = await response.text()
    let body: unknown
    let unreadable = false
    if (text.trim()) {
      try {
        body = JSON.parse(text)
      } catch {
        unreadable = true // not kept: the text is the server's, and says nothing the status does not
      }
    }
    return { status: response.status, ok: response.ok, body, unreadable, clockSkewMs: skew(), redirected: response.redirected === true }
  } catch (cause) {
    if (controller.signal.aborted) throw new RefreshError('refresh-timeout', `The session endpoint did not answer in time (${new URL(url, 'http://x').pathname})`, { cause })
    throw new RefreshError('refresh-network', `The session endpoint could not be reached (${new URL(url, 'http://x').pathname})`, { cause })
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', abort)
  }
}

/**
 * The error code a server put in its JSON error answer: Kratos's `error.id`
 * (`session_inactive`, `session_aal2_required`), or a plain `error` string.
 */
export function serverErrorId(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null | undefined)?.error
  if (typeof error === 'string' && error) return error
  const id = (error as { id?: unknown } | null | undefined)?.id
  return typeof id === 'string' && id ? id : undefined
}

/** What a failed answer carries as an error's `cause`: its status and JSON body (the server's error, never a credential we sent). */
const causeOf = (answer: SessionAnswer) => ({ status: answer.status, body: answer.body })

/**
 * How a refresh answer that brought no session is judged. 401 and 403 (or
 * the `definitive` statuses a source names) say the server holds no session
 * for this cookie: asking again cannot help. Anything
 * else (5xx, 404, 429, a 200 that is not JSON) is retried while the session
 * lasts: an outage or a gateway's page must never sign the user out.
 */
export function refreshFailure(answer: SessionAnswer, definitive: readonly number[] = [401, 403]): RefreshError {
  const providerError = serverErrorId(answer.body)
  if (definitive.includes(answer.status)) {
    return new RefreshError('refresh-rejected', `The server holds no session (${answer.status}${providerError ? ` ${providerError}` : ''})`, { cause: causeOf(answer), providerError: providerError ?? `http_${answer.status}` })
  }
  if (answer.ok) return new RefreshError('refresh-server', `The session endpoint answered ${answer.status} without a JSON session`, { cause: causeOf(answer), providerError: 'invalid_response' })
  return new RefreshError('refresh-server', `The session endpoint answered ${answer.status}`, { cause: causeOf(answer), providerError })
}

/** A sign-in that found no usable session, as the typed error `completeLogin()` rejects with (keeping `returnTo`). */
export function signInFailure(answer: SessionAnswer | Error, returnTo: string | undefined): AuthSessionError {
  if (answer instanceof Error) {
    return new AuthSessionError('sign-in-failed', `The sign-in could not be completed: ${answer.message}`, { cause: answer, providerError: (answer as { providerError?: string }).providerError, returnTo })
  }
  const providerError = serverErrorId(answer.body) ?? (answer.ok ? 'invalid_response' : `http_${answer.status}`)
  const what = answer.ok ? `the session endpoint answered ${answer.status} without a session` : `the session endpoint answered ${answer.status}`
  return new AuthSessionError('sign-in-failed', `The sign-in could not be completed: ${what} (${providerError})`, { cause: causeOf(answer), providerError, returnTo })
}

/** A sign-out the server did not confirm. */
export function signOutFailure(what: string, cause?: unknown): AuthSessionError {
  return new AuthSessionError('sign-out-failed', `Signed out here, but the server could not be told: ${what}`, { cause })
}
