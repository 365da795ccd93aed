import type { AuthenticationSession } from 'authsession'

/** The record's 23 stored properties, in the schema's order. */
export const STORED_FIELDS = [
  'user',
  'sessionId',
  'status',
  'accessToken',
  'refreshToken',
  'idToken',
  'tokenType',
  'scopes',
  'initiatedAt',
  'expiresAt',
  'lastActivityAt',
  'refreshTokenExpiresAt',
  'deviceInfo',
  'ipAddress',
  'location',
  'authenticationMethod',
  'identityProvider',
  'isMfaVerified',
  'mfaVerifiedAt',
  'deviceTrustLevel',
  'revokedAt',
  'revokeReason',
  'metadata',
] as const satisfies readonly (keyof AuthenticationSession)[]

// Does not compile when AuthenticationSession gains a property this list lacks.
type Unlisted = Exclude<keyof AuthenticationSession, (typeof STORED_FIELDS)[number] | '@type'>
const everyFieldListed: Record<Unlisted, never> = {}
void everyFieldListed

const TOKENS = new Set<string>(['accessToken', 'refreshToken', 'idToken'])
const DATES = new Set<string>(['initiatedAt', 'expiresAt', 'lastActivityAt', 'refreshTokenExpiresAt', 'mfaVerifiedAt', 'revokedAt'])

/** A token's first characters only: enough to see it change, never enough to use it. */
export const truncateToken = (token: string) => `${token.slice(0, 12)}…`

function relative(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000)
  const size = Math.abs(seconds)
  const amount = size < 120 ? `${size} s` : size < 7200 ? `${Math.round(size / 60)} min` : `${Math.round(size / 3600)} h`
  return seconds >= 0 ? `in ${amount}` : `${amount} ago`
}

/** One value of the record as text; undefined means the property is absent. */
export function formatField(key: string, value: unknown, now: number): string | undefined {
  if (value === undefined) return undefined
  if (TOKENS.has(key) && typeof value === 'string') return `${truncateToken(value)} (${value.length} chars)`
  if (DATES.has(key) && typeof value === 'string') return `${value} (${relative(value, now)})`
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}
