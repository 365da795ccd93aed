import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type AuthenticationSession, type SessionSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { idbRaw, startedStore as started, stopStartedStores } from '../support/started-store'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(destroyTabs)
afterEach(stopStartedStores)

/**
 * A provider that does not rotate refresh tokens but gives them a sliding
 * idle window (30 min from each use), as the OIDC mapping stores it when a
 * refresh answer has refresh_expires_in but no refresh_token.
 */
function slidingServer(clock: FakeClock) {
  const counts = { refreshes: 0, serial: 1 }
  const source: SessionSource = {
    name: 'sliding',
    completeSignIn: async () => {
      throw new Error('unused')
    },
    refresh: async (session) => {
      counts.refreshes += 1
      counts.serial += 1
      const now = clock.serverNow()
      return {
        session: {
          ...session,
          accessToken: `at-${counts.serial}`,
          expiresAt: new Date(now + 10 * MINUTE).toISOString(),
          refreshTokenExpiresAt: new Date(now + 30 * MINUTE).toISOString(), // same refresh token, window slides
        },
        clockSkewMs: 0,
      }
    },
  }
  const signIn = () => {
    const now = clock.serverNow()
    return makeSession(
      {
        accessToken: 'at-1',
        refreshToken: 'rt-fixed',
        initiatedAt: new Date(now).toISOString(),
        lastActivityAt: new Date(now).toISOString(),
        expiresAt: new Date(now + 10 * MINUTE).toISOString(),
        refreshTokenExpiresAt: new Date(now + 30 * MINUTE).toISOString(),
      },
      now,
    )
  }
  return { source, signIn, counts }
}

/** update() with an object patch made on a copy of the session that is no longer the stored one. */
describe('patches from an older copy', () => {
  it('a patch spread from a stale copy lands only what it changes: the newer tokens stay', async () => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    await a.signIn(makeSession({ accessToken: 'at-1', refreshToken: 'rt-1' }))
    const { store: b } = await started({ dbName })
    await a.update(() => ({ accessToken: 'at-2', refreshToken: 'rt-2' })) // a refresh in a; b still shows rt-1
    expect(await b.update({ ...b.getState().session!, metadata: { theme: 'dark' } })).toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ generation: 3, session: { accessToken: 'at-2', refreshToken: 'rt-2', metadata: { theme: 'dark' } } })
    expect(b.getState().session).toMatchObject({ refreshToken: 'rt-2', metadata: { theme: 'dark' } })
  })

  it('a field a patch names lands as given, even set back to what this tab showed', async () => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    await a.signIn(makeSession({ isMfaVerified: false }))
    const { store: b } = await started({ dbName })
    expect(await b.update({ isMfaVerified: true, mfaVerifiedAt: '2026-11-23T12:00:00Z' })).toBe(true) // a has not heard
    expect(await a.update({ isMfaVerified: false })).toBe(true) // a's MFA policy steps the session down
    expect(await idbRaw(dbName)).toMatchObject({ session: { isMfaVerified: false } })
    expect(a.getState().session?.isMfaVerified).toBe(false)
  })

  it('a copy taken before this tab refreshed does not put the spent refresh token back', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source: server.source() })
    await store.signIn(server.signInSession())
    // App code: read the session, call an API (getting a token may refresh), save something on the session.
    const shown = store.getState().session!
    clock.sleep(11 * MINUTE)
    await store.getAccessToken() // refreshes: rt-1 -> rt-2
    await store.update({ ...shown, ipAddress: '192.0.2.9' })
    const stored = shared.get('session') as { session: { refreshToken: string; accessToken: string } }
    await store.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ storedAfterUpdate: stored.session.refreshToken, invalidGrants: server.invalidGrants, status: store.getState().status }).toEqual({
      storedAfterUpdate: 'rt-2',
      invalidGrants: 0,
      status: 'authenticated',
    })
  })

  it('a new token an app sets with a function patch lands', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession({ accessToken: 'at-1' }))
    expect(await store.update(() => ({ accessToken: 'at-from-my-exchange' }))).toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ session: { accessToken: 'at-from-my-exchange' } })
  })

  it('a copy read at mount, saved after a workday of refreshes, does not put back the spent refresh token', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating, access tokens live 10 minutes; reuse revokes the family
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source: server.source() })
    await store.signIn(server.signInSession())
    // App code: a settings form initialised from the session when it mounted.
    const shown = store.getState().session!
    // The tab stays open for a working day; the scheduler refreshes every ~8 minutes.
    for (let i = 0; i < 60; i += 1) await clock.advance(8 * MINUTE)
    expect(server.refreshes).toBeGreaterThan(50)
    // The user saves the form: `{ ...session, x }` from the copy it was initialised with.
    await store.update({ ...shown, ipAddress: '192.0.2.9' })
    const stored = (shared.get('session') as { session: { refreshToken: string } }).session.refreshToken
    await store.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ storedIsSpentRt1: stored === 'rt-1', invalidGrants: server.invalidGrants, status: store.getState().status }).toEqual({
      storedIsSpentRt1: false,
      invalidGrants: 0,
      status: 'authenticated',
    })
  })

  it('a copy from before a new sign-in (another tab, another account) does not overwrite the new session', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const locks = createMemoryLocks()
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks, source: server.source() })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks, source: server.source() })
    await a.signIn(server.signInSession({ user: { id: 'alice', username: 'alice' } }))
    await settle()
    // Tab a: a form initialised from the session (alice's).
    const shown = a.getState().session!
    // Tab b: the user switches account (a new sign-in, a new sessionId).
    await b.signIn(server.signInSession({ user: { id: 'bob', username: 'bob' } }))
    await settle()
    expect(a.getState().session?.user.id).toBe('bob') // a shows bob now
    // Tab a's form is saved.
    await a.update({ ...shown, metadata: { theme: 'dark' } })
    await settle()
    const stored = (shared.get('session') as { session: { user: { id: string }; refreshToken: string } }).session
    expect({ user: stored.user.id, refreshToken: stored.refreshToken, bShows: b.getState().session?.user.id }).toEqual({
      user: 'bob',
      refreshToken: 'rt-2', // bob's sign-in
      bShows: 'bob',
    })
  })

  it('a function patch switching to a narrower token lands whole: token, scopes and type', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source: server.source() })
    await store.signIn(server.signInSession({ scopes: ['openid'], tokenType: 'Bearer' }))
    // Step-up: the app exchanges for an admin, sender-constrained token.
    expect(await store.update(() => ({ accessToken: 'at-admin', scopes: ['openid', 'admin'], tokenType: 'DPoP' }))).toBe(true)
    // Step-down: a fresh ordinary token.
    expect(await store.update(() => ({ accessToken: 'at-plain', scopes: ['openid'], tokenType: 'Bearer' }))).toBe(true)
    const stored = (shared.get('session') as { session: { accessToken: string; scopes: string[]; tokenType: string } }).session
    expect({ accessToken: stored.accessToken, scopes: stored.scopes, tokenType: stored.tokenType }).toEqual({
      accessToken: 'at-plain',
      scopes: ['openid'],
      tokenType: 'Bearer',
    })
  })

  it('an object naming only credentials writes nothing and resolves false', async () => {
    const dbName = uniqueDbName()
    const { store, events } = await started({ dbName })
    await store.signIn(makeSession({ accessToken: 'at-1' }))
    events.length = 0
    expect(await store.update({ accessToken: 'at-from-my-exchange' })).toBe(false)
    expect(await idbRaw(dbName)).toMatchObject({ generation: 1, session: { accessToken: 'at-1' } })
    expect(events.filter((event) => event.type === 'change')).toEqual([])
  })

  it('an object patch from an older copy never moves lastActivityAt back (idle time would jump)', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName, activityWriteIntervalMs: 0 })
    const signedIn = makeSession({ lastActivityAt: '2026-11-23T12:00:00Z' })
    await store.signIn(signedIn)
    store.recordActivity(Date.parse('2026-11-23T12:30:00Z'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await store.update({ ...signedIn, ipAddress: '192.0.2.9' })).toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ session: { lastActivityAt: '2026-11-23T12:30:00.000Z', ipAddress: '192.0.2.9' } })
  })

  it('an unreadable lastActivityAt in an object patch is refused with a typed error, not dropped', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession())
    await expect(store.update({ lastActivityAt: 'not-a-date', ipAddress: '192.0.2.9' })).rejects.toMatchObject({ path: 'lastActivityAt' })
    expect(await idbRaw(dbName)).toMatchObject({ generation: 1 })
  })

  it('a function patch returning nothing still writes (only an object emptied of credentials does not)', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession())
    expect(await store.update(() => ({}))).toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ generation: 2 })
  })

  it('no patch, object or function, moves the record to another sessionId', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession({ sessionId: 'sess-a' }))
    expect(await store.update({ sessionId: 'sess-b', ipAddress: '192.0.2.9' })).toBe(false)
    expect(await store.update(() => ({ sessionId: 'sess-b' }))).toBe(false)
    expect(await idbRaw(dbName)).toMatchObject({ generation: 1, session: { sessionId: 'sess-a' } })
  })

  it('an object patch leaves credentials as stored, whatever values it names', async () => {
    const dbName = uniqueDbName()
    const { store } = await started({ dbName })
    await store.signIn(makeSession({ accessToken: 'at-1', scopes: ['openid'] }))
    expect(await store.update({ accessToken: 'at-other', scopes: ['openid', 'admin'], ipAddress: '192.0.2.9' })).toBe(true)
    expect(await idbRaw(dbName)).toMatchObject({ session: { accessToken: 'at-1', scopes: ['openid'], ipAddress: '192.0.2.9' } })
  })

  // A provider with a sliding refresh window: each refresh moves the expiries on, the tokens may stay.
  it.each([
    ['as read', (copy: AuthenticationSession): Partial<AuthenticationSession> => copy],
    ['with its tokens stripped (an app being careful)', ({ accessToken: _a, refreshToken: _r, ...rest }: AuthenticationSession) => rest],
  ])('a copy read before refreshes, saved %s, does not put back the expiries they slid forward', async (_, saved) => {
    const clock = new FakeClock()
    const server = slidingServer(clock)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source: server.source })
    await store.signIn(server.signIn())
    const shown = store.getState().session! // a settings form initialised when it mounted
    for (let i = 0; i < 3; i += 1) await clock.advance(8 * MINUTE) // the scheduler refreshes; the windows slide
    expect(server.counts.refreshes).toBeGreaterThan(1)
    const now = store.getState().session!
    expect(await store.update({ ...saved(shown), ipAddress: '192.0.2.9' })).toBe(true) // the user saves the form
    const stored = (shared.get('session') as { session: AuthenticationSession }).session
    // The laptop sleeps 14 minutes: inside the slid 30-minute window, past the one the copy carried.
    clock.sleep(14 * MINUTE)
    await clock.advance(MINUTE) // the overdue refresh timer fires
    expect({ expiresAt: stored.expiresAt, refreshTokenExpiresAt: stored.refreshTokenExpiresAt, status: store.getState().status }).toEqual({
      expiresAt: now.expiresAt,
      refreshTokenExpiresAt: now.refreshTokenExpiresAt,
      status: 'authenticated',
    })
  })

  it("a copy from another tab (app's own cross-tab state) does not put back a refresh token spent there", async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock) // rotating; reuse of a spent refresh token revokes the family
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, source: server.source() })
    await a.signIn(server.signInSession())
    await b.reconcile()
    await b.refresh({ force: true }) // rt-1 -> rt-2
    // The app keeps its own cross-tab copy of the session (a draft synced through localStorage, say): written by b now.
    const draftFromB = structuredClone(b.getState().session!)
    clock.sleep(6000)
    await b.refresh({ force: true }) // rt-2 -> rt-3; a (a background tab) has not read storage since rt-1
    // Tab a saves the draft.
    expect(await a.update({ ...draftFromB, ipAddress: '192.0.2.9' })).toBe(true)
    const stored = (shared.get('session') as { session: { refreshToken: string } }).session.refreshToken
    await a.refresh({ force: true }).catch(() => {})
    await settle()
    expect({ stored, invalidGrants: server.invalidGrants, a: a.getState().status }).toEqual({ stored: 'rt-3', invalidGrants: 0, a: 'authenticated' })
  })
})
