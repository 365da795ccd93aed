import { afterEach, describe, expect, it } from 'vitest'
import { createKratosSource, mapKratosSession, type KratosSession, type KratosSourceOptions } from '../../src/kratos'

afterEach(() => sessionStorage.clear())

const KRATOS = 'https://auth.example.com/'
const whoami: KratosSession = {
  id: 'sess-1', active: true, expires_at: '2030-01-02T10:00:00Z', authenticated_at: '2030-01-01T10:00:00Z',
  identity: { id: 'id-alice', traits: { email: 'alice@example.com' } },
}
const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
const previous = mapKratosSession(whoami)
const signal = () => new AbortController().signal
const LOGOUT_URL = 'https://auth.example.com/self-service/logout?token=ory_lo_secret123'

/** A source whose requests `answer` answers (recorded as `METHOD path?query credentials`). */
function kratos(answer: (url: URL) => Response | Promise<Response>, extra: Partial<KratosSourceOptions> = {}) {
  const calls: string[] = []
  const navigated: string[] = []
  const source = createKratosSource({
    basePath: KRATOS,
    navigate: (url) => void navigated.push(url),
    fetch: async (input, init = {}) => {
      const url = new URL(String(input))
      calls.push(`${init.method} ${url.pathname}${url.search} ${init.credentials}`)
      return answer(url)
    },
    ...extra,
  })
  return { source, calls, navigated }
}

describe('createKratosSource', () => {
  it('refresh: GET /sessions/whoami with the cookie; the answer mapped, keeping the session renewed', async () => {
    const { source, calls } = kratos(() => json({ ...whoami, expires_at: '2030-01-03T10:00:00Z' }))
    const { session } = await source.refresh({ ...previous, metadata: { theme: 'dark' } }, { signal: signal() })
    expect(calls).toEqual(['GET /sessions/whoami include'])
    expect(session).toMatchObject({ sessionId: 'sess-1', expiresAt: '2030-01-03T10:00:00Z', metadata: { theme: 'dark', protocol: 'kratos' } })
  })

  it.each([
    [401, { error: { id: 'session_inactive', code: 401, reason: 'No valid session credentials found in the request.' } }, 'refresh-rejected', 'session_inactive'],
    [401, {}, 'refresh-rejected', 'http_401'],
    [403, { error: { id: 'session_aal2_required', code: 403 }, redirect_browser_to: 'https://auth.example.com/self-service/login/browser?aal=aal2' }, 'refresh-rejected', 'session_aal2_required'],
    [500, { error: { code: 500, message: 'db down' } }, 'refresh-server', undefined],
    [503, {}, 'refresh-server', undefined],
    // Kratos answers 403 only for a second factor: another 403 is from something in front of it (a WAF, a CDN's challenge page).
    [403, {}, 'refresh-server', undefined],
    [403, { error: { id: 'security_csrf_violation', code: 403 } }, 'refresh-server', 'security_csrf_violation'],
  ])('refresh answered %i: %s', async (status, body, code, providerError) => {
    const { source } = kratos(() => json(body, status))
    const error = await source.refresh(previous, { signal: signal() }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'RefreshError', code, providerError })
    // Kratos's JSON error is kept for the app's logs.
    expect((error as Error).cause).toMatchObject({ status, body })
  })

  it("says what a 403 session_aal2_required means: a second factor, through a sign-in", async () => {
    const { source } = kratos(() => json({ error: { id: 'session_aal2_required' } }, 403))
    await expect(source.refresh(previous, { signal: signal() })).rejects.toThrow(/second factor.*aal2/)
  })

  it('refresh: an inactive session ends it; a malformed one keeps it (retried); no answer is transient', async () => {
    await expect(kratos(() => json({ ...whoami, active: false })).source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'session_inactive' })
    await expect(kratos(() => json({ ...whoami, identity: undefined })).source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ name: 'SessionParseError', path: 'identity' })
    await expect(kratos(() => new Response('<html>', { status: 200 })).source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-server', providerError: 'invalid_response' })
    await expect(kratos(() => Promise.reject(new TypeError('Failed to fetch'))).source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-network' })
  })

  it("sign-in: Kratos's browser login flow, returning to the callback; extraParams (aal) passed on; returnTo kept", async () => {
    const { source, navigated } = kratos(() => json(whoami), { callbackUrl: 'https://app.example.com/callback' })
    await source.startSignIn!({ returnTo: '/reports', extraParams: { aal: 'aal2', return_to: 'https://evil.example' } })
    const url = new URL(navigated[0]!)
    expect(url.origin + url.pathname).toBe('https://auth.example.com/self-service/login/browser')
    expect(Object.fromEntries(url.searchParams)).toEqual({ aal: 'aal2', return_to: 'https://app.example.com/callback' })
    await expect(source.completeSignIn!('https://app.example.com/callback')).resolves.toMatchObject({ returnTo: '/reports', session: { sessionId: 'sess-1', user: { id: 'id-alice' } } })
  })

  it('sign-in fails typed: no session (401), a second factor needed (403), an inactive or malformed session', async () => {
    const at = async (response: () => Response) => {
      const { source } = kratos(response)
      await source.startSignIn!({ returnTo: '/r' })
      return source.completeSignIn!('/callback').catch((error: unknown) => error)
    }
    expect(await at(() => json({ error: { id: 'session_inactive' } }, 401))).toMatchObject({ code: 'sign-in-failed', providerError: 'session_inactive', returnTo: '/r' })
    expect(await at(() => json({ error: { id: 'session_aal2_required' } }, 403))).toMatchObject({ code: 'sign-in-failed', providerError: 'session_aal2_required' })
    expect(await at(() => json({ ...whoami, active: false }))).toMatchObject({ code: 'sign-in-failed', returnTo: '/r', cause: { code: 'not-in-union' } })
  })

  it("sign-out: Kratos's logout flow, then its logout URL (navigated to; or asked for JSON with redirect: false)", async () => {
    const answer = (url: URL) => (url.pathname === '/self-service/logout/browser' ? json({ logout_url: LOGOUT_URL, logout_token: 'ory_lo_secret123' }) : new Response(null, { status: 204 }))
    const redirected = kratos(answer, { afterLogoutUrl: 'https://app.example.com/' })
    await redirected.source.signOut!(previous)
    expect(redirected.calls).toEqual([`GET /self-service/logout/browser?return_to=${encodeURIComponent('https://app.example.com/')} include`])
    expect(redirected.navigated).toEqual([LOGOUT_URL])
    const stayed = kratos(answer)
    await stayed.source.signOut!(previous, { redirect: false })
    expect(stayed.calls).toEqual(['GET /self-service/logout/browser include', 'GET /self-service/logout?token=ory_lo_secret123 include'])
    expect(stayed.navigated).toEqual([])
  })

  it('sign-out: 401 (no session left) is done; a failure is sign-out-failed without the logout token', async () => {
    const gone = kratos(() => json({ error: { id: 'session_inactive' } }, 401))
    await expect(gone.source.signOut!(previous)).resolves.toBeUndefined()
    expect(gone.navigated).toEqual([])
    await expect(kratos(() => json({ error: { code: 500 } }, 500)).source.signOut!(previous)).rejects.toMatchObject({ code: 'sign-out-failed' })
    const failing = kratos((url) => (url.pathname.endsWith('/browser') ? json({ logout_url: LOGOUT_URL }) : url.pathname.endsWith('/logout') ? json({ error: { code: 500 } }, 500) : json({})))
    const error = await failing.source.signOut!(previous, { redirect: false }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'sign-out-failed' })
    expect(JSON.stringify({ message: (error as Error).message, cause: (error as Error).cause })).not.toContain('secret123')
    const offline = kratos((url) => (url.pathname.endsWith('/browser') ? json({ logout_url: LOGOUT_URL }) : Promise.reject(new TypeError('Failed to fetch'))))
    const unreachable = await offline.source.signOut!(previous, { redirect: false }).catch((caught: unknown) => caught)
    expect(JSON.stringify({ message: (unreachable as Error).message, cause: (unreachable as Error).cause })).not.toContain('secret123')
  })

  it('bad options are invalid-argument at creation', () => {
    expect(() => createKratosSource({ basePath: '/relative' })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    expect(() => createKratosSource(undefined as unknown as KratosSourceOptions)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    expect(() => createKratosSource({ basePath: KRATOS, requestTimeoutSeconds: -1 })).toThrow(/requestTimeoutSeconds/)
  })
})
