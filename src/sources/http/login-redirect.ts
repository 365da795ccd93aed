import { AuthSessionError, RefreshError } from '../../core/errors'
import { signOutFailure, type SessionAnswer } from '../session-request'

/**
 * Whether the session endpoint sent the request to sign in rather than
 * answer it: Spring Security, ASP.NET cookie auth, Devise, Shibboleth and
 * mod_auth_mellon answer a protected URL without a session with a 302 to
 * their login page or the identity provider. The source asks with
 * `redirect: 'manual'`, so the redirect itself comes back (a browser shows it
 * as status 0, hiding where it pointed). A `fetch` option that follows it
 * anyway lands on the login page: a redirected 2xx that is no JSON reads the
 * same. A redirected 401, 403 or 5xx is judged by its status instead.
 */
export function sentToSignIn(answer: SessionAnswer): boolean {
  return answer.redirected && answer.body === undefined && (answer.status === 0 || (answer.status >= 200 && answer.status < 400))
}

const WHAT = 'the session endpoint redirected (to a login page or the identity provider) instead of answering'
const causeOf = (answer: SessionAnswer) => ({ status: answer.status, redirected: true })

/** A refresh sent to sign in: the server holds no session for this cookie, so the session ends (`login_redirect`). */
export function loginRedirectRefused(answer: SessionAnswer): RefreshError {
  return new RefreshError('refresh-rejected', `The server holds no session: ${WHAT}`, { cause: causeOf(answer), providerError: 'login_redirect' })
}

/** A callback whose session request was sent to sign in: no session was made (`sign-in-failed`, `login_redirect`). */
export function loginRedirectSignInFailure(answer: SessionAnswer, returnTo: string | undefined): AuthSessionError {
  // An endpoint redirecting for another reason (a trailing slash, http to https) fails here on its first use: say so.
  const hint = 'a session endpoint that redirects for another reason (a trailing slash, http to https) must be given at its final URL'
  return new AuthSessionError('sign-in-failed', `The sign-in could not be completed: ${WHAT}, so the server holds no session (login_redirect); ${hint}`, { cause: causeOf(answer), providerError: 'login_redirect', returnTo })
}

// A refresh or logout endpoint is never asked at sign-in: one that redirects for another reason is found here instead.
const ELSEWHERE = 'redirected while the session endpoint still answers the session: it redirects for another reason (a trailing slash, http to https), so give it at its final URL'

/** A refresh sent elsewhere while the session lives: no sign-out (transient, retried), the option to fix named. */
export function refreshRedirectedElsewhere(answer: SessionAnswer): RefreshError {
  return new RefreshError('refresh-server', `The refresh endpoint (refreshUrl) ${ELSEWHERE}`, { cause: causeOf(answer), providerError: 'unexpected_redirect' })
}

/** A logout sent elsewhere while the session lives: the cookie still works, so the sign-out is not done. */
export function logoutRedirectedElsewhere(answer: SessionAnswer): AuthSessionError {
  return signOutFailure(`the logout endpoint (logoutUrl) ${ELSEWHERE}; the cookie still works`, causeOf(answer))
}
