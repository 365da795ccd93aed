import { describe, expect, it } from 'vitest'
import { keepEqual } from '../../src/core/keep-equal'

describe('keepEqual: what a record read back did not change stays the object shown', () => {
  const user = { id: 'u1', username: 'alice', roles: ['a', 'b'] }
  const shown = { sessionId: 's1', user, scopes: ['openid'], lastActivityAt: '2026-01-01T00:00:00.000Z' }

  it('an equal clone is the shown object itself', () => {
    expect(keepEqual(shown, structuredClone(shown))).toBe(shown)
  })

  it('a changed field gives a new object whose unchanged parts are the shown ones', () => {
    const next = keepEqual(shown, { ...structuredClone(shown), lastActivityAt: '2026-01-01T00:01:00.000Z' })
    expect(next).not.toBe(shown)
    expect(next.user).toBe(user)
    expect(next.scopes).toBe(shown.scopes)
    expect(next.lastActivityAt).toBe('2026-01-01T00:01:00.000Z')
  })

  it('a removed, added or prototype-named key, or a shorter array, is a change', () => {
    const { scopes: _removed, ...withoutScopes } = structuredClone(shown)
    expect(keepEqual(shown, withoutScopes)).toEqual(withoutScopes)
    expect(keepEqual(shown, withoutScopes)).not.toBe(shown)
    const added = { ...structuredClone(shown), toString: 'x' }
    expect(keepEqual(shown, added)).toEqual(added)
    const fewerRoles = { ...structuredClone(shown), user: { ...user, roles: ['a'] } }
    const kept = keepEqual(shown, fewerRoles)
    expect(kept.user.roles).toEqual(['a'])
    expect(kept.user).not.toBe(user)
  })

  it('null, numbers and NaN compare by Object.is; non-plain objects are taken as new', () => {
    expect(keepEqual(null, { a: 1 })).toEqual({ a: 1 })
    expect(keepEqual({ a: Number.NaN }, { a: Number.NaN })).toEqual({ a: Number.NaN })
    const date = new Date(0)
    expect(keepEqual({ d: new Date(0) }, { d: date }).d).toBe(date)
  })
})
