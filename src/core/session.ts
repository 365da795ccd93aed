// The AuthenticationSession record: every stored property of the schema, with
// its name, type and optionality. The three calculated properties
// (isExpired, durationMinutes, idleMinutes) are never stored: see derived.ts.
// Optional properties also take `undefined` (an app under
// exactOptionalPropertyTypes passes what its server answered, which may be
// nothing): parseSession leaves such a property out, and a patch's
// `undefined` removes the stored one.

/** The record's `status` values (the schema's): only `active` is signed in. */
export const SESSION_STATUSES = ['active', 'expired', 'revoked', 'terminated'] as const
/** The record's own status (not the tab's `SessionStatus`): only `active` is signed in. */
export type SessionRecordStatus = (typeof SESSION_STATUSES)[number]

/** Why a session was ended (`revokeReason`), as `end(reason)` takes them. */
export const REVOKE_REASONS = [
  'user-logout',
  'admin-revoke',
  'security-incident',
  'password-change',
  'idle-timeout',
  'token-expired',
] as const
/** Why a session was ended: `end(reason)`, `logout({ reason })`, a definitive refresh failure's `revokeReason`. */
export type RevokeReason = (typeof REVOKE_REASONS)[number]

/** The schema's `deviceTrustLevel` values. */
export const DEVICE_TRUST_LEVELS = ['trusted', 'recognized', 'unknown', 'suspicious'] as const
/** How far the device is trusted (the schema's values). */
export type DeviceTrustLevel = (typeof DEVICE_TRUST_LEVELS)[number]

/** ISO-8601 date-time, e.g. `2024-11-22T08:15:00Z`. */
export type IsoDateTime = string

/** Open objects: known keys are typed, unknown keys (`@type`, `appName`, ...) are kept. */
interface OpenObject {
  [key: string]: unknown
}

/** Who is signed in: the known keys are strings; extra keys (claims of your own) are kept. */
export interface SessionUser extends OpenObject {
  '@type'?: string | undefined
  id?: string | undefined
  username?: string | undefined
  email?: string | undefined
  name?: string | undefined
}

/** The device the session was signed in on (the OIDC source: the user agent and client hints); extra keys are kept. */
export interface DeviceInfo extends OpenObject {
  userAgent?: string | undefined
  deviceType?: string | undefined
  osName?: string | undefined
  osVersion?: string | undefined
  browserName?: string | undefined
  browserVersion?: string | undefined
}

/** Where the session was signed in from, derived from the IP address; extra keys are kept. */
export interface SessionLocation extends OpenObject {
  country?: string | undefined
  region?: string | undefined
  city?: string | undefined
}

/** How the user authenticated (the OIDC source: `acr`, or the `amr` values joined, in `name`); extra keys are kept. */
export interface AuthenticationMethod extends OpenObject {
  '@type'?: string | undefined
  name?: string | undefined
}

/** The provider that authenticated the user (the OIDC source: the ID token's `idp`, else `providerName`); extra keys are kept. */
export interface IdentityProvider extends OpenObject {
  '@type'?: string | undefined
  name?: string | undefined
  protocol?: string | undefined
}

/** The app's and the source's own data (JSON data only; the OIDC source keeps `claims` and `tokenResponse` here). */
export type SessionMetadata = OpenObject

/**
 * The signed-in session, one record shared by every tab (the schema's
 * AuthenticationSession). Datetimes are ISO-8601 strings with an offset;
 * `initiatedAt`, `expiresAt`, `refreshTokenExpiresAt`, `mfaVerifiedAt` and
 * `revokedAt` are on the server's clock, `lastActivityAt` on the device's.
 * Validate untrusted input with `parseSession`.
 */
export interface AuthenticationSession {
  /** Who is signed in (the OIDC source: `sub`, `preferred_username`, `email`, `name`); extra keys are kept. */
  user: SessionUser
  /** The provider's session id (the OIDC source: the ID token's `sid`, else one of its own); a patch naming another one is refused. */
  sessionId: string
  /** `active` while signed in; an ended record is `revoked`, `expired` (`token-expired`) or `terminated` (`idle-timeout`). */
  status: SessionRecordStatus
  /** The bearer token for API calls; `''` once ended, or for a source without one (a cookie session). Read it with `getAccessToken()`, which refreshes first when due. */
  accessToken: string
  refreshToken?: string | undefined
  /** The OpenID Connect ID token (a JWT). */
  idToken?: string | undefined
  /** Usually `Bearer`. */
  tokenType?: string | undefined
  /** The scopes the provider granted. */
  scopes?: string[] | undefined
  /** When the user authenticated (server's clock); a refresh keeps it. */
  initiatedAt: IsoDateTime
  /** When the access token expires (server's clock): the refresh falls due before it. */
  expiresAt: IsoDateTime
  /** The last user activity (device's clock), from `recordActivity()`: the idle timeout's start. */
  lastActivityAt: IsoDateTime
  /** When the refresh token expires (server's clock): past it, the session ends instead of refreshing. */
  refreshTokenExpiresAt?: IsoDateTime | undefined
  deviceInfo: DeviceInfo
  ipAddress?: string | undefined
  location?: SessionLocation | undefined
  authenticationMethod?: AuthenticationMethod | undefined
  identityProvider?: IdentityProvider | undefined
  isMfaVerified: boolean
  /** When MFA was completed (server's clock). */
  mfaVerifiedAt?: IsoDateTime | undefined
  deviceTrustLevel?: DeviceTrustLevel | undefined
  /** When the session was ended (server's clock); set with `revokeReason` by `end()` and `logout()`. */
  revokedAt?: IsoDateTime | undefined
  revokeReason?: RevokeReason | undefined
  metadata?: SessionMetadata | undefined
  /** Kept from the source document (the schema's examples carry it). */
  '@type'?: string | undefined
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
