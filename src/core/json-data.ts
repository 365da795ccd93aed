import { SessionParseError } from './errors'

/**
 * A plain object: not a class instance (a Date, a Map, a DTO whose fields are
 * getters), which storage would turn into something else. Any realm's
 * Object.prototype (an iframe's too) or none; a Proxy of one (a Vue or MobX
 * reactive object) counts.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  // The tag too: a Proxy's prototype trap may claim plain for a Map.
  return (proto === null || Object.getPrototypeOf(proto) === null) && Object.prototype.toString.call(value) === '[object Object]'
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object' && !isPlainObject(value)) return `a ${Object.getPrototypeOf(value)?.constructor?.name || 'non-plain'} object`
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`
}

/** A string for an error message: a short one as it is, a longer one (a token in the wrong field) only by its length. */
export const quoted = (value: string): string => (value.length <= 32 ? JSON.stringify(value) : `a string of ${value.length} characters`)

// Deeper than any session's data; past it a recursive walk (or JSON.stringify) could overflow the stack.
const MAX_DEPTH = 1000
// Longer than any session's list. An array's length is not its size: a sparse one of
// length 2**32 - 1 takes a few bytes in IndexedDB, and a walk over its indexes hangs the tab.
export const MAX_ITEMS = 100_000
const LEFT_OUT = Symbol('left out')
type Path = Array<string | number>

// `metadata.a.b`, `scopes[2]`; a key that would read as more than one step is quoted: `metadata["a.b"]`.
const pathText = (path: Path) =>
  path
    .map((step, index) => (typeof step === 'number' ? `[${step}]` : /[.[\]"]|^$/.test(step) ? `[${JSON.stringify(step)}]` : index === 0 ? step : `.${step}`))
    .join('')

const isDate = (value: object) => Object.prototype.toString.call(value) === '[object Date]'

/**
 * A deep copy of `value` as JSON data (strings, finite numbers, booleans,
 * null, arrays, plain objects; `undefined` left out, as JSON does), read
 * through any Proxy.
 *
 * `strict` (new values: a sign-in, a patch, a provider's answer): anything
 * else (a function, a BigInt, a Date, a Map, a cycle, nesting deeper than 1,000,
 * an array longer than 100,000) throws SessionParseError naming its path, rather than failing later in
 * storage, in another tab or in a comparison.
 *
 * Otherwise (what storage already holds: an earlier release kept whatever
 * IndexedDB can copy) the value is carried over as JSON would carry it: a
 * Date becomes its ISO string, a BigInt its digits, the rest is left out.
 * The user stays signed in, and from then on the record is JSON data too.
 */
export function jsonCopy(value: unknown, strict: boolean): unknown {
  const copied = copy(value, strict, [], new Set())
  return copied === LEFT_OUT ? undefined : copied
}

function copy(value: unknown, strict: boolean, path: Path, within: Set<object>): unknown {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : strict ? refuse(path, value, `expected a finite number, got ${value}`) : null
  if (typeof value === 'object') {
    if (!strict && isDate(value)) {
      const time = Date.prototype.getTime.call(value)
      return Number.isNaN(time) ? null : new Date(time).toISOString()
    }
    const array = Array.isArray(value)
    // What storage holds is carried over as JSON would: any other object by its own keys (a Map as {}).
    if (array || isPlainObject(value) || !strict) {
      if (within.has(value)) return strict ? refuse(path, value, 'the value contains itself (a cycle)') : LEFT_OUT
      if (path.length > MAX_DEPTH) return strict ? refuse(path, value, `nested more than ${MAX_DEPTH} levels deep`) : LEFT_OUT
      if (array && (value as unknown[]).length > MAX_ITEMS) return strict ? refuse(path, value, `an array longer than ${MAX_ITEMS} items`) : LEFT_OUT
      within.add(value)
      const out: Record<string, unknown> | unknown[] = array ? [] : {}
      const keys: Array<string | number> = array ? [...(value as unknown[]).keys()] : Object.keys(value)
      for (const key of keys) {
        path.push(key)
        const item = copy((value as Record<string | number, unknown>)[key], strict, path, within)
        path.pop()
        if (array) (out as unknown[]).push(item === LEFT_OUT || item === undefined ? null : item)
        else if (item === LEFT_OUT || item === undefined) continue
        else if (!(key in out)) (out as Record<string, unknown>)[key as string] = item
        // A key Object.prototype has ("__proto__", "constructor"): defined, not assigned, so it stays a key of
        // the copy (never its prototype) and works where the built-ins are frozen.
        else Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
      }
      within.delete(value)
      return out
    }
  }
  if (!strict && typeof value === 'bigint') return String(value)
  return strict ? refuse(path, value) : LEFT_OUT
}

function refuse(path: Path, value: unknown, detail?: string): never {
  throw new SessionParseError(
    'wrong-type',
    pathText(path),
    detail ?? `expected JSON data (strings, finite numbers, booleans, null, arrays, plain objects), got ${describe(value)}`,
  )
}
