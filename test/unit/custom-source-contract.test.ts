import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryLocks, createMemoryPersistence, parseSession, RefreshError, type AuthenticationSession, type SessionEvent, type SessionSource } from '../../src/index'
import { caught } from '../support/caught'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

// What a hand-written source (a cookie or SAML backend behind the app's own
// endpoint) meets: what it throws reaches the app typed, an answer that is
// not an active session is never stored as one, and it can say why a
// session ended.

afterEach(() => destroyTabs())

const tab = async (source: Partial<SessionSource>, shared = new Map<string, unknown>()) => {
  const full: SessionSource = { name: 'cookie', refresh: async (session) => ({ session }), ...source }
  const { store } = await startedTab({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks(), logoutJournal: null, source: full })
  const events: SessionEvent[] = []
  store.on((event) => events.push(event))
  return { store, shared, events }
}

describe('errors a source throws reach the app as typed errors', () => {
  it('login(): a plain error becomes sign-in-failed, the original as its cause', async () => {
    const offline = new TypeError('Failed to fetch')
    const { store } = await tab({ startSignIn: async () => Promise.reject(offline) })
    await expect(store.login()).rejects.toMatchObject({ name: 'AuthSessionError', code: 'sign-in-failed', message: 'The sign-in could not be started: Failed to fetch', cause: offline })
  })

  it('completeLogin(): a plain error becomes sign-in-failed; one already typed passes as it is', async () => {
    const typed = new AuthSessionError('sign-in-failed', 'access_denied')
    const answers = [new Error('HTTP 502'), typed]
    const { store } = await tab({ completeSignIn: async () => Promise.reject(answers.shift()) })
    await expect(store.completeLogin('https://app.example/cb?1')).rejects.toMatchObject({ code: 'sign-in-failed', message: 'The sign-in could not be completed: HTTP 502' })
    await expect(store.completeLogin('https://app.example/cb?2')).rejects.toBe(typed)
  })

  it('a store without the method still says no-source', async () => {
    const { store } = await tab({})
    await expect(store.login()).rejects.toMatchObject({ code: 'no-source' })
    await expect(store.completeLogin('https://app.example/cb')).rejects.toMatchObject({ code: 'no-source' })
  })
})

describe('a session that is not active', () => {
  const revoked = () => ({ ...makeSession({ accessToken: 'at-after-revoke' }), status: 'revoked' as const })

  it('from completeSignIn: sign-in-failed, and nothing stored', async () => {
    const { store, shared } = await tab({ completeSignIn: async () => ({ session: revoked() }) })
    const failure = await store.completeLogin('https://app.example/cb').catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'sign-in-failed', cause: { code: 'not-in-union', path: 'status' } })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: null })
    expect(shared.get('session')).toBeUndefined()
  })

  it('from refresh: the session stays active and is retried (refresh-server); no token is kept in a signed-out record', async () => {
    const { store, shared } = await tab({ refresh: async () => ({ session: revoked() }) })
    await store.signIn(makeSession({ accessToken: 'at-1' }))
    const failure = await store.refresh({ force: true }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'refresh-server', definitive: false })
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { status: 'active' } })
    const record = shared.get('session') as { ended: boolean; session: AuthenticationSession }
    expect(record.ended).toBe(false)
    expect(record.session.status).toBe('active')
    expect(record.session).not.toHaveProperty('revokeReason')
  })

  it('from the app: signIn() refuses it (not-in-union at status), and nothing is stored', async () => {
    const { store, shared } = await tab({})
    await expect(store.signIn(revoked())).rejects.toMatchObject({ code: 'not-in-union', path: 'status' })
    expect(shared.get('session')).toBeUndefined()
  })
})

describe('why a definitive refresh failure ends the session', () => {
  it('the RefreshError says: admin-revoke', async () => {
    const { store, shared } = await tab({
      refresh: async () => Promise.reject(new RefreshError('refresh-rejected', 'the server revoked the session (401)', { revokeReason: 'admin-revoke' })),
    })
    await store.signIn(makeSession())
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected', revokeReason: 'admin-revoke' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { status: 'revoked', revokeReason: 'admin-revoke', accessToken: '' } })
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'admin-revoke' } })
  })

  it('without one, or with one outside the schema: token-expired', async () => {
    for (const revokeReason of [undefined, 'nonsense']) {
      const { store } = await tab({ refresh: async () => Promise.reject(new RefreshError('refresh-rejected', '401', { revokeReason: revokeReason as never })) })
      await store.signIn(makeSession())
      await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected' })
      expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired' } })
    }
  })
})

describe('a sign-out the provider missed', () => {
  /** A tab whose provider is down until `up()`; `told` lists the refresh tokens signOut was called with. */
  const providerDown = async () => {
    const told: Array<string | undefined> = []
    let down = true
    const { store } = await tab({
      signOut: async (session) => {
        told.push(session.refreshToken)
        if (down) throw new Error('HTTP 500')
      },
    })
    return { store, told, up: () => (down = false) }
  }

  it('is told again by the next logout() in the tab, with the same session; then not again', async () => {
    const { store, told, up } = await providerDown()
    await store.signIn(makeSession({ refreshToken: 'rt-1' }))
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed', message: 'Signed out here, but the provider could not be told: HTTP 500' })
    expect(store.getState().status).toBe('unauthenticated')
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    up()
    await expect(store.logout()).resolves.toBeUndefined()
    await expect(store.logout()).resolves.toBeUndefined()
    expect(told).toEqual(['rt-1', 'rt-1', 'rt-1'])
  })

  it('a newer session signed in meanwhile is the one a logout ends and tells', async () => {
    const { store, told, up } = await providerDown()
    await store.signIn(makeSession({ refreshToken: 'rt-1' }))
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    up()
    await store.signIn(makeSession({ refreshToken: 'rt-2' }))
    await store.logout()
    await store.logout()
    expect(told).toEqual(['rt-1', 'rt-2'])
  })

  it('is not told again after a new sign-in into the same IdP session (same sessionId) has ended too', async () => {
    const { store, told, up } = await providerDown()
    await store.signIn(makeSession({ sessionId: 'sid-1', refreshToken: 'rt-1' }))
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    up()
    await store.signIn(makeSession({ sessionId: 'sid-1', refreshToken: 'rt-2' }))
    await store.end('admin-revoke')
    await store.logout()
    expect(told).toEqual(['rt-1'])
  })

  it("is not told again once another user signed in, even after that user's session ended", async () => {
    const told: Array<string | undefined> = []
    const { store } = await tab({
      signOut: async (session) => {
        told.push(session.user.id)
        throw new Error('HTTP 500')
      },
      refresh: async () => Promise.reject(new RefreshError('refresh-rejected', 'revoked', { revokeReason: 'admin-revoke' })),
    })
    await store.signIn(makeSession({ user: { id: 'user-1', username: 'one' }, sessionId: 'sid-1' }))
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    await store.signIn(makeSession({ user: { id: 'user-2', username: 'two' }, sessionId: 'sid-2' }))
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { sessionId: 'sid-2' } })
    await expect(store.logout()).resolves.toBeUndefined()
    expect(told).toEqual(['user-1'])
  })
})

describe('error messages', () => {
  it('quote a short bad value, and give only the length of a long one (a token in the wrong field)', () => {
    expect(caught(() => parseSession({ ...makeSession(), status: 'revokd' }))).toMatchObject({ message: expect.stringContaining('got "revokd"') })
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl'
    const error = caught(() => parseSession({ ...makeSession(), expiresAt: token })) as Error
    expect(error).toMatchObject({ code: 'invalid-datetime', path: 'expiresAt' })
    expect(error.message).toContain(`a string of ${token.length} characters`)
    expect(error.message).not.toContain(token)
  })

  it('say "an object"', () => {
    expect(caught(() => parseSession({ ...makeSession(), accessToken: {} }))).toMatchObject({ message: expect.stringContaining('got an object') })
  })
})
