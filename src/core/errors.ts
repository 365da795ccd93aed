import type { RevokeReason } from './session'

/**
 * Every error authsession raises or reports carries a stable `code`: callers
 * branch on the code, never on the message (which may be reworded).
 */
export type AuthSessionErrorCode =
  | SessionParseErrorCode
  | StorageErrorCode
  | RefreshErrorCode
  /** No signed-in session (`getAccessToken()`), or it ended while a refresh ran. */
  | 'not-authenticated'
  /** The store has no `source`, or its source cannot do this (`login()` without `startSignIn`, `refresh()` without a source). */
  | 'no-source'
  /** `login()` or `completeLogin()` failed: refused (`providerError`, e.g. `access_denied`), the provider unreachable, a spent callback URL, an invalid or inactive session. */
  | 'sign-in-failed'
  /** login() while this tab's logout() is under way (a route guard reacting to it): the logout stands. */
  | 'logout-in-progress'
  /** The session ended here and in every tab, but the provider could not be told (unreachable, no answer in time, refused). */
  | 'sign-out-failed'
  /** A hook (useSession, useSessionStore, useAccessToken) outside a SessionProvider. */
  | 'missing-provider'
  /** A caller passed a value the API cannot take (a time that is not a time). */
  | 'invalid-argument'

// The ESM and CommonJS builds each hold their own copy of these classes, and
// an app can load both (its own code imports the package, a dependency that
// supplies a source require()s it). The store tells a definitive refusal from
// a transient failure with instanceof, so a copy's errors must pass for the
// other's: each error carries its class's kind under a key both copies share
// (Symbol.for; v0 as the major version whose error shape they share).
const KIND = Symbol.for('authsession.error-kind.v0')
type Kind = 'AuthSessionError' | 'SessionParseError' | 'StorageError' | 'RefreshError'

/** The kind a class stands for; undefined for an app's own subclass, which keeps plain instanceof. */
function kindOf(constructor: unknown): Kind | undefined {
  if (constructor === AuthSessionError) return 'AuthSessionError'
  if (constructor === SessionParseError) return 'SessionParseError'
  if (constructor === StorageError) return 'StorageError'
  if (constructor === RefreshError) return 'RefreshError'
  return undefined
}

/** Names the error after its class, and marks it with that kind (see above). */
function mark(error: Error, kind: Kind): void {
  error.name = kind
  Object.defineProperty(error, KIND, { value: kind, configurable: true })
}

/** The base of every error authsession raises (branch on `code`); also thrown as is for the codes of no subclass. */
export class AuthSessionError extends Error {
  /** Also true for an error of the package's other build (ESM or CommonJS) of the same class. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true
    const kind = kindOf(this)
    const its = typeof value === 'object' && value !== null ? (value as { [KIND]?: unknown })[KIND] : undefined
    return kind !== undefined && typeof its === 'string' && (its === kind || kind === 'AuthSessionError')
  }

  /** Stable: branch on it, never on the message. Narrowed by each subclass (`instanceof RefreshError`). */
  readonly code: AuthSessionErrorCode
  /**
   * The provider's own error code when it sent one: on `sign-in-failed` e.g.
   * `access_denied` (the user cancelled) or `login_required` (`prompt: 'none'`
   * without a provider session), on a `RefreshError` e.g. `invalid_grant`.
   */
  readonly providerError?: string
  /**
   * On a `sign-in-failed` from `completeLogin()`: where the app wanted to go,
   * as given to `login({ returnTo })`, when the failed sign-in's state was
   * found (the provider refused it, the code exchange failed), so the
   * callback page can offer to sign in again to it (`login({ returnTo })`)
   * rather than navigate there, where a route guard would start a sign-in at
   * once. Undefined when the state is unknown (spent, from another browser)
   * or held no `returnTo`. Only a string is kept: it is read back from
   * browser storage.
   */
  readonly returnTo?: string

  constructor(code: AuthSessionErrorCode, message: string, options?: { cause?: unknown; providerError?: string | undefined; returnTo?: string | undefined }) {
    super(message, options)
    mark(this, 'AuthSessionError')
    this.code = code
    if (options?.providerError !== undefined) this.providerError = options.providerError
    if (typeof options?.returnTo === 'string') this.returnTo = options.returnTo
  }
}

/** How a value failed the AuthenticationSession schema; the error's `path` names the field. */
export type SessionParseErrorCode =
  /** The input is not a plain object. */
  | 'not-an-object'
  /** A required field is missing (or undefined). */
  | 'missing-field'
  /** A field of the wrong type: also a class instance, function or cycle where JSON data belongs. */
  | 'wrong-type'
  /** A string outside its union (`status`, `revokeReason`, `deviceTrustLevel`), or a sign-in with a session that is not `active`. */
  | 'not-in-union'
  /** A datetime that is not ISO-8601 with a time and an offset, or not a real calendar date. */
  | 'invalid-datetime'

/** A value that does not match the AuthenticationSession schema. `path` names the field, e.g. `deviceInfo.userAgent` or `scopes[2]`. */
export class SessionParseError extends AuthSessionError {
  declare readonly code: SessionParseErrorCode
  readonly path: string

  constructor(code: SessionParseErrorCode, path: string, detail: string) {
    super(code, `Invalid session at ${path || '(root)'}: ${detail}`)
    mark(this, 'SessionParseError')
    this.path = path
  }
}

/** Why storage failed; the session is kept in memory meanwhile, and the tab stays usable. */
export type StorageErrorCode =
  /** IndexedDB cannot be used (missing, refused, not opening in time): this tab keeps its session in memory. */
  | 'storage-unavailable'
  /** The disk is full: the change is kept in memory and written with the next write that lands. */
  | 'storage-quota'
  /** A write failed: the change is kept in memory and retried. */
  | 'storage-write-failed'
  /** The stored record was unreadable: moved to a quarantine key, the tab starts signed out. */
  | 'storage-corrupt'
  /** A newer app version's record (a deploy while this tab was open): left alone, this tab shows signed out and writes nothing until reloaded. */
  | 'storage-future-version'
  /** A record of an older schema version that `migrate` could not upgrade: left stored, the tab starts signed out. */
  | 'storage-migrate-failed'
  /** Reading the stored record failed while hydrating: the tab starts signed out and reads again on the next wake-up or tab message. */
  | 'storage-read-failed'

/** IndexedDB could not read or write the record, or what it holds cannot be used by this tab. */
export class StorageError extends AuthSessionError {
  declare readonly code: StorageErrorCode

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    mark(this, 'StorageError')
  }
}

/** Quota errors have different names across engines (Firefox: NS_ERROR_DOM_QUOTA_REACHED). */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED'
}

/** Why a refresh failed: `refresh-rejected` and `refresh-token-expired` end the session, the others are retried. */
export type RefreshErrorCode =
  /** The provider could not be reached (offline, DNS, connection reset, CORS). Transient. */
  | 'refresh-network'
  /** The provider did not answer in time. Transient. */
  | 'refresh-timeout'
  /** The provider answered 5xx or something unreadable. Transient. */
  | 'refresh-server'
  /** The provider definitively refused (invalid_grant, login_required, a missing or unusable refresh token). Ends the session. */
  | 'refresh-rejected'
  /** The refresh token's own expiry has passed. Ends the session. */
  | 'refresh-token-expired'
  /**
   * The token has expired and a refresh is waiting out a backoff after
   * transient failures, or newer tokens than the stored ones are not stored
   * yet (another tab could not store its answer, or a request is still
   * outstanding). Transient. Its `cause` is the failure behind the backoff,
   * where this tab met it.
   */
  | 'refresh-deferred'

/**
 * A failed refresh. `definitive` decides what happens: a transient failure is
 * retried with backoff while the session stays signed in; a definitive one
 * ends the session in every tab, with `revokeReason` (default `token-expired`).
 */
export class RefreshError extends AuthSessionError {
  declare readonly code: RefreshErrorCode
  /** True for `refresh-rejected` and `refresh-token-expired`: the session is ended, asking again cannot help. */
  readonly definitive: boolean
  /** Why a definitive failure ends the session (e.g. `admin-revoke` when the server says it revoked it); default `token-expired`. */
  readonly revokeReason?: RevokeReason

  constructor(code: RefreshErrorCode, message: string, options: { cause?: unknown; providerError?: string | undefined; revokeReason?: RevokeReason | undefined } = {}) {
    super(code, message, { cause: options.cause, providerError: options.providerError })
    mark(this, 'RefreshError')
    this.definitive = code === 'refresh-rejected' || code === 'refresh-token-expired'
    this.revokeReason = options.revokeReason
  }
}
