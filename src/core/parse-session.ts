import { SessionParseError } from './errors'
import { describe, isPlainObject, jsonCopy, quoted } from './json-data'
import {
  DEVICE_TRUST_LEVELS,
  REVOKE_REASONS,
  SESSION_STATUSES,
  type AuthenticationSession,
  type DerivedSessionFields,
} from './session'

type Rule =
  | 'string'
  | 'boolean'
  | 'datetime'
  | 'string[]'
  | 'object'
  | readonly string[] // a string union

/** The field's rule, whether it is required, and (open objects) its known keys, type-checked when present. */
type FieldRule = [rule: Rule, required: boolean, keys?: Record<string, 'string'>]

const openStrings = (...keys: string[]): Record<string, 'string'> =>
  Object.fromEntries(keys.map((key) => [key, 'string' as const]))

/** The schema, field by field (spec: AuthenticationSession, 23 stored properties). */
const FIELDS: Record<string, FieldRule> = {
  user: ['object', true, openStrings('@type', 'id', 'username', 'email', 'name')],
  sessionId: ['string', true],
  status: [SESSION_STATUSES, true],
  accessToken: ['string', true],
  refreshToken: ['string', false],
  idToken: ['string', false],
  tokenType: ['string', false],
  scopes: ['string[]', false],
  initiatedAt: ['datetime', true],
  expiresAt: ['datetime', true],
  lastActivityAt: ['datetime', true],
  refreshTokenExpiresAt: ['datetime', false],
  deviceInfo: ['object', true, openStrings('userAgent', 'deviceType', 'osName', 'osVersion', 'browserName', 'browserVersion')],
  ipAddress: ['string', false],
  location: ['object', false, openStrings('country', 'region', 'city')],
  authenticationMethod: ['object', false, openStrings('@type', 'name')],
  identityProvider: ['object', false, openStrings('@type', 'name', 'protocol')],
  isMfaVerified: ['boolean', true],
  mfaVerifiedAt: ['datetime', false],
  deviceTrustLevel: [DEVICE_TRUST_LEVELS, false],
  revokedAt: ['datetime', false],
  revokeReason: [REVOKE_REASONS, false],
  metadata: ['object', false],
  '@type': ['string', false],
}

// Date, time and offset are all required: a bare date or a local time without
// offset would be read differently by each tab's time zone.
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i

/** Whether `value` is a datetime as parseSession takes it: ISO-8601 with a time and an offset (`Z`, `+02:00`), a real calendar date. */
export function isIsoDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const parts = ISO_DATETIME.exec(value)
  if (!parts || Number.isNaN(Date.parse(value))) return false
  // Date.parse rolls impossible dates over (February 30 becomes March 1), so each part is checked too.
  const [year, month, day, hour, minute] = parts.slice(1, 6).map(Number) as [number, number, number, number, number]
  const second = Number(parts[6] ?? 0)
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31
  // 24:00 is the end of a day (ISO 8601 and ECMAScript both read it); a record may already hold one.
  const time = (hour <= 23 && minute <= 59 && second <= 59) || (hour === 24 && minute === 0 && second === 0)
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && time
}

function check(path: string, value: unknown, [rule, , keys]: FieldRule): void {
  if (typeof rule !== 'string') {
    if (typeof value !== 'string') throw new SessionParseError('wrong-type', path, `expected a string, got ${describe(value)}`)
    if (!rule.includes(value)) {
      throw new SessionParseError('not-in-union', path, `expected one of ${rule.join(', ')}, got ${quoted(value)}`)
    }
    return
  }
  switch (rule) {
    case 'string':
    case 'boolean':
      if (typeof value !== rule) throw new SessionParseError('wrong-type', path, `expected a ${rule}, got ${describe(value)}`)
      return
    case 'datetime':
      if (typeof value !== 'string') throw new SessionParseError('wrong-type', path, `expected an ISO-8601 string, got ${describe(value)}`)
      if (!isIsoDateTime(value)) throw new SessionParseError('invalid-datetime', path, `${quoted(value)} is not an ISO-8601 date-time`)
      return
    case 'string[]':
      if (!Array.isArray(value)) throw new SessionParseError('wrong-type', path, `expected an array of strings, got ${describe(value)}`)
      value.forEach((item, index) => {
        if (typeof item !== 'string') {
          throw new SessionParseError('wrong-type', `${path}[${index}]`, `expected a string, got ${describe(item)}`)
        }
      })
      return
    case 'object':
      if (!isPlainObject(value)) throw new SessionParseError('wrong-type', path, `expected an object, got ${describe(value)}`)
      for (const [key, type] of Object.entries(keys ?? {})) {
        const inner = value[key]
        if (inner !== undefined && typeof inner !== type) {
          throw new SessionParseError('wrong-type', `${path}.${key}`, `expected a ${type}, got ${describe(inner)}`)
        }
      }
      return
  }
}

/**
 * Validates untrusted input (storage, a server response, a test fixture) as an
 * AuthenticationSession. Returns a copy; unknown top-level and nested keys are
 * kept. The input and its objects must be plain objects, and its open parts
 * JSON data (see json-data.ts). Throws SessionParseError naming the first
 * offending field.
 */
export function parseSession(input: unknown): AuthenticationSession {
  try {
    return parseWith(input, true)
  } catch (error) {
    // A value that throws when read (a revoked Proxy, a getter) is bad input like any other.
    if (error instanceof SessionParseError) throw error
    throw new SessionParseError('wrong-type', '', `the session cannot be read (${error instanceof Error ? error.name : typeof error})`)
  }
}

/**
 * A session to sign in with, or a source's answer: parsed, and active. An
 * ended one would keep its tokens in a record every tab shows signed out
 * (ending is end()'s job, or a definitive RefreshError's).
 */
export function parseActiveSession(input: unknown, what: string): AuthenticationSession {
  const session = parseSession(input)
  if (session.status !== 'active') throw new SessionParseError('not-in-union', 'status', `${what} must be an active session, got "${session.status}"`)
  return session
}

/**
 * A session storage already holds: the schema is checked alike, but its open
 * parts are carried over as JSON would carry them (see jsonCopy), not
 * refused. An earlier release stored whatever IndexedDB can copy (a Date in
 * metadata): refusing that now would quarantine the record and sign the user out.
 */
export function parseStoredSession(input: unknown): AuthenticationSession {
  return parseWith(input, false)
}

function parseWith(input: unknown, strict: boolean): AuthenticationSession {
  if (!isPlainObject(input)) throw new SessionParseError('not-an-object', '', `expected an object, got ${describe(input)}`)
  // A plain copy first, then the schema checked on it: each value is read
  // once (a getter or a Proxy cannot pass the check and then store something
  // else), and callers cannot mutate the stored record through a reference.
  const copy = jsonCopy(input, strict) as Record<string, unknown>
  for (const [name, field] of Object.entries(FIELDS)) {
    const value = copy[name]
    if (value === undefined) {
      const [, required] = field
      if (required) throw new SessionParseError('missing-field', name, 'required field is missing')
      continue
    }
    check(name, value, field)
  }
  // Calculated from a clock whenever they are read (derived.ts): a stored copy would only go stale.
  for (const calculated of CALCULATED_FIELDS) delete copy[calculated]
  return copy as unknown as AuthenticationSession
}

const CALCULATED_FIELDS: ReadonlyArray<keyof DerivedSessionFields> = ['isExpired', 'durationMinutes', 'idleMinutes']
