import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { idbRaw, startedStore as started, stopStartedStores, trackStore } from '../support/started-store'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(() => {
  stopStartedStores()
  vi.unstubAllGlobals()
})

describe('session store', () => {
  it('starts loading, hydrates to unauthenticated when nothing is stored', async () => {
    const store = createSessionStore({ dbName: uniqueDbName(), channel: null })
    trackStore(store)
    expect(store.getState().status).toBe('loading')
    expect(store.hasHydrated()).toBe(false)
    store.start()
    await store.whenHydrated()
    expect(store.hasHydrated()).toBe(true)
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null, error: null })
  })

  it('signs in, persists to IndexedDB with a generation, and a new store hydrates it', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    const session = makeSession()
    await store.signIn(session)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session })
    expect(await idbRaw(dbName)).toMatchObject({ version: 1, generation: 1, ended: false, session })

    const { store: reloaded } = await started({ dbName })
    expect(reloaded.getState()).toMatchObject({ status: 'authenticated', session })
  })

  it('rejects an invalid session at sign-in and stores nothing', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await expect(store.signIn({ ...makeSession(), expiresAt: 'soon' })).rejects.toMatchObject({ code: 'invalid-datetime' })
    expect(await idbRaw(dbName)).toBeUndefined()
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('updates with a patch or a function and bumps the generation', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession())
    expect(await store.update({ isMfaVerified: true, mfaVerifiedAt: '2026-01-01T00:00:00Z' })).toBe(true)
    expect(await store.update((s) => ({ scopes: [...(s.scopes ?? []), 'api:write'] }))).toBe(true)
    expect(store.getState().session).toMatchObject({ isMfaVerified: true, scopes: ['openid', 'profile', 'api:write'] })
    expect(await idbRaw(dbName)).toMatchObject({ generation: 3, session: { isMfaVerified: true } })
  })

  it('refuses an update that would make the session invalid', async () => {
    const { store } = await started({ dbName: uniqueDbName() })
    await store.signIn(makeSession())
    await expect(store.update({ status: 'sleeping' as never })).rejects.toMatchObject({ code: 'not-in-union', path: 'status' })
    expect(store.getState().session?.status).toBe('active')
  })

  it('ends the session with a tombstone: reason kept, every token removed from storage', async () => {
    const dbName = uniqueDbName()
    const now = Date.parse('2026-03-01T10:00:00Z')
    const clock = { now: () => now, setTimeout, clearTimeout }
    const { store } = await started({ dbName, clock })
    await store.signIn(makeSession())
    await store.end('user-logout')
    const state = store.getState()
    expect(state.status).toBe('unauthenticated')
    expect(state.session).toMatchObject({ status: 'revoked', revokedAt: '2026-03-01T10:00:00.000Z', revokeReason: 'user-logout' })
    const raw = (await idbRaw(dbName)) as { generation: number; ended: boolean; session: Record<string, unknown> }
    expect(raw).toMatchObject({ generation: 2, ended: true })
    expect(raw.session.accessToken).toBe('')
    expect(raw.session).not.toHaveProperty('refreshToken')
    expect(raw.session).not.toHaveProperty('idToken')
    expect(JSON.stringify(raw)).not.toContain('secret')
  })

  it.each([
    ['idle-timeout', 'terminated'],
    ['token-expired', 'expired'],
    ['admin-revoke', 'revoked'],
  ] as const)('ending for %s sets record status %s', async (reason, status) => {
    const { store } = await started({ dbName: uniqueDbName() })
    await store.signIn(makeSession())
    await store.end(reason)
    expect(store.getState().session).toMatchObject({ status, revokeReason: reason })
  })

  it('clear removes the session entirely', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession())
    await store.clear()
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null })
    expect(await idbRaw(dbName)).toMatchObject({ session: null, ended: false, generation: 2 })
  })

  it('derives the calculated fields from the injected clock', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z')
    const clock = { now: () => now, setTimeout, clearTimeout }
    const { store } = await started({ dbName: uniqueDbName(), clock })
    expect(store.derived()).toBeNull()
    await store.signIn(
      makeSession({ initiatedAt: '2026-03-01T09:00:00Z', lastActivityAt: '2026-03-01T09:50:00Z', expiresAt: '2026-03-01T11:00:00Z' }),
    )
    expect(store.derived()).toEqual({ isExpired: false, durationMinutes: 60, idleMinutes: 10 })
    now = Date.parse('2026-03-01T11:30:00Z')
    expect(store.derived()).toEqual({ isExpired: true, durationMinutes: 120, idleMinutes: 100 })
  })

  describe('activity', () => {
    it('updates lastActivityAt in memory and writes it at a bounded rate', async () => {
      const dbName = uniqueDbName()
      let now = Date.parse('2026-03-01T10:00:00Z')
      const clock = { now: () => now, setTimeout, clearTimeout }
      const { store } = await started({ dbName, clock, activityWriteIntervalMs: 60_000 })
      await store.signIn(makeSession({ lastActivityAt: '2026-03-01T09:00:00Z' }))
      store.recordActivity()
      await vi.waitFor(async () =>
        expect(await idbRaw(dbName)).toMatchObject({ generation: 2, session: { lastActivityAt: '2026-03-01T10:00:00.000Z' } }),
      )
      for (let i = 0; i < 50; i += 1) {
        now += 1000
        store.recordActivity()
      }
      expect(store.getState().session?.lastActivityAt).toBe('2026-03-01T10:00:50.000Z')
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(await idbRaw(dbName)).toMatchObject({ generation: 2 })
      now += 10_000
      store.recordActivity()
      await vi.waitFor(async () => expect(await idbRaw(dbName)).toMatchObject({ generation: 3 }))
    })

    it('ignores activity older than what is recorded, and activity while signed out', async () => {
      const { store } = await started({ dbName: uniqueDbName() })
      store.recordActivity()
      expect(store.getState().session).toBeNull()
      await store.signIn(makeSession({ lastActivityAt: '2030-01-01T00:00:00Z' }))
      store.recordActivity(Date.parse('2029-01-01T00:00:00Z'))
      expect(store.getState().session?.lastActivityAt).toBe('2030-01-01T00:00:00Z')
    })
  })
})

describe('generation rules (two stores on one database)', () => {
  it('a writer holding an older generation is refused and adopts the newer record', async () => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    const session = makeSession()
    await a.signIn(session)
    const { store: b, events: eventsB } = await started({ dbName })
    expect(b.getState().session?.sessionId).toBe(session.sessionId)

    await a.update(() => ({ tokenType: 'DPoP' })) // generation 2, b still holds 1
    // b ends with a precondition on the generation it holds: refused.
    await b.end('token-expired', { expectedGeneration: 1 })
    expect(eventsB).toContainEqual({ type: 'write-refused', reason: 'end', heldGeneration: 1, currentGeneration: 2 })
    expect(b.getState()).toMatchObject({ status: 'authenticated', session: { tokenType: 'DPoP' } })
    expect(await idbRaw(dbName)).toMatchObject({ generation: 2, ended: false })
  })

  it('a stale tab cannot resurrect a session after another tab ended it', async () => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    await a.signIn(makeSession())
    const { store: b } = await started({ dbName })
    await a.end('user-logout') // tombstone, generation 2; b has not heard
    expect(b.getState().status).toBe('authenticated')

    const written = await b.update(() => ({ accessToken: 'fresh-from-a-late-refresh' }))
    expect(written).toBe(false)
    expect(b.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    const raw = await idbRaw(dbName)
    expect(raw).toMatchObject({ generation: 2, ended: true })
    expect(JSON.stringify(raw)).not.toContain('fresh-from-a-late-refresh')
  })

  it('a patch never lands on a different, newer sign-in', async () => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    await a.signIn(makeSession({ user: { username: 'first' } }))
    const { store: b } = await started({ dbName })
    await a.signIn(makeSession({ user: { username: 'second' } }))
    expect(await b.update({ isMfaVerified: true })).toBe(false)
    expect(b.getState().session?.user.username).toBe('second')
    expect(b.getState().session?.isMfaVerified).toBe(false)
  })

  it('generations only grow, even across clear and sign-in', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    const seen: number[] = []
    store.on((event) => event.type === 'change' && seen.push(event.generation))
    await store.signIn(makeSession())
    await store.end('user-logout')
    await store.clear()
    await store.signIn(makeSession())
    expect(seen).toEqual([1, 2, 3, 4])
  })

  it('many concurrent writers on one database lose no update', async () => {
    const dbName = uniqueDbName()
    const { store: first } = await started({ dbName })
    await first.signIn(makeSession({ scopes: [] }))
    const tabs = await Promise.all([1, 2, 3, 4].map(() => started({ dbName }).then(({ store }) => store)))
    await Promise.all(
      tabs.flatMap((tab, t) =>
        [0, 1, 2, 3, 4].map((i) => tab.update((s) => ({ scopes: [...(s.scopes ?? []), `t${t}-${i}`] }))),
      ),
    )
    const raw = (await idbRaw(dbName)) as { generation: number; session: { scopes: string[] } }
    expect(raw.session.scopes).toHaveLength(20)
    expect(raw.generation).toBe(21)
  })
})

describe('start/stop', () => {
  it('is ref-counted and survives a StrictMode-style stop/start in one task', async () => {
    const reads = vi.fn()
    const memory = createMemoryPersistence()
    const store = createSessionStore({ persistence: { ...memory, read: async () => (reads(), undefined) }, channel: null })
    trackStore(store)
    const stop1 = store.start()
    stop1()
    const stop2 = store.start()
    await store.whenHydrated()
    expect(reads).toHaveBeenCalledTimes(1)
    stop2()
    stop2()
  })

  it('a stop from before destroy() does not unbalance later starts', async () => {
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
    trackStore(store)
    const early = store.start()
    store.destroy()
    early()
    expect(() => store.start()).not.toThrow()
  })
})
