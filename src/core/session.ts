/**
 * The AuthenticationSession record: every stored property of the schema, with
 * its name, type and optionality. Datetimes are ISO-8601 strings. The three
 * calculated properties (isExpired, durationMinutes, idleMinutes) are never
 * stored: see derived.ts.
 */

export const SESSION_STATUSES = ['active', 'expired', 'revoked', 'terminated'] as const
export type SessionRecordStatus = (typeof SESSION_STATUSES)[number]

export const REVOKE_REASONS = [
  'user-logout',
  'admin-revoke',
  'security-incident',
  'password-change',
  'idle-timeout',
  'token-expired',
] as const
export type RevokeReason = (typeof REVOKE_REASONS)[number]

export const DEVICE_TRUST_LEVELS = ['trusted', 'recognized', 'unknown', 'suspicious'] as const
export type DeviceTrustLevel = (typeof DEVICE_TRUST_LEVELS)[number]

/** ISO-8601 date-time, e.g. `2024-11-22T08:15:00Z`. */
export type IsoDateTime = string

/** Open objects: known keys are typed, unknown keys (`@type`, `appName`, ...) are kept. */
interface OpenObject {
  [key: string]: unknown
}

export interface SessionUser extends OpenObject {
  '@type'?: string
  id?: string
  username?: string
  email?: string
  name?: string
}

export interface DeviceInfo extends OpenObject {
  userAgent?: string
  deviceType?: string
  osName?: string
  osVersion?: string
  browserName?: string
  browserVersion?: string
}

export interface SessionLocation extends OpenObject {
  country?: string
  region?: string
  city?: string
}

export interface AuthenticationMethod extends OpenObject {
  '@type'?: string
  name?: string
}

export interface IdentityProvider extends OpenObject {
  '@type'?: string
  name?: string
  protocol?: string
}

export type SessionMetadata = OpenObject

export interface AuthenticationSession {
  user: SessionUser
  sessionId: string
  status: SessionRecordStatus
  accessToken: string
  refreshToken?: string
  idToken?: string
  tokenType?: string
  scopes?: string[]
  initiatedAt: IsoDateTime
  expiresAt: IsoDateTime
  lastActivityAt: IsoDateTime
  refreshTokenExpiresAt?: IsoDateTime
  deviceInfo: DeviceInfo
  ipAddress?: string
  location?: SessionLocation
  authenticationMethod?: AuthenticationMethod
  identityProvider?: IdentityProvider
  isMfaVerified: boolean
  mfaVerifiedAt?: IsoDateTime
  deviceTrustLevel?: DeviceTrustLevel
  revokedAt?: IsoDateTime
  revokeReason?: RevokeReason
  metadata?: SessionMetadata
  /** Kept from the source document (the schema's examples carry it). */
  '@type'?: string
}

/** The three calculated properties of the schema, derived from a clock. */
export interface DerivedSessionFields {
  isExpired: boolean
  durationMinutes: number
  idleMinutes: number
}

/** The status a record takes when it is ended for a reason. */
export function recordStatusFor(reason: RevokeReason): SessionRecordStatus {
  switch (reason) {
    case 'token-expired':
      return 'expired'
    case 'idle-timeout':
      return 'terminated'
    default:
      return 'revoked'
  }
}
