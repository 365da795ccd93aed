import { afterEach, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type AuthenticationSession } from '../../src/index'
import { makeSession } from '../support/sessions'
import { startedStore, stopStartedStores } from '../support/started-store'

afterEach(stopStartedStores)

/**
 * An OpenID provider keeps its session id (`sid`, the record's sessionId)
 * across sign-ins into the same provider session: a step-up
 * (`login({ extraParams: { prompt: 'login', acr_values } })`) is a new login
 * with the same sessionId (seen with oidc-provider in test/e2e). A form
 * initialised from the session before it, saved after it as
 * `update({ ...copy, x })`, must not put the earlier login's authentication
 * (its time, MFA, acr) next to the new login's tokens.
 */
it('a copy from before a re-authentication into the same provider session does not land on the new login', async () => {
  const shared = new Map<string, unknown>()
  const { store } = await startedStore({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks() })
  await store.signIn(makeSession({ sessionId: 'sid-1', initiatedAt: '2026-01-01T10:00:00.000Z', isMfaVerified: false, authenticationMethod: { acr: 'pwd' } }))
  const copy = store.getState().session!
  // The step-up: the same provider session, a new authentication.
  await store.signIn(makeSession({ sessionId: 'sid-1', initiatedAt: '2026-01-01T11:00:00.000Z', isMfaVerified: true, authenticationMethod: { acr: 'mfa' } }))
  const stepUp = store.getState().session!

  expect(await store.update({ ...copy, metadata: { theme: 'dark' } })).toBe(false)
  const stored = (shared.get('session') as { session: AuthenticationSession }).session
  expect(stored).toEqual(stepUp)
  expect(store.getState().session).toEqual(stepUp)
})

it('a copy from before a refresh of the same login still lands (its tokens are ignored)', async () => {
  const shared = new Map<string, unknown>()
  const { store } = await startedStore({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks() })
  await store.signIn(makeSession({ sessionId: 'sid-1', initiatedAt: '2026-01-01T10:00:00.000Z' }))
  const copy = store.getState().session!
  // A refresh: new tokens, the same authentication.
  await store.update(() => ({ accessToken: 'at-refreshed', refreshToken: 'rt-refreshed' }))

  expect(await store.update({ ...copy, metadata: { theme: 'dark' } })).toBe(true)
  expect(store.getState().session).toMatchObject({ accessToken: 'at-refreshed', refreshToken: 'rt-refreshed', metadata: { theme: 'dark' } })
})

it('a hand-made patch naming another initiatedAt (no credentials, or the stored ones) still lands', async () => {
  const shared = new Map<string, unknown>()
  const { store } = await startedStore({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks() })
  await store.signIn(makeSession({ sessionId: 'sid-1', initiatedAt: '2026-01-01T10:00:00.000Z', isMfaVerified: false }))
  const { accessToken } = store.getState().session!
  // The app's own step-up (a second factor checked by its API): a new authentication time, not a copy of another login.
  expect(await store.update({ initiatedAt: '2026-01-01T10:30:00.000Z', isMfaVerified: true, accessToken })).toBe(true)
  expect((shared.get('session') as { session: AuthenticationSession }).session).toMatchObject({ initiatedAt: '2026-01-01T10:30:00.000Z', isMfaVerified: true })
  // The same instant written otherwise is the same authentication time: a copy of this login, minus its (other) credentials, lands.
  expect(await store.update({ initiatedAt: '2026-01-01T10:30:00Z', accessToken: 'other', metadata: { theme: 'dark' } })).toBe(true)
  expect(store.getState().session).toMatchObject({ accessToken, metadata: { theme: 'dark' } })
})
