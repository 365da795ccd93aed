import { checkOptions } from '../../core/argument-checks'
import { AuthSessionError, RefreshError } from '../../core/errors'
import type { AuthenticationSession } from '../../core/session'
import type { SessionSource, SourceResult } from '../../core/source'
import { leavePage } from '../leave-page'
import { keepReturnTo, takeReturnTo } from '../return-to'
import { refreshFailure, requestSession, signInFailure, signOutFailure, type RequestDeps, type SessionAnswer } from '../session-request'
import { toHttpSession } from './http-session'
import { loginRedirectRefused, loginRedirectSignInFailure, logoutRedirectedElsewhere, refreshRedirectedElsewhere, sentToSignIn } from './login-redirect'

/** `createHttpSource`'s options: your server's session endpoints. */
export interface HttpSourceOptions {
  /** `GET`: the session as JSON (`HttpSessionBody`, or your shape with `toSession`), or 401 / 403 (or a redirect to sign in) when there is none. Asked at the callback; never followed through a redirect. */
  sessionUrl: string
  /** `POST`: extends the session and answers it as `sessionUrl` does. Default: a `GET` of `sessionUrl` (a server with sliding expiry extends it there). */
  refreshUrl?: string | undefined
  /** `POST`: ends the server's session (2xx, a redirect, or 401 when there was none left). Without it, `logout()` rejects with `sign-out-failed`: the cookie would still work. */
  logoutUrl?: string | undefined
  /** Where sign-in starts (your SAML or login route); it ends on your callback route with the cookie set. A function gets `login()`'s `returnTo` and `extraParams`. */
  loginUrl: string | ((returnTo: string | undefined, extraParams: Record<string, string> | undefined) => string)
  /** Maps the endpoint's JSON onto the record (`previous`: the session a refresh renews); null for "no session". Default `toHttpSession`. */
  toSession?: ((body: unknown, previous: AuthenticationSession | undefined) => AuthenticationSession | null) | undefined
  /** Default: the global `fetch`. Wrap it to add a header your server wants (a CSRF token). */
  fetch?: typeof fetch | undefined
  /** The requests' `credentials`. Default `include`: the cookie goes to an API on another origin too. */
  credentials?: RequestCredentials | undefined
  /** The source's `name` (for your logs). Default `http`. */
  name?: string | undefined
  /** How to leave the page for `loginUrl`. Default `location.assign`, settling once the page is back or stayed (5 s). */
  navigate?: ((url: string) => unknown) | undefined
  /** Timeout of each request, in seconds. Default 10; 0 for none (a refresh still stops at the store's `timeoutMs`). */
  requestTimeoutSeconds?: number | undefined
}

const OPTIONS = {
  sessionUrl: 'string', refreshUrl: 'string', logoutUrl: 'string', toSession: 'function', fetch: 'function',
  credentials: 'string', name: 'string', navigate: 'function', requestTimeoutSeconds: 'seconds',
} as const

/**
 * A session your own server keeps in a cookie (SAML, a BFF, your own login),
 * behind a JSON session endpoint: sign-in by redirect to `loginUrl`, the
 * session read at the callback, refreshed once per expiry for the browser,
 * ended at `logoutUrl`. 401, 403 and a redirect (to a login page or the
 * identity provider: requests hold redirects, `redirect: 'manual'`) end the
 * session in every tab; network errors, timeouts, 5xx and answers that are
 * not a session are retried.
 */
export function createHttpSource(options: HttpSourceOptions): SessionSource {
  checkOptions('createHttpSource(options)', options ?? null, OPTIONS, true)
  const { sessionUrl, loginUrl } = options
  if (typeof sessionUrl !== 'string' || !sessionUrl) throw new AuthSessionError('invalid-argument', 'createHttpSource(options).sessionUrl: expected the URL of your session endpoint')
  if ((typeof loginUrl !== 'string' || !loginUrl) && typeof loginUrl !== 'function') {
    throw new AuthSessionError('invalid-argument', 'createHttpSource(options).loginUrl: expected a URL, or a function (returnTo, extraParams) => URL')
  }
  const name = options.name ?? 'http'
  const returnToKey = `authsession.returnTo.${name}`
  const toSession = options.toSession ?? toHttpSession
  const credentials = options.credentials ?? 'include'
  const deps: RequestDeps = {
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    timeoutMs: (options.requestTimeoutSeconds ?? 10) * 1000,
  }
  const navigate = options.navigate ?? leavePage
  // Held, not followed: a followed redirect to the login page reads as a 200 of HTML, and one to the
  // identity provider's origin as a network error, both transient; held, it says "no session here".
  const ask = (url: string, method: 'GET' | 'POST', signal?: AbortSignal) => requestSession(url, { method, credentials, cache: 'no-store', redirect: 'manual' }, deps, signal)
  // The refresh and logout endpoints are not asked at sign-in, so one that redirects for another reason (Django's
  // and nginx's 301 to a trailing slash) would go unseen: a redirect from them is "signed out" only if the session
  // endpoint no longer answers a session. Unknown (it could not be asked, or answered no session we can read): as before.
  const sessionLives = async (signal?: AbortSignal) => {
    try {
      const answer = await ask(sessionUrl, 'GET', signal)
      return answer.ok && answer.body !== undefined && toSession(answer.body, undefined) !== null
    } catch {
      return false
    }
  }

  return {
    name,

    async startSignIn({ returnTo, extraParams } = {}) {
      keepReturnTo(returnToKey, returnTo)
      await navigate(typeof loginUrl === 'function' ? loginUrl(returnTo, extraParams) : withParams(loginUrl, extraParams))
    },

    async completeSignIn(): Promise<SourceResult> {
      const returnTo = takeReturnTo(returnToKey)
      let answer: SessionAnswer
      let session: AuthenticationSession | null
      try {
        answer = await ask(sessionUrl, 'GET')
        session = answer.ok && answer.body !== undefined ? toSession(answer.body, undefined) : null
      } catch (cause) {
        throw signInFailure(cause instanceof Error ? cause : new Error(String(cause)), returnTo)
      }
      if (!session) throw sentToSignIn(answer) ? loginRedirectSignInFailure(answer, returnTo) : signInFailure(answer, returnTo)
      return { session, clockSkewMs: answer.clockSkewMs, returnTo }
    },

    async refresh(previous, { signal }): Promise<SourceResult> {
      const answer = await ask(options.refreshUrl ?? sessionUrl, options.refreshUrl ? 'POST' : 'GET', signal)
      if (sentToSignIn(answer)) throw options.refreshUrl && (await sessionLives(signal)) ? refreshRedirectedElsewhere(answer) : loginRedirectRefused(answer)
      if (!answer.ok || answer.body === undefined) throw refreshFailure(answer)
      // A mapping error (a field missing) is an invalid answer: the session is kept and the refresh retried.
      const session = toSession(answer.body, previous)
      if (!session) throw new RefreshError('refresh-rejected', 'The server answered that it holds no session', { providerError: 'no_session' })
      return { session, clockSkewMs: answer.clockSkewMs }
    },

    async signOut() {
      if (!options.logoutUrl) throw signOutFailure('createHttpSource has no logoutUrl, so the cookie still works')
      const answer = await ask(options.logoutUrl, 'POST').catch((cause: unknown) => {
        throw signOutFailure((cause as Error).message, cause)
      })
      // 401 or sent to sign in: no session left to end (another tab's logout got there first, or it expired): done.
      // (A logout that redirects when it succeeds, Spring's to `/login?logout`, is done too.)
      const redirected = sentToSignIn(answer)
      if (!answer.ok && answer.status !== 401 && !redirected) throw signOutFailure(`the logout endpoint answered ${answer.status}`, { status: answer.status, body: answer.body })
      if (redirected && (await sessionLives())) throw logoutRedirectedElsewhere(answer)
    },
  }
}

/** `url` with `params` added to its query (a relative URL stays relative). */
export function withParams(url: string, params: Record<string, string> | undefined): string {
  const entries = Object.entries(params ?? {})
  if (!entries.length) return url
  const [base, hash = ''] = url.split('#', 2) as [string, string?]
  const query = new URLSearchParams(entries).toString()
  return `${base}${base.includes('?') ? '&' : '?'}${query}${hash ? `#${hash}` : ''}`
}
