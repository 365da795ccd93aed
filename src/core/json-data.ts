import { SessionParseError } from './errors'
import { same } from './merge-session'

/**
 * A plain object: not a class instance (a Date, a Map, a DTO whose fields are
 * getters), which storage would turn into something else. Any realm's
 * Object.prototype (an iframe's too) or none; a Proxy of one (a Vue or MobX
 * reactive object) counts.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === null || Object.getPrototypeOf(proto) === null
}

export function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && !isPlainObject(value)) return `a ${Object.getPrototypeOf(value)?.constructor?.name || 'non-plain'} object`
  return `a ${typeof value}`
}

// Deeper than any session's data; past it a recursive check (or JSON.stringify) would overflow the stack.
const MAX_DEPTH = 64

/** Whether `value` is JSON data (strings, numbers, booleans, null, arrays, plain objects), with no cycle. */
function isJsonData(value: unknown, depth: number, within: Set<object>): boolean {
  if (value === null || value === undefined) return true
  const type = typeof value
  if (type === 'string' || type === 'number' || type === 'boolean') return true
  if (type !== 'object' || depth > MAX_DEPTH || within.has(value as object)) return false
  const array = Array.isArray(value)
  if (!array && !isPlainObject(value)) return false
  within.add(value as object)
  const items: unknown[] = array ? (value as unknown[]) : Object.values(value as object)
  const ok = items.every((item) => isJsonData(item, depth + 1, within))
  within.delete(value as object)
  return ok
}

/** Throws for the first value that is not JSON data, naming its path (the slow walk: only once the fast one failed). */
function explain(path: string, value: unknown, depth: number, within: Set<object>): void {
  if (value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) return
  if (typeof value !== 'object' || value === null || !(Array.isArray(value) || isPlainObject(value))) {
    throw new SessionParseError('wrong-type', path, `expected JSON data (strings, numbers, booleans, null, arrays, plain objects), got ${describe(value)}`)
  }
  if (within.has(value)) throw new SessionParseError('wrong-type', path, 'the value contains itself (a cycle)')
  if (depth > MAX_DEPTH) throw new SessionParseError('wrong-type', path, `nested more than ${MAX_DEPTH} levels deep`)
  within.add(value)
  const entries = Array.isArray(value) ? value.map((item, index) => [`[${index}]`, item] as const) : Object.entries(value).map(([key, item]) => [path ? `.${key}` : key, item] as const)
  for (const [step, item] of entries) explain(`${path}${step}`, item, depth + 1, within)
  within.delete(value)
}

/**
 * New values joining a session (a sign-in, a patch, a provider's answer) must
 * be JSON data: what every tab reads back alike and what update() compares.
 * A function, a BigInt, a class instance, a cycle or absurd nesting is
 * refused here, with its path, rather than failing later in storage or in a
 * comparison. A value that cannot even be read (a revoked Proxy) is refused too.
 */
export function assertJsonData(value: unknown, path = ''): void {
  try {
    if (isJsonData(value, 0, new Set())) return
    explain(path, value, 0, new Set())
  } catch (error) {
    if (error instanceof SessionParseError) throw error
    throw new SessionParseError('wrong-type', path, `the value cannot be read (${error instanceof Error ? error.name : typeof error})`)
  }
  throw new SessionParseError('wrong-type', path, 'expected JSON data')
}

/**
 * assertJsonData for a patch onto `stored`: only what differs from it must be
 * JSON data. What storage gave (an earlier release kept a Date in metadata)
 * may come back in a copy spread from it, and stays as it is.
 */
export function assertJsonChanges(changes: Record<string, unknown>, stored: Record<string, unknown>, path = '', depth = 0): void {
  for (const [key, value] of Object.entries(changes)) {
    const at = path ? `${path}.${key}` : key
    const before = stored[key]
    if (same(value, before)) continue
    if (depth < MAX_DEPTH && isPlainObject(value) && isPlainObject(before)) assertJsonChanges(value, before, at, depth + 1)
    else assertJsonData(value, at)
  }
}
