import { checkOptions } from '../../core/argument-checks'
import { basicDeviceInfo } from '../../core/device'
import { AuthSessionError } from '../../core/errors'
import type { AuthenticationSession, DeviceInfo } from '../../core/session'
import { readJwtClaims } from './jwt-claims'
import { mapTokenResponse, type TokenResponseLike } from './map-response'

const CONTEXT = { providerName: 'string', now: 'number', deviceInfo: 'function' } as const

/**
 * The session held by a User that oidc-client-ts's UserManager stored (the
 * value of its `oidc.user:<authority>:<client_id>` key, or the User itself),
 * for `store.signIn()` when an app moves from UserManager to authsession.
 * Null when it holds nothing to sign in with: an expired access token and no
 * refresh token. Anything that is not such a User throws `invalid-argument`,
 * whose message never quotes it (it holds tokens).
 */
export function fromOidcClientUser(
  stored: unknown,
  context: {
    /** Shown as `identityProvider.name` when the ID token has no `idp`. Default: the ID token's issuer. */
    providerName?: string | undefined
    /** Local ms now (default Date.now()): `expires_at` is on the local clock. */
    now?: number | undefined
    deviceInfo?: (() => DeviceInfo) | undefined
  } = {},
): AuthenticationSession | null {
  checkOptions('fromOidcClientUser(user, context)', context, CONTEXT, true)
  let user = stored
  if (typeof stored === 'string') {
    try {
      user = JSON.parse(stored)
    } catch {
      user = null // JSON.parse's own message quotes the text, a token among it: not kept as a cause
    }
  }
  const { access_token, refresh_token, id_token, expires_at, profile, scope, token_type } = (user ?? {}) as Partial<TokenResponseLike>
  // A string field of another type would fail later, and untyped (scope.split), or make a record signIn() refuses.
  const notString = [refresh_token, id_token, scope, token_type].some((field) => field != null && typeof field !== 'string')
  if (typeof user !== 'object' || !access_token || typeof access_token !== 'string' || (profile != null && typeof profile !== 'object') || notString) {
    throw new AuthSessionError('invalid-argument', 'fromOidcClientUser(user): expected an oidc-client-ts User with an access_token, or its stored JSON')
  }
  const now = context.now ?? Date.now()
  if (!refresh_token && typeof expires_at === 'number' && expires_at * 1000 <= now) return null
  // The ID token was issued at the sign-in or the last refresh, not now: read as a fresh answer,
  // its iat would set a clock skew of the token's age and move the expiry back by as much.
  // So its claims come in through the profile, and no skew is taken from it.
  const claims = { ...readJwtClaims(typeof id_token === 'string' ? id_token : undefined), ...profile }
  const { session } = mapTokenResponse({ ...(user as TokenResponseLike), id_token: undefined, profile: claims }, {
    now,
    deviceInfo: context.deviceInfo ?? basicDeviceInfo,
    providerName: context.providerName ?? (typeof claims.iss === 'string' ? claims.iss : 'oidc'),
  })
  if (id_token) session.idToken = id_token
  return session
}
