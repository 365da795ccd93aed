import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type SessionSource } from '../../src/index'
import { settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(() => destroyTabs())

/**
 * Tab B is completing a sign-in (its code exchange under way) when tab A signs
 * out of the same provider session (same sessionId). Landing after A's logout,
 * B's sign-in would bring the session back in every tab, with tokens the
 * provider has most likely revoked with its session. The logout, the user's
 * last word, stands.
 */
function world() {
  const shared = new Map<string, unknown>()
  const channel = bus()
  const locks = createMemoryLocks()
  let release: () => void = () => {}
  let gated = false
  const source: SessionSource = {
    name: 'idp',
    refresh: async (session) => ({ session }),
    completeSignIn: async () => {
      if (gated) await new Promise<void>((resolve) => (release = resolve))
      return { session: makeSession({ sessionId: 'sid-1', accessToken: 'new-token' }) }
    },
  }
  const tab = () => startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), locks, logoutJournal: null, source })
  return { shared, tab, gate: () => (gated = true), release: () => release() }
}

describe('a sign-in completed while another tab signed out of the same session', () => {
  it('is refused with sign-in-failed; every tab stays signed out and storage keeps the logout', async () => {
    const w = world()
    const a = await w.tab()
    const b = await w.tab()
    await a.store.signIn(makeSession({ sessionId: 'sid-1' }))
    await settle()
    w.gate()
    const completing = b.store.completeLogin('https://app.example/callback').catch((error: unknown) => error)
    await settle()
    await a.store.logout()
    await settle()
    w.release()
    expect(await completing).toMatchObject({ code: 'sign-in-failed' })
    await settle()
    expect([a.store.getState().status, b.store.getState().status]).toEqual(['unauthenticated', 'unauthenticated'])
    expect(w.shared.get('session')).toMatchObject({ ended: true, session: { sessionId: 'sid-1', accessToken: '' } })
  })

  it('a sign-in into a provider session signed out of before it began (the provider kept it) lands', async () => {
    const w = world()
    const a = await w.tab()
    const b = await w.tab()
    await a.store.signIn(makeSession({ sessionId: 'sid-1' }))
    await a.store.logout()
    await settle()
    await expect(b.store.completeLogin('https://app.example/callback')).resolves.toMatchObject({ session: { sessionId: 'sid-1' } })
    await settle()
    expect([a.store.getState().status, b.store.getState().status]).toEqual(['authenticated', 'authenticated'])
  })

  it('a sign-in into another provider session, completed while the old one was signed out, lands', async () => {
    const w = world()
    const a = await w.tab()
    const b = await w.tab()
    await a.store.signIn(makeSession({ sessionId: 'sid-0' }))
    await settle()
    w.gate()
    const completing = b.store.completeLogin('https://app.example/callback')
    await settle()
    await a.store.logout()
    await settle()
    w.release()
    await expect(completing).resolves.toMatchObject({ session: { sessionId: 'sid-1' } })
    await settle()
    expect([a.store.getState().status, b.store.getState().status]).toEqual(['authenticated', 'authenticated'])
  })

  it('an idle timeout of the old login meanwhile is no logout: the sign-in lands', async () => {
    const w = world()
    const a = await w.tab()
    const b = await w.tab()
    await a.store.signIn(makeSession({ sessionId: 'sid-1' }))
    await settle()
    w.gate()
    const completing = b.store.completeLogin('https://app.example/callback')
    await settle()
    await a.store.end('idle-timeout')
    await settle()
    w.release()
    await expect(completing).resolves.toMatchObject({ session: { sessionId: 'sid-1', accessToken: 'new-token' } })
    await settle()
    expect([a.store.getState().status, b.store.getState().status]).toEqual(['authenticated', 'authenticated'])
  })

  it('with nothing stored as the exchange began, a logout of that session stored meanwhile still stands', async () => {
    const w = world()
    const a = await w.tab()
    const b = await w.tab()
    w.gate()
    const completing = b.store.completeLogin('https://app.example/callback').catch((error: unknown) => error)
    await settle()
    await a.store.signIn(makeSession({ sessionId: 'sid-1' }))
    await a.store.logout()
    await settle()
    w.release()
    expect(await completing).toMatchObject({ code: 'sign-in-failed' })
    expect(w.shared.get('session')).toMatchObject({ ended: true, session: { sessionId: 'sid-1', revokeReason: 'user-logout' } })
  })
})
