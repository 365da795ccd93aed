import { isPlainObject } from './json-data'

/**
 * `next`, with every part equal to the same part of `previous` replaced by
 * that part of `previous` (the whole of it when all is equal). A record read
 * back from storage is a structured clone: without this, every object in it
 * (the user, the scopes, the device) would be new after each write, and a
 * component selecting one would re-render on every activity write, in every
 * tab, though nothing it shows changed (DESIGN invariant 6). For JSON data:
 * plain objects and arrays are compared by content, anything else by Object.is.
 */
export function keepEqual<T>(previous: unknown, next: T): T {
  if (Object.is(previous, next)) return next
  if (Array.isArray(previous) && Array.isArray(next)) {
    const merged = next.map((item, i) => (i < previous.length ? keepEqual(previous[i], item) : item))
    return (merged.length === previous.length && merged.every((item, i) => Object.is(item, previous[i])) ? previous : merged) as T
  }
  if (!isPlainObject(previous) || !isPlainObject(next)) return next
  const keys = Object.keys(next)
  let same = keys.length === Object.keys(previous).length
  const merged: Record<string, unknown> = {}
  for (const key of keys) {
    // hasOwnProperty, not Object.hasOwn (Safari before 15.4 lacks it): a key named like Object.prototype's is no match.
    const had = Object.prototype.hasOwnProperty.call(previous, key)
    const kept = had ? keepEqual(previous[key], next[key]) : next[key]
    merged[key] = kept
    if (!had || !Object.is(kept, previous[key])) same = false
  }
  // A new object only when something in it changed; its parts that did not are the ones shown before.
  return (same ? previous : merged) as T
}
