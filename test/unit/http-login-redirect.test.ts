import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type SessionEvent } from '../../src/index'
import { createHttpSource, toHttpSession, type HttpSourceOptions } from '../../src/http'
import { createKratosSource, mapKratosSession } from '../../src/kratos'
import { requestSession } from '../../src/sources/session-request'
import { destroyTabs, noWake, startedTab } from '../support/fake-tabs'

/**
 * A session endpoint that answers "not signed in" with a redirect to its
 * login page or identity provider (Spring Security, ASP.NET, Devise,
 * Shibboleth, mod_auth_mellon): the HTTP source asks with `redirect:
 * 'manual'` and reads the redirect as "no session here". Chromium's answers
 * are in test/browser/cookie-app-trial.test.ts.
 */
afterEach(() => {
  destroyTabs()
  sessionStorage.clear()
})

const body = { id: 's-1', user: { id: 'u-alice', username: 'alice' }, authenticatedAt: '2030-01-01T10:00:00Z', expiresAt: '2030-01-01T11:00:00Z' }
const previous = toHttpSession(body)!
const signal = () => new AbortController().signal
const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
const html = (status = 200) => new Response('<!doctype html><form action="/login">Sign in</form>', { status, headers: { 'Content-Type': 'text/html' } })

/** What a browser hands back for a redirect `redirect: 'manual'` held: an `opaqueredirect`, status 0, nothing readable. */
const opaqueRedirect = () => Object.defineProperties(new Response(null), { type: { value: 'opaqueredirect' }, status: { value: 0 }, ok: { value: false } })
/** What fetch outside a browser (Node's) hands back for it: the 3xx itself. */
const heldRedirect = (status = 302, location = 'https://idp.example/sso?SAMLRequest=x') => new Response(null, { status, headers: { Location: location } })
/** An answer fetch reached by following a redirect (a `fetch` option that ignores `redirect: 'manual'`). */
const followed = (response: Response) => Object.defineProperty(response, 'redirected', { value: true })

/** A source whose every request `answer` answers; records each request's `METHOD url redirect`. */
function sourceWith(answer: () => Response | Promise<Response>, extra: Partial<HttpSourceOptions> = {}) {
  const calls: string[] = []
  const source = createHttpSource({
    sessionUrl: '/api/session',
    logoutUrl: '/api/logout',
    loginUrl: '/login',
    navigate: () => {},
    fetch: async (url, init = {}) => (calls.push(`${init.method} ${String(url)} ${init.redirect}`), answer()),
    ...extra,
  })
  return { source, calls }
}

const redirects: [string, () => Response][] = [
  ['a browser\'s opaqueredirect (status 0)', opaqueRedirect],
  ['a 302 to the identity provider', () => heldRedirect(302)],
  ['a 303 to the login page', () => heldRedirect(303, '/login?next=%2Fapi%2Fsession')],
  ['a 307', () => heldRedirect(307, '/login')],
  ['a followed redirect that landed on the login page (200 of HTML)', () => followed(html())],
]

describe('createHttpSource: a session endpoint that redirects to sign in', () => {
  it('asks fetch to hold redirects on every request: the session, its refresh, the logout', async () => {
    const { source, calls } = sourceWith(() => json(body), { refreshUrl: '/api/refresh' })
    await source.completeSignIn!('/callback')
    await source.refresh(previous, { signal: signal() })
    await source.signOut!(previous)
    expect(calls).toEqual(['GET /api/session manual', 'POST /api/refresh manual', 'POST /api/logout manual'])
  })

  it.each(redirects)('refresh: %s ends the session (refresh-rejected, login_redirect)', async (_, answer) => {
    for (const extra of [{}, { refreshUrl: '/api/refresh' }]) {
      const error = await sourceWith(answer, extra).source.refresh(previous, { signal: signal() }).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ name: 'RefreshError', code: 'refresh-rejected', definitive: true, providerError: 'login_redirect' })
      expect((error as Error).message).toMatch(/redirected \(to a login page or the identity provider\)/)
    }
  })

  it.each(redirects)('sign-in: %s is sign-in-failed (login_redirect), keeping returnTo', async (_, answer) => {
    const { source } = sourceWith(answer)
    await source.startSignIn!({ returnTo: '/reports' })
    const error = await source.completeSignIn!('/callback').catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'sign-in-failed', providerError: 'login_redirect', returnTo: '/reports' })
    expect((error as Error).message).toMatch(/redirected .* at its final URL/)
  })

  it.each(redirects)('logout: %s is done (the server holds no session, or its logout redirects when it succeeds)', async (_, answer) => {
    await expect(sourceWith(answer).source.signOut!(previous)).resolves.toBeUndefined()
  })

  it('stays transient: a 200 of HTML that no redirect led to (a proxy\'s page), and a followed redirect ending in a 5xx', async () => {
    for (const answer of [() => html(200), () => followed(html(502))]) {
      const error = await sourceWith(answer).source.refresh(previous, { signal: signal() }).catch((caught: unknown) => caught)
      expect(error).toMatchObject({ code: 'refresh-server', definitive: false })
    }
    // A followed redirect to a 401 is judged by its status, as a 401 is.
    await expect(sourceWith(() => followed(json({}, 401))).source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'http_401' })
  })

  it('a followed redirect that ends at the session (a trailing slash, a `fetch` option that follows) is the session', async () => {
    const { session } = await sourceWith(() => followed(json(body))).source.refresh(previous, { signal: signal() })
    expect(session).toMatchObject({ sessionId: 's-1' })
  })

  it('with the store: one refresh sent to sign in signs the tab out (token-expired), the event naming login_redirect', async () => {
    let signedIn = true
    const { source } = sourceWith(() => (signedIn ? json({ ...body, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }) : opaqueRedirect()))
    const { store } = await startedTab({ locks: createMemoryLocks(), persistence: createMemoryPersistence(), logoutJournal: null, wake: noWake, source })
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    await store.completeLogin('https://app.example/callback')
    signedIn = false
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'login_redirect' })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired' } })
    expect(events.filter((event) => event.type === 'refresh-failed').map((event) => event.type === 'refresh-failed' && event.error.providerError)).toEqual(['login_redirect'])
  })
})

describe('the shared request, for a source that follows redirects (Kratos): as before', () => {
  it('reads a 3xx fetch hands back as any other status, with its body; Kratos still asks without redirect: manual', async () => {
    const deps = { fetch: vi.fn(async () => json({ error: 'moved' }, 302)), timeoutMs: 0 }
    await expect(requestSession('/x', { method: 'GET' }, deps)).resolves.toMatchObject({ status: 302, ok: false, body: { error: 'moved' }, redirected: false })
    const inits: RequestInit[] = []
    const kratos = createKratosSource({ basePath: 'https://auth.example.com', navigate: () => {}, fetch: async (_, init = {}) => (inits.push(init), followed(html())) })
    const whoami = { id: 'k-1', active: true, expires_at: '2030-01-02T10:00:00Z', authenticated_at: '2030-01-01T10:00:00Z', identity: { id: 'id-alice', traits: {} } }
    // A whoami that a redirect led to an HTML page stays transient for Kratos, as before.
    await expect(kratos.refresh(mapKratosSession(whoami), { signal: signal() })).rejects.toMatchObject({ code: 'refresh-server', definitive: false })
    expect(inits.map((init) => init.redirect)).toEqual([undefined])
  })
})
