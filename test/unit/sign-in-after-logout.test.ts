import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, RefreshError, type SessionSource, type SessionStore } from '../../src/index'
import { settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(() => destroyTabs())

const CALLBACK = 'https://app.example/callback'

/**
 * Two tabs of one browser. The source's sign-in answers session `sid-1`
 * (`new-token`), held at a gate once `gate()` is called, as if its code
 * exchange were under way; its refresh fails for good when `refreshFails`.
 */
async function world({ refreshFails = false, channel = true } = {}) {
  const shared = new Map<string, unknown>()
  const tabChannel = bus()
  const locks = createMemoryLocks()
  let release: () => void = () => {}
  let gated = false
  const source: SessionSource = {
    name: 'idp',
    refresh: async (session) => {
      if (refreshFails) throw new RefreshError('refresh-rejected', 'invalid_grant')
      return { session }
    },
    completeSignIn: async () => {
      if (gated) await new Promise<void>((resolve) => (release = resolve))
      return { session: makeSession({ sessionId: 'sid-1', accessToken: 'new-token' }) }
    },
  }
  const tab = async () =>
    (await startedTab({ persistence: createMemoryPersistence(shared), channel: channel ? tabChannel() : null, locks, logoutJournal: null, source })).store
  const [a, b] = [await tab(), await tab()]
  const statuses = () => [a.getState().status, b.getState().status]
  /** Tab B completes a sign-in while `meanwhile` runs in tab A (old login: `oldSid`); resolves with what B got. */
  const race = async (oldSid: string | null, meanwhile: (a: SessionStore) => Promise<unknown>) => {
    if (oldSid) await a.signIn(makeSession({ sessionId: oldSid, accessToken: 'old-token' }))
    await settle()
    gated = true
    const completing = b.completeLogin(CALLBACK).catch((error: unknown) => error)
    await settle()
    await meanwhile(a).catch(() => {})
    await settle()
    release()
    const outcome = await completing
    await settle()
    return outcome
  }
  return { shared, a, b, statuses, race }
}

/**
 * Tab B is completing a sign-in (its code exchange under way) when tab A signs
 * out of the same provider session (same sessionId). Landing after A's logout,
 * B's sign-in would bring the session back in every tab, with tokens the
 * provider has most likely revoked with its session. The logout, the user's
 * last word, stands; any other end of the old login does not stop the sign-in.
 */
describe('a sign-in completed while the old login of its session ended', () => {
  it('by another tab’s logout: refused with sign-in-failed; every tab stays signed out, storage keeps the logout', async () => {
    const w = await world()
    expect(await w.race('sid-1', (a) => a.logout())).toMatchObject({ code: 'sign-in-failed' })
    expect(w.statuses()).toEqual(['unauthenticated', 'unauthenticated'])
    expect(w.shared.get('session')).toMatchObject({ ended: true, session: { sessionId: 'sid-1', accessToken: '' } })
  })

  it('with nothing stored as the exchange began, a logout of that session stored meanwhile still stands', async () => {
    const w = await world()
    const signInAndOut = async (a: SessionStore) => (await a.signIn(makeSession({ sessionId: 'sid-1' })), a.logout())
    expect(await w.race(null, signInAndOut)).toMatchObject({ code: 'sign-in-failed' })
    expect(w.shared.get('session')).toMatchObject({ ended: true, session: { sessionId: 'sid-1', revokeReason: 'user-logout' } })
  })

  it.each([
    ['a logout of another provider session', 'sid-0', (a: SessionStore) => a.logout()],
    ['an idle timeout (no one’s logout)', 'sid-1', (a: SessionStore) => a.end('idle-timeout')],
  ])('by %s: the sign-in lands in every tab', async (_, oldSid, meanwhile) => {
    const w = await world()
    expect(await w.race(oldSid, meanwhile)).toMatchObject({ session: { sessionId: 'sid-1', accessToken: 'new-token' } })
    expect(w.statuses()).toEqual(['authenticated', 'authenticated'])
  })

  it('by a refresh failure (token-expired, often why the user signs in again): the sign-in lands', async () => {
    const w = await world({ refreshFails: true })
    const outcome = await w.race('sid-1', async (a) => {
      await a.refresh({ force: true }).catch(() => {})
      expect(w.shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'token-expired' } })
    })
    expect(outcome).toMatchObject({ session: { sessionId: 'sid-1', accessToken: 'new-token' } })
    expect(w.statuses()).toEqual(['authenticated', 'authenticated'])
  })
})

describe('a sign-in into a provider session signed out of before the exchange began (the provider kept it)', () => {
  it('lands', async () => {
    const w = await world()
    await w.a.signIn(makeSession({ sessionId: 'sid-1' }))
    await w.a.logout()
    await settle()
    await expect(w.b.completeLogin(CALLBACK)).resolves.toMatchObject({ session: { sessionId: 'sid-1' } })
    await settle()
    expect(w.statuses()).toEqual(['authenticated', 'authenticated'])
  })

  it('lands in a tab that never heard of that logout (no tab channel): storage is read before the exchange', async () => {
    const w = await world({ channel: false })
    await w.a.signIn(makeSession({ sessionId: 'sid-1' }))
    await w.a.logout()
    await settle()
    await expect(w.b.completeLogin(CALLBACK)).resolves.toMatchObject({ session: { sessionId: 'sid-1' } })
    expect(w.shared.get('session')).toMatchObject({ ended: false, session: { sessionId: 'sid-1' } })
  })
})
