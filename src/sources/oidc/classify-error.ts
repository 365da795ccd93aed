import { AuthSessionError, RefreshError } from '../../core/errors'

// Answers that mean the grant is gone: signing in again is the only way on.
const DEFINITIVE = new Set(['invalid_grant', 'login_required', 'interaction_required', 'consent_required', 'unauthorized_client', 'invalid_client'])

/**
 * Turns what oidc-client-ts throws into a RefreshError. It throws
 * ErrorResponse (with `.error`) for an OAuth error body, ErrorTimeout for a
 * timeout, fetch's TypeError when the network fails, and a plain Error
 * ("... (503)" or "Invalid response Content-Type") for a 5xx.
 */
export function classifyOidcError(rawCause: unknown): RefreshError {
  const cause = sanitize(rawCause)
  const error = cause as { name?: string; error?: unknown; message?: string } | null
  const providerError = typeof error?.error === 'string' ? error.error : undefined
  if (providerError) {
    return DEFINITIVE.has(providerError)
      ? new RefreshError('refresh-rejected', `The provider refused the refresh (${providerError})`, { cause, providerError })
      : new RefreshError('refresh-server', `The provider answered ${providerError}`, { cause, providerError })
  }
  if (error?.name === 'ErrorTimeout') return new RefreshError('refresh-timeout', 'The provider did not answer in time', { cause })
  if (error?.name === 'TypeError') return new RefreshError('refresh-network', 'The provider could not be reached', { cause })
  return new RefreshError('refresh-server', `The provider's answer could not be used: ${error?.message ?? String(cause)}`, { cause })
}

/**
 * oidc-client-ts's ErrorResponse keeps the request body in `.form`, and for a
 * refresh that body holds the refresh token. Only the provider's answer is
 * kept, so no logger that prints `cause` can leak a token.
 */
function sanitize(cause: unknown): unknown {
  const error = cause as { name?: string; error?: unknown; error_description?: unknown; message?: string } | null
  if (!error || typeof error !== 'object' || !('form' in error)) return cause
  const clean = new Error(error.message)
  clean.name = error.name ?? 'ErrorResponse'
  return Object.assign(clean, { error: error.error, error_description: error.error_description })
}

/** A failed sign-in callback (access_denied, a stale state, a network error) as a typed error. */
export function signInError(rawCause: unknown): AuthSessionError {
  const cause = sanitize(rawCause)
  const providerError = (cause as { error?: unknown } | null)?.error
  const detail = typeof providerError === 'string' ? providerError : ((cause as Error | null)?.message ?? String(cause))
  return new AuthSessionError('sign-in-failed', `The sign-in could not be completed: ${detail}`, { cause })
}
