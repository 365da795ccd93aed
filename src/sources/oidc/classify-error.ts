import { AuthSessionError, RefreshError } from '../../core/errors'

// Answers that asking again cannot change (RFC 6749 5.2, OIDC Core 3.1.2.6):
// the grant is gone or this client may not use it; signing in again is the
// only way on. Others (temporarily_unavailable, server_error, slow_down, and
// codes we do not know) are retried with backoff.
const DEFINITIVE = new Set([
  'invalid_grant', 'invalid_request', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'access_denied', 'login_required', 'interaction_required', 'consent_required', 'account_selection_required',
])
// oidc-client-ts's checks of a refreshed ID token against the session's: another user, or a forged answer.
const ID_TOKEN_MISMATCH = /in id_token|ID Token is missing/

/**
 * Turns what oidc-client-ts throws into a RefreshError. It throws
 * ErrorResponse (with `.error`) for an OAuth error body, ErrorTimeout for a
 * timeout, fetch's TypeError when the network fails, and a plain Error
 * ("... (503)" or "Invalid response Content-Type") for a 5xx.
 */
export function classifyOidcError(rawCause: unknown, credentials: Credentials | string = []): RefreshError {
  const cause = sanitize(rawCause, credentialList(credentials))
  const error = cause as { name?: string; error?: unknown; message?: string } | null
  const providerError = typeof error?.error === 'string' ? error.error : undefined
  if (providerError) {
    return DEFINITIVE.has(providerError)
      ? new RefreshError('refresh-rejected', `The provider refused the refresh (${providerError})`, { cause, providerError })
      : new RefreshError('refresh-server', `The provider answered ${providerError}`, { cause, providerError })
  }
  if (error?.message && ID_TOKEN_MISMATCH.test(error.message)) {
    return new RefreshError('refresh-rejected', `The refreshed ID token does not belong to this session: ${error.message}`, { cause, providerError: 'id_token_mismatch' })
  }
  if (error?.name === 'ErrorTimeout') return new RefreshError('refresh-timeout', 'The provider did not answer in time', { cause })
  if (error?.name === 'TypeError') return new RefreshError('refresh-network', 'The provider could not be reached', { cause })
  return new RefreshError('refresh-server', `The provider's answer could not be used: ${error?.message ?? String(cause)}`, { cause })
}

/** Credentials a request to the provider carried (tokens, a code), to be kept out of what its failure reports. */
export type Credentials = ReadonlyArray<string | null | undefined>

/**
 * One credential given as a string (`classifyOidcError(error, refreshToken)`) would
 * be spread into characters, each too short to cut, so the echoed token stayed in
 * the message; none given as null is none. Anything else cannot be searched.
 */
function credentialList(credentials: unknown): Credentials {
  if (typeof credentials === 'string') return [credentials]
  if (credentials === null || credentials === undefined) return []
  if (Array.isArray(credentials)) return credentials
  throw new AuthSessionError('invalid-argument', 'classifyOidcError(error, credentials): expected the request\'s credentials as an array of strings')
}

// Request fields that hold a credential. Some providers echo the one they
// were sent in their error answer (Spring Security OAuth: "Invalid refresh
// token: <token>", "Invalid authorization code: <code>").
const SECRET_FIELDS = ['refresh_token', 'code', 'code_verifier', 'client_secret', 'client_assertion', 'token']
// Shorter values are no credential, and replacing them would garble the provider's words.
const MIN_SECRET_LENGTH = 4

const redact = (text: string, secrets: readonly string[]) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text)

/**
 * oidc-client-ts's ErrorResponse keeps the request body in `.form`, and for a
 * refresh that body holds the refresh token (for a code exchange, the code
 * and PKCE verifier). Only the provider's answer is kept, with every
 * credential the request carried (the form's, and `credentials`) cut out of
 * its text, so no logger that prints the message or `cause` can leak one.
 */
function sanitize(cause: unknown, credentials: Credentials): unknown {
  const error = cause as { name?: unknown; error?: unknown; error_description?: unknown; message?: unknown; form?: { get?: unknown } } | null
  const form = error && typeof error === 'object' ? error.form : undefined
  const sent = typeof form?.get === 'function' ? SECRET_FIELDS.map((name) => (form.get as (name: string) => string | null)(name)) : []
  const secrets = [...credentials, ...sent]
    .filter((secret): secret is string => typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
  if (typeof cause === 'string') return redact(cause, secrets)
  if (!error || typeof error !== 'object') return cause
  const said = (text: unknown) => typeof text === 'string' && secrets.some((secret) => text.includes(secret))
  if (!('form' in error) && !said(error.message) && !said(error.error_description)) return cause
  const clean = new Error(typeof error.message === 'string' ? redact(error.message, secrets) : undefined)
  clean.name = typeof error.name === 'string' ? error.name : 'ErrorResponse'
  const description = typeof error.error_description === 'string' ? redact(error.error_description, secrets) : error.error_description
  return Object.assign(clean, 'error' in error ? { error: error.error, error_description: description } : {})
}

/** The authorization code a callback URL carries (in its query, or its fragment for response_mode=fragment). */
export function callbackCode(url: string): string | null {
  try {
    const parsed = new URL(url, 'http://callback.invalid')
    return parsed.searchParams.get('code') ?? new URLSearchParams(parsed.hash.slice(1)).get('code')
  } catch {
    return null
  }
}

/** What the provider said (its `error` and `error_description`), or else the error's own message. */
function detailOf(cause: unknown): string {
  const error = cause as { error?: unknown; error_description?: unknown; message?: unknown } | null
  if (typeof error?.error === 'string') {
    return typeof error.error_description === 'string' && error.error_description ? `${error.error} (${error.error_description})` : error.error
  }
  return typeof error?.message === 'string' ? error.message : String(cause)
}

/** A sign-in that could not start (discovery failed) or complete (access_denied, a stale state, a network error), as a typed error. */
export function signInError(rawCause: unknown, stage: 'started' | 'completed' = 'completed', credentials: Credentials = [], returnTo?: string): AuthSessionError {
  const cause = sanitize(rawCause, credentials)
  return new AuthSessionError('sign-in-failed', `The sign-in could not be ${stage}: ${detailOf(cause)}`, { cause, providerError: providerErrorOf(cause), returnTo })
}

/** The provider could not be told of a logout that already ended the session here. */
export function signOutError(rawCause: unknown, credentials: Credentials = []): AuthSessionError {
  const cause = sanitize(rawCause, credentials)
  return new AuthSessionError('sign-out-failed', `Signed out here, but the provider could not be told: ${detailOf(cause)}`, { cause, providerError: providerErrorOf(cause) })
}

/** The OAuth `error` code the provider answered (oidc-client-ts's ErrorResponse keeps it as `error`). */
function providerErrorOf(cause: unknown): string | undefined {
  const code = (cause as { error?: unknown } | null)?.error
  return typeof code === 'string' && code ? code : undefined
}
