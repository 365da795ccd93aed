import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type AuthenticationSession, type SessionStore, type SessionUser } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { ManualWake } from '../support/refresh-browser'
import { makeSession } from '../support/sessions'

// A refresh that answers another user's session must end the login, not
// continue it as a 'refresh'. The id decides when both sides have one; a
// source whose answers lack the id is still checked on what they do carry.

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

async function refreshedTo(before: SessionUser, after: SessionUser) {
  const clock = new FakeClock()
  const signedIn = makeSession({ user: before, expiresAt: new Date(clock.now() + 60_000).toISOString() }, clock.now())
  const answer = (session: AuthenticationSession): AuthenticationSession => ({ ...session, user: after, accessToken: 'at-2', expiresAt: new Date(clock.now() + 600_000).toISOString() })
  const store = createSessionStore({
    clock,
    wake: new ManualWake(),
    channel: null,
    persistence: createMemoryPersistence(),
    locks: createMemoryLocks(),
    source: { name: 'custom', refresh: async (session) => ({ session: answer(session) }) },
  })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  await store.signIn(signedIn)
  const outcome = await store.refresh({ force: true }).then(() => 'refreshed', (error: { code?: string; providerError?: string }) => `${error.code}:${error.providerError}`)
  return { outcome, state: store.getState() }
}

describe("a refresh answering another user's session ends the login", () => {
  it.each<[string, SessionUser, SessionUser]>([
    ['ids differ', { id: 'u-1', email: 'a@example.com' }, { id: 'u-2', email: 'a@example.com' }],
    ['the answer has no id, and another username', { id: 'u-1', username: 'alice' }, { username: 'bob' }],
    ['the answer has no id, and another email', { id: 'u-1', email: 'alice@example.com' }, { email: 'bob@example.com' }],
    ['neither has an id, and the usernames differ', { username: 'alice' }, { username: 'bob' }],
  ])('%s', async (_, before, after) => {
    const { outcome, state } = await refreshedTo(before, after)
    expect(outcome).toBe('refresh-rejected:user_mismatch')
    expect(state).toMatchObject({ status: 'unauthenticated', session: { user: before, revokeReason: 'token-expired' } })
  })

  it.each<[string, SessionUser, SessionUser]>([
    ['the same id, a new email (the user changed it)', { id: 'u-1', email: 'old@example.com' }, { id: 'u-1', email: 'new@example.com' }],
    ['the answer has no id, and the same username', { id: 'u-1', username: 'alice' }, { username: 'alice' }],
    ['nothing to compare', { id: 'u-1' }, { name: 'Alice' }],
  ])('taken: %s', async (_, before, after) => {
    const { outcome, state } = await refreshedTo(before, after)
    expect(outcome).toBe('refreshed')
    expect(state).toMatchObject({ status: 'authenticated', session: { accessToken: 'at-2' } })
  })
})
