import type { AuthenticationSession } from './session'

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b)

/**
 * Three-way merge of a session: the fields `ours` changed since `base` win;
 * every other field comes from `theirs` (what storage holds now). Used where a
 * change made on one version of the record must land on a later one: a
 * refresh that raced activity writes, a change that could not be stored yet.
 */
export function mergeSession(base: AuthenticationSession, theirs: AuthenticationSession, ours: AuthenticationSession): AuthenticationSession {
  const merged: Record<string, unknown> = { ...theirs }
  const before = base as unknown as Record<string, unknown>
  const mine = ours as unknown as Record<string, unknown>
  for (const key of new Set([...Object.keys(before), ...Object.keys(mine)])) {
    if (!same(before[key], mine[key])) {
      if (mine[key] === undefined) delete merged[key]
      else merged[key] = mine[key]
    }
  }
  return merged as unknown as AuthenticationSession
}
