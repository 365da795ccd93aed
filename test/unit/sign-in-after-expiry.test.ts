import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, RefreshError, type SessionSource } from '../../src/index'
import { settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(() => destroyTabs())

/**
 * The user signs in again into the same provider session (same sid) because
 * the old login's refresh token is dying; while the new code exchange is out,
 * a tab's refresh of the OLD login fails definitively and ends it
 * ('token-expired'). That end is no one's logout: it ended the old tokens,
 * not the provider session, and the new sign-in's tokens are good. Refusing
 * it signs the user out right after they signed in.
 */
describe('a sign-in completed while the old login of the same session ended on its own', () => {
  it('lands when a refresh failure (token-expired) ended the old login meanwhile', async () => {
    const shared = new Map<string, unknown>()
    const channel = bus()
    const locks = createMemoryLocks()
    let release: () => void = () => {}
    let gated = false
    const source: SessionSource = {
      name: 'idp',
      refresh: async () => {
        throw new RefreshError('refresh-rejected', 'invalid_grant')
      },
      completeSignIn: async () => {
        if (gated) await new Promise<void>((resolve) => (release = resolve))
        return { session: makeSession({ sessionId: 'sid-1', accessToken: 'new-token', refreshToken: 'new-refresh' }) }
      },
    }
    const tab = () => startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), locks, logoutJournal: null, source })
    const a = await tab()
    const b = await tab()
    await a.store.signIn(makeSession({ sessionId: 'sid-1', accessToken: 'old-token', refreshToken: 'old-refresh' }))
    await settle()
    gated = true
    const completing = b.store.completeLogin('https://app.example/callback').catch((error: unknown) => error)
    await settle()
    await a.store.refresh({ force: true }).catch(() => {})
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'token-expired' } })
    release()
    expect(await completing).toMatchObject({ session: { sessionId: 'sid-1', accessToken: 'new-token' } })
    await settle()
    expect([a.store.getState().status, b.store.getState().status]).toEqual(['authenticated', 'authenticated'])
  })
  it('reads storage before the exchange: a logout stored before it began, unseen by this tab (no tab channel), does not refuse it', async () => {
    const shared = new Map<string, unknown>()
    const source: SessionSource = {
      name: 'cookie',
      refresh: async (session) => ({ session }),
      completeSignIn: async () => ({ session: makeSession({ sessionId: 'sid-1', accessToken: '' }) }),
    }
    const tab = () => startedTab({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks(), logoutJournal: null, source })
    const a = await tab()
    const b = await tab() // hydrated before A's sign-in: holds nothing, hears nothing
    await a.store.signIn(makeSession({ sessionId: 'sid-1' }))
    await a.store.logout()
    await settle()
    await expect(b.store.completeLogin('https://app.example/callback')).resolves.toMatchObject({ session: { sessionId: 'sid-1' } })
    expect(shared.get('session')).toMatchObject({ ended: false, session: { sessionId: 'sid-1' } })
  })
})
