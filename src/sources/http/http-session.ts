import { basicDeviceInfo } from '../../core/device'
import { SessionParseError } from '../../core/errors'
import type { AuthenticationSession, SessionUser } from '../../core/session'

/**
 * The JSON a session endpoint answers for `createHttpSource`'s default
 * mapping. Extra fields are ignored; map a shape of your own with `toSession`.
 */
export interface HttpSessionBody {
  /** The server's session id. */
  id: string
  /** Who is signed in: `id` is required (a refresh answering another user's ends the session); the rest is kept as given (a null as absent). */
  user: { id: string; username?: string | undefined; email?: string | undefined; name?: string | undefined }
  /** When the user authenticated (ISO-8601 with an offset, server's clock). */
  authenticatedAt: string
  /** When the session ends unless refreshed (ISO-8601 with an offset, server's clock): the refresh falls due before it. */
  expiresAt: string
  /** `false`: the server holds no session (as a 401 would say). */
  active?: boolean | undefined
  /** A token your API wants back (a CSRF token, a bearer token); default `''`: the cookie is the credential. */
  accessToken?: string | undefined
  /** Whether a second factor was completed. Default: what the session said before, else false. */
  isMfaVerified?: boolean | undefined
  /** How the user authenticated (`saml`, `password+totp`): the record's `authenticationMethod.name`. */
  authenticationMethod?: string | undefined
  /** The identity provider that authenticated the user (a SAML IdP's name): the record's `identityProvider.name`. */
  identityProvider?: string | undefined
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function requireString(body: Record<string, unknown>, key: string, path = key): string {
  const value = body[key]
  if (value === undefined || value === null) throw new SessionParseError('missing-field', path, 'the session endpoint did not answer it')
  if (typeof value !== 'string' || !value) throw new SessionParseError('wrong-type', path, 'expected a non-empty string')
  return value
}

/**
 * `createHttpSource`'s default `toSession`: an `HttpSessionBody` as the
 * record; null when it says `active: false`. A refresh (`previous` given)
 * keeps what the answer does not restate: device, activity, your metadata,
 * MFA. A body missing a required field throws SessionParseError naming it
 * (a refresh then keeps the session and retries; a sign-in fails).
 */
export function toHttpSession(body: unknown, previous?: AuthenticationSession): AuthenticationSession | null {
  if (!isObject(body)) throw new SessionParseError('not-an-object', '', 'the session endpoint answered no JSON object')
  if (body.active === false) return null
  const user = body.user
  if (!isObject(user)) throw new SessionParseError(user == null ? 'missing-field' : 'wrong-type', 'user', 'expected an object with an id')
  requireString(user, 'id', 'user.id')
  const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
  const method = text(body.authenticationMethod)
  const provider = text(body.identityProvider)
  const session: AuthenticationSession = {
    ...previous, // what this answer does not restate (device, activity, your metadata)
    // null is JSON's "none" (a user without an email or name): the record has no such field, and refuses a null one.
    user: Object.fromEntries(Object.entries(user).filter(([, value]) => value !== null)) as SessionUser,
    sessionId: requireString(body, 'id'),
    status: 'active',
    accessToken: text(body.accessToken) ?? previous?.accessToken ?? '',
    initiatedAt: requireString(body, 'authenticatedAt'),
    expiresAt: requireString(body, 'expiresAt'),
    lastActivityAt: previous?.lastActivityAt ?? new Date().toISOString(),
    deviceInfo: previous?.deviceInfo ?? basicDeviceInfo(),
    isMfaVerified: typeof body.isMfaVerified === 'boolean' ? body.isMfaVerified : (previous?.isMfaVerified ?? false),
  }
  if (method) session.authenticationMethod = { '@type': 'AuthenticationMethod', name: method }
  if (provider) session.identityProvider = { '@type': 'IdentityProvider', name: provider }
  return session
}
