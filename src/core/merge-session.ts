import { isPlainObject } from './json-data'
import type { AuthenticationSession } from './session'

export const same = (a: unknown, b: unknown) => {
  if (a === b) return true
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false // a BigInt or a cycle in a patch: parseSession then refuses it, naming its path
  }
}

const objectOrAbsent = (value: unknown) => value === undefined || isPlainObject(value)

/** The keys `mine` changed since `before` win, key by key, inside objects too; the rest comes from `theirs`. */
function mergeFields(before: Record<string, unknown>, theirs: Record<string, unknown>, mine: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...theirs }
  for (const key of new Set([...Object.keys(before), ...Object.keys(mine)])) {
    if (same(before[key], mine[key])) continue
    if (mine[key] === undefined) delete merged[key]
    // Both sides changed inside the same object (a refresh's new ID-token claims
    // in `metadata`, an app's own key there): each keeps its own changes. An
    // object absent on one side counts as empty.
    else if (isPlainObject(mine[key]) && objectOrAbsent(before[key]) && objectOrAbsent(theirs[key])) {
      merged[key] = mergeFields((before[key] ?? {}) as Record<string, unknown>, (theirs[key] ?? {}) as Record<string, unknown>, mine[key])
    }
    else merged[key] = mine[key]
  }
  return merged
}

/**
 * Three-way merge of a session: the fields `ours` changed since `base` win
 * (inside nested objects, key by key); every other field comes from
 * `theirs` (what storage holds now). Used where a
 * change made on one version of the record must land on a later one: a
 * refresh that raced activity writes, a change that could not be stored yet.
 */
export function mergeSession(base: AuthenticationSession, theirs: AuthenticationSession, ours: AuthenticationSession): AuthenticationSession {
  type Fields = Record<string, unknown>
  return mergeFields(base as unknown as Fields, theirs as unknown as Fields, ours as unknown as Fields) as unknown as AuthenticationSession
}
