import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type AuthenticationSession, type SessionSource } from '../../src/index'
import { mergeSession } from '../../src/core/merge-session'
import { mapTokenResponse } from '../../src/oidc'
import { FakeClock, settle } from '../support/fake-clock'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

const MINUTE = 60_000
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'none' })}.${b64url(claims)}.sig`

/** A source doing what createOidcSource does on refresh: mapTokenResponse over the session it was asked with. Answers wait for `release()`. */
function oidcLikeSource(clock: FakeClock) {
  let serial = 1
  let gate: Promise<void> | null = null
  let release = () => {}
  const hold = () => (gate = new Promise<void>((resolve) => (release = resolve)))
  const source: SessionSource = {
    name: 'oidc-like',
    refresh: async (session) => {
      serial += 1
      const now = clock.now()
      const response = {
        access_token: `at-${serial}`,
        refresh_token: `rt-${serial}`,
        id_token: jwt({ sub: 'user-1', sid: session.sessionId, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 600, nonce: `n${serial}` }),
        token_type: 'Bearer',
        expires_at: Math.floor(now / 1000) + 600,
        profile: {},
      }
      const mapped = mapTokenResponse(response, { now, previous: session, deviceInfo: () => ({}), providerName: 'idp' })
      if (gate) await gate
      return mapped
    },
  }
  return { source, hold, release: () => release() }
}

describe('a refresh answer racing an app patch', () => {
  it('an update() of metadata that landed while an OIDC refresh was on the wire is not undone by the refresh answer', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { source, hold, release } = oidcLikeSource(clock)
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source })
    const now = clock.now()
    await store.signIn(
      makeSession(
        { accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: new Date(now + 10 * MINUTE).toISOString(), metadata: { protocol: 'oidc' } },
        now,
      ),
    )
    hold()
    const refreshing = store.refresh({ force: true })
    await settle() // the provider has answered; the answer is on its way back
    // The user saves a preference meanwhile; update() resolves true: it is stored.
    expect(await store.update({ metadata: { ...store.getState().session!.metadata, theme: 'dark' } })).toBe(true)
    expect((shared.get('session') as { session: AuthenticationSession }).session.metadata).toMatchObject({ theme: 'dark' })
    release()
    await refreshing
    await settle()
    const stored = (shared.get('session') as { session: AuthenticationSession }).session
    // What the user sees: the preference they saved (and were told was saved) silently disappears after the next
    // refresh, because the answer's metadata (rebuilt from the pre-refresh session plus new ID-token claims) replaces
    // the whole stored metadata object. Correct: the refresh's new tokens land AND the concurrent metadata change stays.
    expect({ refreshToken: stored.refreshToken, theme: stored.metadata?.theme }).toEqual({ refreshToken: 'rt-2', theme: 'dark' })
  })
})

describe('a refresh answer racing an app patch, on a session without metadata', () => {
  it('a refresh answer and an app patch that both add keys to an absent metadata object each keep their own', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    let release = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    // A custom source that notes, in metadata, when the tokens were last refreshed.
    const source: SessionSource = {
      name: 'custom',
      refresh: async (session) => {
        const answer = { ...session, accessToken: 'at-2', refreshToken: 'rt-2', metadata: { ...session.metadata, refreshedBy: 'custom' } }
        await gate // the provider answered; the answer is on its way back
        return { session: answer }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source })
    await store.signIn(makeSession({ accessToken: 'at-1', refreshToken: 'rt-1' }, clock.now())) // no metadata yet
    const refreshing = store.refresh({ force: true })
    await settle()
    // The user saves a preference meanwhile; update() resolves true: it is stored.
    expect(await store.update({ metadata: { theme: 'dark' } })).toBe(true)
    release()
    await refreshing
    await settle()
    const stored = (shared.get('session') as { session: AuthenticationSession }).session
    // What the user sees: the preference they saved (update() said true) is gone after the refresh, because the
    // merge only goes key by key when the object existed before the refresh; here it did not, so the answer's
    // metadata replaced the stored one whole. README: "when a refresh answer and a patch race, each keeps its own
    // changes, key by key inside metadata and the other objects". Correct: rt-2 and both metadata keys are stored.
    expect({ refreshToken: stored.refreshToken, metadata: stored.metadata }).toEqual({ refreshToken: 'rt-2', metadata: { theme: 'dark', refreshedBy: 'custom' } })
  })
})

describe('mergeSession', () => {
  const base = makeSession({ metadata: { protocol: 'oidc', iat: 1 }, user: { id: 'u1', username: 'ada', email: 'a@example.com' } })
  it('keeps both sides\' changes inside one object, key by key', () => {
    const theirs = { ...base, metadata: { ...base.metadata, theme: 'dark' } }
    const ours = { ...base, accessToken: 'new', metadata: { ...base.metadata, iat: 2 } }
    const merged = mergeSession(base, theirs, ours)
    expect(merged.accessToken).toBe('new')
    expect(merged.metadata).toEqual({ protocol: 'oidc', iat: 2, theme: 'dark' })
  })
  it('a key ours removed is removed; a key only theirs changed stays theirs; arrays are replaced whole', () => {
    const theirs = { ...base, user: { ...base.user, email: 'new@example.com' }, scopes: ['openid', 'api'] }
    const ours = { ...base, metadata: { protocol: 'oidc' }, scopes: ['openid'] }
    const merged = mergeSession(base, theirs, ours)
    expect(merged.metadata).toEqual({ protocol: 'oidc' })
    expect(merged.user.email).toBe('new@example.com')
    expect(merged.scopes).toEqual(['openid'])
  })
  it('an object absent on one side counts as empty: both sides keep their keys; a removed object keeps only ours\' changes', () => {
    const bare = makeSession()
    const merged = mergeSession(bare, { ...bare, metadata: { theme: 'dark' } }, { ...bare, metadata: { refreshedBy: 'custom' } })
    expect(merged.metadata).toEqual({ theme: 'dark', refreshedBy: 'custom' })
    const removed = mergeSession(base, { ...base, metadata: undefined }, { ...base, metadata: { ...base.metadata, iat: 2 } })
    expect(removed.metadata).toEqual({ iat: 2 })
  })
})
