import { checkOptions } from '../../core/argument-checks'
import { basicDeviceInfo } from '../../core/device'
import { SessionParseError } from '../../core/errors'
import { isIsoDateTime } from '../../core/parse-session'
import type { AuthenticationSession, DeviceInfo, IdentityProvider, SessionLocation, SessionUser } from '../../core/session'
import type { KratosSession, KratosSessionAuthenticationMethod } from './kratos-types'

/** `mapKratosSession`'s third argument: what the session itself does not say. */
export interface KratosMappingOptions {
  /** Local ms now, for a new session's `lastActivityAt` (default Date.now()). */
  now?: number | undefined
  /** Device facts for a new session. Default: what the browser states (user agent, client hints). */
  deviceInfo?: (() => DeviceInfo) | undefined
}

const OPTIONS = { now: 'number', deviceInfo: 'function' } as const
const MFA_LEVELS = new Set(['aal2', 'aal3'])
const PROTOCOLS: Record<string, string> = { oidc: 'oidc', saml: 'saml2' }

type Fields = Record<string, unknown>
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)
const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)

function required(fields: Fields, key: string, path: string): string {
  const value = fields[key]
  if (value === undefined || value === null) throw new SessionParseError('missing-field', path, 'Kratos did not answer it')
  if (typeof value !== 'string' || !value) throw new SessionParseError('wrong-type', path, 'expected a non-empty string')
  return value
}

function datetime(fields: Fields, key: string, path = key): string {
  const value = required(fields, key, path)
  if (!isIsoDateTime(value)) throw new SessionParseError('invalid-datetime', path, 'expected an RFC 3339 datetime')
  return value
}

/** The traits' display name: a string, or `{ first, last }` as Kratos's example schemas have it. */
function nameOf(traits: Fields): string | undefined {
  const name = traits.name
  if (!isObject(name)) return text(name)
  const joined = [text(name.first), text(name.last)].filter(Boolean).join(' ')
  return joined || undefined
}

/** Kratos's device `location` (`City, CC`) as the record's; anything else is kept as it was said. */
function locationOf(said: string | undefined): SessionLocation | undefined {
  if (!said) return undefined
  const parts = said.split(',').map((part) => part.trim()).filter(Boolean)
  return parts.length === 2 ? { city: parts[0], country: parts[1] } : { description: said }
}

/**
 * A Kratos session (`/sessions/whoami`'s answer, `@ory/kratos-client`'s
 * `Session`) as the record. `previous` is the session a refresh renews: the
 * login time, device, activity and your metadata are kept from it. The
 * session's cookie is its credential: `accessToken` is `''`, and nothing of
 * `tokenized` is kept. An inactive session, or one missing `id`, `active`,
 * `identity.id`, `expires_at` or both `authenticated_at` and `issued_at`,
 * throws SessionParseError naming the field.
 */
export function mapKratosSession(session: KratosSession, previous?: AuthenticationSession, options: KratosMappingOptions = {}): AuthenticationSession {
  checkOptions('mapKratosSession(session, previous, options)', options, OPTIONS, true)
  const fields: unknown = session
  if (!isObject(fields)) throw new SessionParseError('not-an-object', '', 'expected a Kratos session object')
  const sessionId = required(fields, 'id', 'id')
  if (fields.active !== true) {
    if (fields.active === undefined || fields.active === null) throw new SessionParseError('missing-field', 'active', 'Kratos did not answer it')
    throw new SessionParseError('not-in-union', 'active', 'the Kratos session is not active')
  }
  const identity = fields.identity
  if (!isObject(identity)) throw new SessionParseError(identity == null ? 'missing-field' : 'wrong-type', 'identity', 'expected the identity the session belongs to')
  const userId = required(identity, 'id', 'identity.id')
  const expiresAt = datetime(fields, 'expires_at')
  const authenticatedAt = fields.authenticated_at != null ? datetime(fields, 'authenticated_at') : datetime(fields, 'issued_at', 'authenticated_at')

  const traits = isObject(identity.traits) ? identity.traits : {}
  const email = text(traits.email)
  const name = nameOf(traits)
  const user: SessionUser = {
    ...previous?.user,
    '@type': 'User',
    id: userId,
    username: text(traits.username) ?? email ?? previous?.user.username ?? userId,
    ...(email ? { email } : {}),
    ...(name ? { name } : {}),
  }

  const methods = (Array.isArray(fields.authentication_methods) ? fields.authentication_methods : []).filter(isObject) as KratosSessionAuthenticationMethod[]
  const names = methods.map((method) => text(method.method)).filter((method): method is string => method !== undefined)
  const aal = text(fields.authenticator_assurance_level)
  const secondFactors = methods.filter((method) => MFA_LEVELS.has(text(method.aal) ?? ''))
  const isMfaVerified = MFA_LEVELS.has(aal ?? '') || secondFactors.length > 0
  const completedAt = secondFactors.map((method) => method.completed_at).filter((at): at is string => typeof at === 'string' && isIsoDateTime(at)).sort((a, b) => Date.parse(b) - Date.parse(a))[0]
  const federated = methods.find((method) => text(method.provider) && PROTOCOLS[text(method.method) ?? ''])

  const devices = (Array.isArray(fields.devices) ? fields.devices : []).filter(isObject)
  const first = devices[0] ?? {}
  const userAgent = text(first.user_agent)
  const kratos = Object.fromEntries(
    Object.entries({ aal, issuedAt: text(fields.issued_at), identitySchemaId: text(identity.schema_id), identityState: text(identity.state) }).filter(([, value]) => value !== undefined),
  )

  const record: AuthenticationSession = {
    ...previous,
    user,
    sessionId,
    status: 'active',
    accessToken: '', // the Kratos session cookie is the credential
    // A refresh keeps the login's time: Kratos moves authenticated_at when a second factor is completed.
    initiatedAt: previous?.initiatedAt ?? authenticatedAt,
    expiresAt,
    lastActivityAt: previous?.lastActivityAt ?? new Date(options.now ?? Date.now()).toISOString(),
    deviceInfo: previous?.deviceInfo ?? { ...(userAgent ? { userAgent } : {}), ...(options.deviceInfo ?? basicDeviceInfo)() },
    isMfaVerified,
    metadata: { ...previous?.metadata, protocol: 'kratos', kratos },
  }
  if (names.length) record.authenticationMethod = { '@type': 'AuthenticationMethod', name: names.join('+'), methods: names, ...(aal ? { aal } : {}) }
  else delete record.authenticationMethod
  if (isMfaVerified) record.mfaVerifiedAt = previous?.mfaVerifiedAt ?? completedAt ?? authenticatedAt
  else delete record.mfaVerifiedAt
  if (federated) {
    const provider: IdentityProvider = { '@type': 'IdentityProvider', name: text(federated.provider), protocol: PROTOCOLS[text(federated.method)!] }
    record.identityProvider = provider
  }
  const ipAddress = previous?.ipAddress ?? text(first.ip_address)
  if (ipAddress) record.ipAddress = ipAddress
  const location = previous?.location ?? locationOf(text(first.location))
  if (location) record.location = location
  return record
}
