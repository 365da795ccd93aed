import { plausibleSkew } from './clock'
import { AuthSessionError, StorageError } from './errors'
import { isPlainObject, MAX_ITEMS } from './json-data'
import { parseStoredSession } from './parse-session'
import { recordStatusFor, type AuthenticationSession, type RevokeReason } from './session'

/** Why the record last changed; travels in the record so other tabs can report it. */
export type ChangeReason = 'sign-in' | 'update' | 'activity' | 'refresh' | 'refresh-retry' | 'end' | 'clear' | 'repair'

/**
 * What is stored under the key. `generation` only ever grows within an
 * `epoch`: every write is checked against it inside one transaction, and a
 * tab adopts a record whose generation is above the one it holds, or one of
 * another epoch (storage was wiped and written anew).
 */
export interface StoredRecord {
  /** The app's schema version of `session` (the `version` option). */
  version: number
  generation: number
  /** The session, or null after `clear()`. After `end()`, the ended record without tokens. */
  session: AuthenticationSession | null
  /** A tombstone: the session was ended and must never come back. */
  ended: boolean
  reason: ChangeReason
  /** Estimated server clock minus local clock, in ms, from the last token response. */
  clockSkewMs?: number
  /** Local wall-clock ms when the tokens in `session` were obtained. */
  tokensObtainedAt?: number
  /** Local wall-clock ms of the last refresh that stored tokens; the minimum interval between refreshes counts from it (not from a sign-in). */
  refreshedAt?: number
  /**
   * After a transient refresh failure: no tab tries again before this (local
   * ms), so an outage costs the provider one retry per backoff step for the
   * whole browser, not one per tab.
   */
  refreshRetryAt?: number
  /** Consecutive transient refresh failures, for the backoff exponent. */
  refreshFailures?: number
  /** Local ms of the last transient failure (a tab back online ignores older backoffs). */
  refreshFailedAt?: number
  /** Local ms when the times above were moved back for a device clock set back (clock-set-back.ts): another tab noticing the same set-back later does not move them again. */
  setBackAt?: number
  /**
   * Random id given when the key is first written. Generations are only
   * compared within one epoch: after storage was wiped and written anew they
   * restart, and a tab that still counts the old ones must follow anyway.
   */
  epoch?: string
  /**
   * The generation at which the login this record holds was written (its
   * sign-in); later writes of the same login (refresh, update, activity)
   * keep it. A logout decided at generation N therefore still applies to a
   * later record whose login began at or before N, and never to a new login.
   * Absent on records written before it existed: only N itself matches then.
   */
  loginGeneration?: number
  /**
   * Which sign-in callback URL this login was completed from (a fingerprint,
   * never the URL: it holds the code), for sources whose callback URLs are
   * single-use. Another tab on the same URL finds its sign-in done here
   * instead of redeeming the code a second time.
   */
  callback?: string
}

/**
 * Upgrades a session stored by an older `version`. Synchronous: it runs
 * inside the storage transaction, which would close while a Promise waits.
 */
export type Migrate = (persistedSession: unknown, fromVersion: number) => unknown

export type LiveRecord = StoredRecord & { session: NonNullable<StoredRecord['session']> }

/** A record holding a live session: not a tombstone, not cleared, its status active. */
export const live = (record: Pick<StoredRecord, 'session' | 'ended'> | null): record is LiveRecord =>
  !!record?.session && !record.ended && record.session.status === 'active'

/**
 * Decodes a raw stored value (null: nothing stored). Throws StorageError
 * `storage-corrupt` for a value that is not a record or whose session does
 * not parse, `storage-future-version` for a record written by a newer schema,
 * and `storage-migrate-failed` for an older one this app cannot upgrade.
 */
export function decodeRecord(raw: unknown, version: number, migrate?: Migrate): StoredRecord | null {
  if (raw === undefined) return null
  if (typeof raw !== 'object' || raw === null) throw corrupt('the stored value is not an object')
  const value = raw as Record<string, unknown>
  const storedVersion = value.version
  const generation = value.generation
  if (typeof storedVersion !== 'number' || !Number.isInteger(storedVersion)) throw corrupt('missing schema version')
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation) || generation < 0) {
    throw corrupt('missing or invalid generation')
  }
  if (storedVersion > version) {
    throw new StorageError(
      'storage-future-version',
      `The stored session has schema version ${storedVersion}, newer than this app's ${version}`,
    )
  }
  if (typeof value.ended !== 'boolean') throw corrupt('missing tombstone flag')
  let session: AuthenticationSession | null = null
  if (value.session !== null) {
    session = storedVersion < version ? migrated(value.session, storedVersion, version, migrate) : parsed(value.session, corrupt)
  }
  return {
    version,
    generation,
    session,
    ended: value.ended,
    reason: typeof value.reason === 'string' ? (value.reason as ChangeReason) : 'update',
    clockSkewMs: plausibleSkew(value.clockSkewMs),
    tokensObtainedAt: finiteOrUndefined(value.tokensObtainedAt),
    refreshedAt: finiteOrUndefined(value.refreshedAt),
    refreshRetryAt: finiteOrUndefined(value.refreshRetryAt),
    refreshFailures: finiteOrUndefined(value.refreshFailures),
    refreshFailedAt: finiteOrUndefined(value.refreshFailedAt),
    setBackAt: finiteOrUndefined(value.setBackAt),
    epoch: rawEpoch(value),
    loginGeneration: isLoginGeneration(value.loginGeneration, generation) ? value.loginGeneration : undefined,
    callback: typeof value.callback === 'string' && value.callback.length <= 32 ? value.callback : undefined,
  }
}

/** A login generation that can be true of `generation`; a bad one is never kept, so it cannot widen what a logout ends. */
export const isLoginGeneration = (value: unknown, generation: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= generation

/** Decodes a raw value; a bad one comes back as `bad` (to be reported), its record as absent. */
export function decodeOrBad(raw: unknown, version: number, migrate?: Migrate): { record: StoredRecord | null; bad?: StorageError } {
  try {
    return { record: decodeRecord(raw, version, migrate) }
  } catch (error) {
    return { record: null, bad: error instanceof StorageError ? error : new StorageError('storage-corrupt', String(error), { cause: error }) }
  }
}

/** The generation a raw value claims, even when the rest of it is unreadable; 0 when none. */
export function rawGeneration(raw: unknown): number {
  const generation = (raw as { generation?: unknown } | null | undefined)?.generation
  return typeof generation === 'number' && Number.isSafeInteger(generation) && generation > 0 ? generation : 0
}

/** The schema version a raw value claims; 0 when none. */
export function rawVersion(raw: unknown): number {
  const version = (raw as { version?: unknown } | null | undefined)?.version
  return typeof version === 'number' ? version : 0
}

/** The epoch a raw value claims, if any (read even from a record this app version cannot decode). */
export function rawEpoch(raw: unknown): string | undefined {
  const epoch = (raw as { epoch?: unknown } | null | undefined)?.epoch
  return typeof epoch === 'string' ? epoch : undefined
}

function finiteOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function corrupt(detail: string, cause?: unknown): StorageError {
  return new StorageError('storage-corrupt', `The stored session record is corrupt: ${detail}`, { cause })
}

function parsed(input: unknown, fail: (detail: string, cause?: unknown) => StorageError): AuthenticationSession {
  try {
    return parseStoredSession(input)
  } catch (error) {
    throw fail(error instanceof AuthSessionError ? error.message : 'unparsable session', error)
  }
}

/**
 * An older version's session, upgraded. When the app's migrate cannot do it
 * (missing, throwing, async, or answering an invalid session), the record is
 * not corrupt: it is left where it is (never quarantined or overwritten by a
 * repair), so a fixed migrate in the next deploy still finds the user's session.
 */
function migrated(input: unknown, from: number, to: number, migrate: Migrate | undefined): AuthenticationSession {
  const failed = (detail: string, cause?: unknown) =>
    new StorageError('storage-migrate-failed', `The stored session (schema version ${from}) could not be migrated to version ${to}: ${detail}`, { cause })
  if (!migrate) throw failed('there is no migrate function')
  let output: unknown
  try {
    // A copy of the session as stored (a Date still a Date: the app's migration
    // knows what its older versions kept), so one that edits its argument
    // cannot change the stored record under other readers.
    output = migrate(typeof structuredClone === 'function' ? structuredClone(input) : input, from)
  } catch (error) {
    throw failed(`migrate threw ${error instanceof Error ? error.name : typeof error}`, error)
  }
  if (typeof (output as PromiseLike<unknown> | null)?.then === 'function') {
    void Promise.resolve(output).catch(() => {}) // its rejection is reported here, not as an unhandled one
    throw failed('migrate returned a Promise; it must return the session synchronously (it runs inside the storage transaction)')
  }
  // Carried over as JSON would, like every stored session (a Date it kept becomes its ISO string): not refused for its data.
  return parsed(output, failed)
}

// String fields that say what a record is, never what it unlocks. Every other
// string, at any depth and under any name, is replaced by its length: a
// corrupt or newer-version record may hold credentials under names we
// cannot predict (a token list, an Authorization header, a key pair).
const SAFE_STRING_KEYS = new Set(['@type', 'status', 'reason', 'revokeReason', 'deviceTrustLevel', 'epoch', 'tokenType'])
const isTimestampKey = (key: string) => /At$/.test(key)
const MAX_DEPTH = 8

/** A bad record as kept under the quarantine key: its shape, numbers, flags and kinds for diagnosis; no secret it might hold. */
export function forQuarantine(raw: unknown): unknown {
  return redact(raw, '', 0)
}

function redact(value: unknown, key: string, depth: number): unknown {
  if (typeof value === 'string') return SAFE_STRING_KEYS.has(key) || isTimestampKey(key) ? value : `[string, ${value.length} chars]`
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (Array.isArray(value)) return value.length > MAX_ITEMS ? `[array, ${value.length} items]` : value.map((item) => redact(item, key, depth + 1))
  // Bytes (a key, a token as a buffer) only as their length; any other non-plain object (a Map, a Blob) only as its kind.
  // (Tagged, not instanceof: a buffer may come from another realm.)
  if (ArrayBuffer.isView(value) || /ArrayBuffer\]$/.test(Object.prototype.toString.call(value))) return `[bytes, ${(value as ArrayBuffer).byteLength}]`
  if (value instanceof Date) return value
  if (!isPlainObject(value)) return `[${Object.getPrototypeOf(value)?.constructor?.name || 'object'}]`
  return Object.fromEntries(Object.entries(value).map(([inner, item]) => [inner, redact(item, inner, depth + 1)]))
}

/** An ended copy of a session: the reason recorded, every token removed. */
export function tombstoneOf(session: AuthenticationSession, reason: RevokeReason, at: string): AuthenticationSession {
  const { refreshToken: _r, idToken: _i, metadata, ...rest } = session
  // The last token answer's other fields (map-response.ts) may hold credentials too (an upstream IdP's token).
  const { tokenResponse: _t, ...kept } = metadata ?? {}
  return { ...rest, ...(metadata ? { metadata: kept } : {}), accessToken: '', status: recordStatusFor(reason), revokedAt: at, revokeReason: reason }
}
