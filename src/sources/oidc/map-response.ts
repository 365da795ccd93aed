import { checkOptions } from '../../core/argument-checks'
import { EARLIEST_ISO_MS, LATEST_ISO_MS, plausibleSkew } from '../../core/clock'
import type { AuthenticationSession, DeviceInfo } from '../../core/session'
import { readJwtClaims } from './jwt-claims'

/** The parts of an oidc-client-ts SigninResponse the mapping reads; the rest of the token response rides along. */
export interface TokenResponseLike {
  access_token: string
  refresh_token?: string | undefined
  id_token?: string | undefined
  token_type: string
  scope?: string | undefined
  session_state?: string | null | undefined
  /** Local-clock seconds since epoch (oidc-client-ts computes it from expires_in on receipt). */
  expires_at?: number | undefined
  profile: Record<string, unknown>
  [key: string]: unknown
}

// Fields of a token response that are the record's own, or must never be copied into metadata.
const MAPPED = new Set([
  'access_token', 'refresh_token', 'id_token', 'token_type', 'scope', 'expires_at', 'expires_in', 'profile',
  'state', 'userState', 'url_state', 'code', 'error', 'error_description', 'error_uri', 'refresh_expires_in', 'refresh_token_expires_in',
])
// ID-token claims the record already holds elsewhere.
const MAPPED_CLAIMS = new Set(['sub', 'sid', 'auth_time', 'amr', 'acr', 'idp', 'name', 'email', 'preferred_username'])
// Below this, a difference between iat and our clock is network latency and iat's 1 s resolution, not skew.
const SKEW_NOISE_MS = 2000

// Within years 0000-9999: an expiry stated as millennia away, moved by a skew, must still be an ISO-8601 datetime.
const iso = (ms: number) => new Date(Math.min(Math.max(ms, EARLIEST_ISO_MS), LATEST_ISO_MS)).toISOString()
// Seconds since epoch from a claim or field, as ms; undefined unless a date toISOString can write (a malformed token's claim must not throw a RangeError).
const secondsToMs = (value: unknown) => {
  const ms = typeof value === 'number' ? value * 1000 : Number.NaN
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined
}
// An access token without a stated lifetime (expires_in is only RECOMMENDED) is refreshed after this long.
export const DEFAULT_LIFETIME_MS = 5 * 60_000
const str = (value: unknown) => (typeof value === 'string' && value ? value : undefined)

/** `mapTokenResponse`'s answer, as a source's `refresh` or `completeSignIn` returns it. */
export interface MappedResponse {
  /** The record: a refresh's keeps what the answer does not restate from `previous`. */
  session: AuthenticationSession
  /** Server clock minus local clock, ms (from the ID token's `iat`, else `knownSkewMs`, else 0). */
  clockSkewMs: number
}

const CONTEXT = { sentAt: 'number', knownSkewMs: 'number', defaultLifetimeMs: 'ms', deviceInfo: 'function', providerName: 'string', previous: {} } as const

/**
 * Maps a token response (sign-in or refresh) onto the record. `previous` is
 * the session being refreshed: what a refresh does not restate (device, login
 * time, MFA) is kept from it. Every datetime is on the server's clock.
 */
export function mapTokenResponse(
  response: TokenResponseLike,
  context: {
    /** Local ms when the response arrived (oidc-client-ts's `expires_at` counts from then). */
    now: number
    /** Local ms when the request was sent. The provider issued the tokens in between, so their lifetime and the skew count from here: a slow answer never stretches an expiry. Default `now`. */
    sentAt?: number | undefined
    previous?: AuthenticationSession | undefined
    knownSkewMs?: number | undefined
    deviceInfo: () => DeviceInfo
    providerName: string
    /** Lifetime assumed when the response states none and the access token is opaque. Default 5 min. */
    defaultLifetimeMs?: number | undefined
  },
): MappedResponse {
  // From an adapter in JavaScript: a missing response or context, or a time that is not a number ("Invalid time value").
  // A null field is left out, as `??` reads it (now and a sign-in's deviceInfo are checked on their own).
  checkOptions('mapTokenResponse(response)', response ?? null, {})
  checkOptions('mapTokenResponse(response, context)', context ?? null, CONTEXT, true)
  checkOptions('mapTokenResponse(response, context).now', context.now, 'number')
  if (!context.previous) checkOptions('mapTokenResponse(response, context).deviceInfo', context.deviceInfo, 'function')
  const { now, previous } = context
  // The provider issued the tokens between sending and receipt; counting from the send never puts an expiry past the provider's.
  const issuedBy = Math.min(context.sentAt ?? now, now)
  // oidc-client-ts reads a missing access_token as "": at sign-in nothing could be signed in with.
  if (!previous && !str(response.access_token)) throw new Error('The token response has no access_token')
  const idClaims = readJwtClaims(response.id_token) ?? {}
  const claims = { ...idClaims, ...response.profile }
  // Only a newly issued ID token says what the server's clock reads now; a
  // refresh without one hands back the old token, whose iat is the login time.
  const freshIdToken = response.id_token !== undefined && response.id_token !== previous?.idToken
  const iat = freshIdToken ? secondsToMs(idClaims.iat) : undefined
  // An iat centuries away (a malformed token) says nothing of the server's clock either.
  const rawSkew = plausibleSkew(iat === undefined ? undefined : iat - issuedBy) ?? context.knownSkewMs ?? 0
  const clockSkewMs = Math.abs(rawSkew) < SKEW_NOISE_MS ? 0 : rawSkew
  const serverNow = issuedBy + clockSkewMs

  const statedExpiry = secondsToMs(response.expires_at)
  // Without expires_in: the access token's own exp if it is a JWT, else a short default.
  const expiresAt =
    statedExpiry !== undefined
      ? statedExpiry - (now - issuedBy) + clockSkewMs
      : (secondsToMs(readJwtClaims(response.access_token)?.exp) ?? serverNow + (context.defaultLifetimeMs ?? DEFAULT_LIFETIME_MS))
  // Keycloak's name, else Microsoft Entra ID's (its SPA refresh tokens: the rest of a fixed 24 h, a number or a numeric string).
  const refreshExpiresIn = secondsToMs(Number(response.refresh_expires_in ?? response.refresh_token_expires_in))
  const authTime = secondsToMs(claims.auth_time)
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === 'string') : []
  const acr = str(claims.acr)
  const mfa = amr.includes('mfa') || amr.includes('otp') || amr.includes('hwk') || amr.includes('swk') || amr.length > 1
  const sub = str(claims.sub)

  const extras = Object.fromEntries(Object.entries(response).filter(([key, value]) => !MAPPED.has(key) && value != null))
  // The fields of the last answer that carried tokens, not of every answer since the sign-in: one a refresh no
  // longer sends goes; an answer without an access token (a gateway's status body, left unused) changes nothing.
  const { tokenResponse: previousExtras, ...previousMetadata } = previous?.metadata ?? {}
  const tokenResponse = !str(response.access_token) ? previousExtras : Object.keys(extras).length ? extras : undefined
  // A refresh never loads userinfo: claims only the sign-in's userinfo gave (groups, picture) stay; what it restates is updated.
  const previousClaims = previous?.metadata?.claims
  const extraClaims = {
    ...(typeof previousClaims === 'object' && previousClaims !== null && !Array.isArray(previousClaims) ? previousClaims : {}),
    ...Object.fromEntries(Object.entries(claims).filter(([key]) => !MAPPED_CLAIMS.has(key))),
  }

  const session: AuthenticationSession = {
    ...previous,
    user: {
      ...previous?.user,
      '@type': 'User',
      ...(sub ? { id: sub } : {}),
      // A refresh that does not restate preferred_username keeps the one the sign-in gave.
      username: str(claims.preferred_username) ?? previous?.user.username ?? str(claims.email) ?? sub,
      ...(str(claims.email) ? { email: str(claims.email) } : {}),
      ...(str(claims.name) ? { name: str(claims.name) } : {}),
    },
    sessionId: str(claims.sid) ?? previous?.sessionId ?? `oidc_${sub ?? 'anonymous'}_${authTime ?? serverNow}`,
    status: 'active',
    accessToken: response.access_token,
    tokenType: response.token_type,
    // A refresh keeps the login's time: some providers restate auth_time as the refresh's own (Azure AD B2C, Cognito).
    initiatedAt: previous?.initiatedAt ?? iso(authTime ?? serverNow),
    expiresAt: iso(expiresAt),
    lastActivityAt: previous?.lastActivityAt ?? iso(now),
    deviceInfo: previous?.deviceInfo ?? context.deviceInfo(),
    isMfaVerified: previous?.isMfaVerified || mfa,
    metadata: {
      ...previousMetadata,
      protocol: 'oidc',
      ...(tokenResponse !== undefined ? { tokenResponse } : {}),
      ...(Object.keys(extraClaims).length ? { claims: extraClaims } : {}),
    },
  }
  // A refresh answered without one: left out, so the store keeps the old access token (and its expiry), takes
  // the rest, and tries again after a backoff (an invalid answer; see usableSession in core/refresh-call.ts).
  if (!str(response.access_token)) delete (session as Partial<AuthenticationSession>).accessToken
  // A refresh may rotate or drop the refresh token and the ID token; take exactly what the response says where it says it.
  setOrKeep(session, 'refreshToken', response.refresh_token, previous?.refreshToken)
  setOrKeep(session, 'idToken', response.id_token, previous?.idToken)
  setOrKeep(session, 'scopes', response.scope ? response.scope.split(' ').filter(Boolean) : undefined, previous?.scopes)
  setOrKeep(session, 'refreshTokenExpiresAt', refreshExpiresIn !== undefined && refreshExpiresIn > 0 && refreshExpiresIn < 8e15 - serverNow ? iso(serverNow + refreshExpiresIn) : undefined, response.refresh_token ? undefined : previous?.refreshTokenExpiresAt)
  if (mfa && !previous?.isMfaVerified) session.mfaVerifiedAt = iso(authTime ?? serverNow)
  if (amr.length || acr) session.authenticationMethod = { '@type': 'AuthenticationMethod', name: acr ?? amr.join('+'), ...(amr.length ? { amr } : {}), ...(acr ? { acr } : {}) }
  const idp = str(claims.idp)
  // A refresh that does not restate `idp` (userinfo said it at sign-in) keeps the provider the sign-in found.
  if (idp || !previous?.identityProvider) {
    session.identityProvider = { '@type': 'IdentityProvider', name: idp ?? context.providerName, protocol: 'oidc', ...(idp ? { idp } : {}) }
  }
  return { session, clockSkewMs }
}

function setOrKeep<K extends keyof AuthenticationSession>(
  session: AuthenticationSession,
  key: K,
  value: AuthenticationSession[K] | undefined,
  fallback: AuthenticationSession[K] | undefined,
) {
  const chosen = value ?? fallback
  if (chosen === undefined) delete session[key]
  else session[key] = chosen
}
