import { AuthSessionError } from './errors'
import { describe, isPlainObject } from './json-data'
import { MAX_TAB_ID_LENGTH } from './tab-message'

/**
 * What an option must be, checked where a public function takes it. From
 * JavaScript, or read at runtime, a wrong one otherwise fails far from its
 * cause as a bare TypeError (a clock without `now`), or is silently misread:
 * a string `leadMs` times every refresh at NaN (never), `end(reason, 3)`
 * ends unconditionally what was meant to be a conditional end.
 * An array lists the methods an object must have ('?' before an optional one);
 * an object, the rules of a nested options object.
 */
export type Rule = 'string' | 'boolean' | 'function' | 'number' | 'ms' | 'seconds' | 'fraction' | 'generation' | 'plain-object' | readonly string[] | { readonly [key: string]: Rule }

const EXPECTED: Record<string, string> = {
  number: 'a finite number',
  ms: 'a number of ms (0 or more)',
  seconds: 'a number of seconds (0 or more)',
  fraction: 'a number from 0 to 1',
  generation: 'a whole number (0 or more)',
  'plain-object': 'a plain object',
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function passes(value: unknown, rule: Rule): boolean {
  if (typeof rule !== 'string') {
    if (!isObject(value)) return false
    if (!Array.isArray(rule)) return true
    return (rule as readonly string[]).every((method) => {
      const found = value[method.replace('?', '')]
      return typeof found === 'function' || (method[0] === '?' && found === undefined)
    })
  }
  if (rule === 'number') return Number.isFinite(value)
  if (rule === 'ms' || rule === 'seconds') return typeof value === 'number' && value >= 0 // NaN fails; Infinity is the longest timer
  if (rule === 'fraction') return typeof value === 'number' && value >= 0 && value <= 1
  if (rule === 'generation') return Number.isSafeInteger(value) && (value as number) >= 0
  if (rule === 'plain-object') return isPlainObject(value)
  return typeof value === rule
}

function expected(rule: Rule): string {
  if (typeof rule === 'string') return EXPECTED[rule] ?? `a ${rule}`
  if (!Array.isArray(rule)) return 'an object'
  return `an object with the methods ${(rule as readonly string[]).join(', ').replace(/\?/g, 'optional ')}`
}

/**
 * Throws invalid-argument unless `options` is undefined (every default) or an
 * object whose named keys follow their rules (or, for another rule, unless
 * the value follows it). A key given as undefined takes
 * its default; null too where `nullIsDefault` (options read with `??`).
 */
export function checkOptions(what: string, options: unknown, rules: Rule, nullIsDefault = false): void {
  const check = (path: string, value: unknown, rule: Rule): void => {
    // An options object left out takes every default; a listener left out is still missing.
    const top = path === what
    if ((value === undefined && (!top || (typeof rule === 'object' && !Array.isArray(rule)))) || (value === null && nullIsDefault && !top)) return
    if (!passes(value, rule)) {
      throw new AuthSessionError('invalid-argument', `${path}: expected ${expected(rule)}, got ${typeof value === 'number' ? value : describe(value)}`)
    }
    if (typeof rule === 'object' && !Array.isArray(rule)) {
      for (const [key, inner] of Object.entries(rule as { [key: string]: Rule })) check(`${path}.${key}`, (value as Record<string, unknown>)[key], inner)
    }
  }
  check(what, options, rules)
}

const CLOCK = ['now', 'setTimeout', 'clearTimeout', '?monotonic']

export const IDB_OPTIONS = { dbName: 'string', storeName: 'string', key: 'string', openTimeoutMs: 'ms' } as const

export const DEFAULT_PERSISTENCE_OPTIONS = { ...IDB_OPTIONS, onUnavailable: 'function', onRecovered: 'function', clock: CLOCK } as const

/** createSessionStore's options (null, as `??` reads it, is a default; for channel and logoutJournal, off). */
const STORE_OPTIONS = {
  key: 'string',
  dbName: 'string',
  tabId: 'string',
  migrate: 'function',
  activityWriteIntervalMs: 'ms',
  openTimeoutMs: 'ms',
  isOnline: 'function',
  persistence: ['read', 'update', 'readQuarantine', '?watch', '?close'],
  channel: ['post', 'subscribe', 'close'],
  wake: ['subscribe', '?subscribeHidden', '?subscribeFrozen'],
  clock: CLOCK,
  locks: ['request', '?isHeld'],
  logoutJournal: ['getItem', 'setItem', 'removeItem'],
  source: ['refresh', '?startSignIn', '?completeSignIn', '?signOut'],
  refresh: { leadMs: 'ms', leadFraction: 'fraction', minIntervalMs: 'ms', revalidateAfterMs: 'ms', retryBaseMs: 'ms', retryMaxMs: 'ms', timeoutMs: 'ms' },
} as const

export function checkStoreOptions(options: unknown, tabId: unknown, version: unknown): void {
  checkOptions('createSessionStore(options)', options, STORE_OPTIONS, true)
  // The other tabs refuse messages with any other tab id, so this tab would go unheard.
  if (typeof tabId !== 'string' || tabId.length === 0 || tabId.length > MAX_TAB_ID_LENGTH) {
    throw new AuthSessionError('invalid-argument', `tabId must be a string of 1 to ${MAX_TAB_ID_LENGTH} characters`)
  }
  // Stored with every record and compared on every read: a fraction or NaN (an unset env variable) would read back as corrupt.
  if (!Number.isSafeInteger(version)) {
    throw new AuthSessionError('invalid-argument', `version must be a whole number, got ${String(version)}`)
  }
  // Null too: no migrate and a null one are not the same mistake (a missing import).
  if ((options as { migrate?: unknown } | undefined)?.migrate === null) throw new AuthSessionError('invalid-argument', 'migrate must be a function (storedSession, fromVersion) => session')
}
