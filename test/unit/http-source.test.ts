import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type SessionSource } from '../../src/index'
import { createHttpSource, type HttpSourceOptions } from '../../src/http'
import { FakeClock } from '../support/fake-clock'
import { destroyTabs, noWake, startedTab } from '../support/fake-tabs'

afterEach(() => {
  destroyTabs()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  sessionStorage.clear()
})

/**
 * The README's cookie source (the browser trial runs it verbatim; cookie-app-trial.test.ts checks the
 * README still holds it), navigating through `navigate`: jsdom cannot leave the page.
 */
function readmeCookieSource(navigate: (url: string) => void, extra: Partial<HttpSourceOptions> = {}): SessionSource {
  return createHttpSource({
    name: 'my-api',
    sessionUrl: '/api/session',
    refreshUrl: '/api/session/refresh',
    logoutUrl: '/api/logout',
    loginUrl: '/saml/login',
    navigate,
    ...extra,
  })
}

/** A cookie-session backend in miniature, on `clock`'s time, its own clock `skewMs` ahead; `answer` overrides a path's status, `bodies` its 200 body. */
function backend(clock: FakeClock, skewMs = 0) {
  const calls: string[] = []
  const answer: Record<string, number> = {}
  const bodies: Record<string, string> = {}
  let session: { id: string; expiresAt: number; username?: string } | null = { id: 's-1', expiresAt: clock.now() + skewMs + 20 * 60_000 }
  vi.stubGlobal('fetch', async (path: string, init: RequestInit = {}) => {
    calls.push(`${init.method ?? 'GET'} ${path}`)
    const now = clock.now() + skewMs
    const headers = { 'Content-Type': 'application/json', Date: new Date(now).toUTCString() }
    const status = answer[path] ?? (session ? 200 : 401)
    if (status !== 200) return new Response(bodies[path] ?? '{}', { status, headers })
    if (bodies[path] !== undefined) return new Response(bodies[path], { status, headers })
    if (path === '/api/logout') return (session = null), new Response(null, { status: 204, headers })
    if (path === '/api/session/refresh') session!.expiresAt = now + 20 * 60_000
    const username = session!.username ?? 'alice'
    const body = { id: session!.id, user: { id: `u-${username}`, username }, authenticatedAt: new Date(now - 1000).toISOString(), expiresAt: new Date(session!.expiresAt).toISOString() }
    return new Response(JSON.stringify(body), { status, headers })
  })
  return {
    calls,
    answer,
    bodies,
    end: () => (session = null),
    /** The cookie now names another user's session, from a sign-in that did not pass through the app (an IdP-initiated SSO landing on `/`). */
    signInElsewhere: (username: string) => (session = { id: 's-2', username, expiresAt: clock.now() + skewMs + 20 * 60_000 }),
  }
}

describe("the README's cookie source (createHttpSource)", () => {
  const setUp = async (skewMs = 0, extra: Partial<HttpSourceOptions> = {}) => {
    const clock = new FakeClock(Date.now())
    // The source reads Date.now() for the skew: the same fake time as the store's.
    vi.spyOn(Date, 'now').mockImplementation(clock.now)
    const server = backend(clock, skewMs)
    const navigated: string[] = []
    const { store } = await startedTab({ clock, wake: noWake, locks: createMemoryLocks(), persistence: createMemoryPersistence(), logoutJournal: null, source: readmeCookieSource((url) => navigated.push(url), extra) })
    return { clock, server, store, navigated }
  }

  it('signs in through the redirect and the callback, with returnTo', async () => {
    const { server, store, navigated } = await setUp()
    await store.login({ returnTo: '/reports' })
    expect(navigated).toEqual(['/saml/login'])
    const { session, returnTo } = await store.completeLogin('https://app.example/callback')
    expect(returnTo).toBe('/reports')
    expect(session).toMatchObject({ sessionId: 's-1', status: 'active', accessToken: '', user: { username: 'alice' } })
    expect(store.getState().status).toBe('authenticated')
    expect(server.calls).toEqual(['GET /api/session'])
  })

  it('refreshes before expiry on its own, and keeps what the server does not restate', async () => {
    const { clock, server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    await store.update({ metadata: { theme: 'dark' } })
    await clock.advance(19 * 60_000 + 1000)
    expect(server.calls.filter((call) => call.includes('refresh'))).toEqual(['POST /api/session/refresh'])
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { metadata: { theme: 'dark' } } })
  })

  it('times refreshes on the server clock (a device clock an hour behind)', async () => {
    const { clock, server, store } = await setUp(3_600_000)
    await store.completeLogin('https://app.example/callback')
    await clock.advance(18 * 60_000)
    expect(server.calls.filter((call) => call.includes('refresh'))).toEqual([])
    await clock.advance(2 * 60_000)
    expect(server.calls.filter((call) => call.includes('refresh'))).toEqual(['POST /api/session/refresh'])
  })

  it('a 500 keeps the user signed in; a 401 signs out (token-expired)', async () => {
    const { server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    server.answer['/api/session/refresh'] = 500
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-server', definitive: false })
    expect(store.getState().status).toBe('authenticated')
    server.answer['/api/session/refresh'] = 401
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired' } })
  })

  it("a refresh answering another user's session (the cookie replaced by a sign-in elsewhere) never passes it off as the same login: it ends the session", async () => {
    const { server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    server.signInElsewhere('bob')
    // Taken as a refresh, bob's session would continue alice's login (a 'refresh' change, no sign-in).
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'user_mismatch' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { sessionId: 's-1', user: { username: 'alice' }, revokeReason: 'token-expired' } })
  })

  it("a refresh answering the same user's new session (a sign-in elsewhere, a server that renews session ids) is taken", async () => {
    const { server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    const before = store.getState().session!
    server.signInElsewhere('alice')
    await store.refresh({ force: true })
    // Taken as a refresh of the login the store holds: it keeps that login's id (a logout decided meanwhile finds it by it).
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: before.sessionId, user: { id: 'u-alice' } } })
    expect(server.calls.filter((call) => call.includes('refresh'))).toEqual(['POST /api/session/refresh'])
  })

  it('a callback without a server session is sign-in-failed', async () => {
    const { server, store } = await setUp()
    server.end()
    await expect(store.completeLogin('https://app.example/callback')).rejects.toMatchObject({ code: 'sign-in-failed', message: expect.stringContaining('401') })
  })

  it('a logout the server answers 401 (its session already gone: another tab logged out first, or it expired) resolves', async () => {
    const { server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    server.end()
    await expect(store.logout({ reason: 'idle-timeout', redirect: false })).resolves.toBeUndefined()
    expect(server.calls.filter((call) => call.includes('logout'))).toEqual(['POST /api/logout'])
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })
  })

  it('a logout the server missed is sign-out-failed, and the next logout() tells it', async () => {
    const { server, store } = await setUp()
    await store.completeLogin('https://app.example/callback')
    server.answer['/api/logout'] = 503
    await expect(store.logout()).rejects.toMatchObject({ code: 'sign-out-failed' })
    expect(store.getState().status).toBe('unauthenticated')
    delete server.answer['/api/logout']
    await expect(store.logout()).resolves.toBeUndefined()
    expect(server.calls.filter((call) => call.includes('logout'))).toEqual(['POST /api/logout', 'POST /api/logout'])
  })
})
