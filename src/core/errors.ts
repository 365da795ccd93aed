/**
 * Every error authsession raises or reports carries a stable `code`: callers
 * branch on the code, never on the message (which may be reworded).
 */
export type AuthSessionErrorCode =
  | SessionParseErrorCode
  | StorageErrorCode
  | 'tab-message-rejected'
  | 'not-authenticated'
  | 'missing-provider'

export class AuthSessionError extends Error {
  readonly code: AuthSessionErrorCode

  constructor(code: AuthSessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AuthSessionError'
    this.code = code
  }
}

export type SessionParseErrorCode =
  | 'not-an-object'
  | 'missing-field'
  | 'wrong-type'
  | 'not-in-union'
  | 'invalid-datetime'

/** A value that does not match the AuthenticationSession schema. `path` names the field, e.g. `deviceInfo.userAgent` or `scopes[2]`. */
export class SessionParseError extends AuthSessionError {
  declare readonly code: SessionParseErrorCode
  readonly path: string

  constructor(code: SessionParseErrorCode, path: string, detail: string) {
    super(code, `Invalid session at ${path || '(root)'}: ${detail}`)
    this.name = 'SessionParseError'
    this.path = path
  }
}

export type StorageErrorCode =
  | 'storage-unavailable'
  | 'storage-quota'
  | 'storage-write-failed'
  | 'storage-corrupt'
  | 'storage-future-version'

export class StorageError extends AuthSessionError {
  declare readonly code: StorageErrorCode

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'StorageError'
  }
}

/** Quota errors have different names across engines (Firefox: NS_ERROR_DOM_QUOTA_REACHED). */
export function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED'
}
