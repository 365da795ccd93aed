import { afterEach, describe, expect, it, vi } from 'vitest'
import { parseSession, type AuthenticationSession } from '../../src/index'
import { createHttpSource, toHttpSession, type HttpSourceOptions } from '../../src/http'
import { skewFromDate } from '../../src/sources/session-request'

afterEach(() => {
  vi.restoreAllMocks()
  sessionStorage.clear()
})

const body = { id: 's-1', user: { id: 'u-alice', username: 'alice' }, authenticatedAt: '2030-01-01T10:00:00Z', expiresAt: '2030-01-01T11:00:00Z' }
const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(typeof value === 'string' ? value : JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json', ...headers } })
const signal = () => new AbortController().signal

/** A source whose every request is answered by `answer` (the calls are recorded as `METHOD url`). */
function sourceWith(answer: (url: string, init: RequestInit) => Response | Promise<Response>, extra: Partial<HttpSourceOptions> = {}) {
  const calls: string[] = []
  const navigated: string[] = []
  const source = createHttpSource({
    sessionUrl: '/api/session',
    logoutUrl: '/api/logout',
    loginUrl: '/login',
    navigate: (url) => void navigated.push(url),
    fetch: async (url, init = {}) => {
      calls.push(`${init.method} ${String(url)}`)
      return answer(String(url), init)
    },
    ...extra,
  })
  return { source, calls, navigated }
}
const previous = toHttpSession(body)!

describe('createHttpSource: what a refresh answer means', () => {
  it.each([
    [401, '{}', 'refresh-rejected', 'http_401'],
    [403, '{"error":{"id":"session_inactive","code":403}}', 'refresh-rejected', 'session_inactive'],
    [401, '{"error":"no_session"}', 'refresh-rejected', 'no_session'],
    [500, '{}', 'refresh-server', undefined],
    [502, '<html>Bad gateway</html>', 'refresh-server', undefined],
    [404, '', 'refresh-server', undefined],
    [429, '{}', 'refresh-server', undefined],
    [200, '<html>Down for maintenance</html>', 'refresh-server', 'invalid_response'],
    [200, '', 'refresh-server', 'invalid_response'],
  ])('%i %s: %s (%s)', async (status, text, code, providerError) => {
    const { source } = sourceWith(() => new Response(text, { status }))
    const error = await source.refresh(previous, { signal: signal() }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'RefreshError', code, definitive: code === 'refresh-rejected' })
    expect((error as { providerError?: string }).providerError).toBe(providerError)
  })

  it('active: false is "no session": refresh-rejected (no_session)', async () => {
    const { source } = sourceWith(() => json({ active: false }))
    await expect(source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'no_session' })
  })

  it('a session missing a field throws SessionParseError naming it (the store keeps the session and retries)', async () => {
    const { source } = sourceWith(() => json({ ...body, expiresAt: undefined }))
    await expect(source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ name: 'SessionParseError', code: 'missing-field', path: 'expiresAt' })
  })

  it('no answer: refresh-network; aborted by the store (its timeoutMs): refresh-timeout', async () => {
    const down = sourceWith(() => Promise.reject(new TypeError('Failed to fetch')))
    await expect(down.source.refresh(previous, { signal: signal() })).rejects.toMatchObject({ code: 'refresh-network', definitive: false })
    const hanging = sourceWith((_, init) => new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))))
    const controller = new AbortController()
    const refresh = hanging.source.refresh(previous, { signal: controller.signal })
    controller.abort()
    await expect(refresh).rejects.toMatchObject({ code: 'refresh-timeout', definitive: false })
  })

  it('POSTs refreshUrl when given, else GETs sessionUrl; keeps what the answer does not restate', async () => {
    const withRefresh = sourceWith(() => json(body), { refreshUrl: '/api/refresh' })
    const kept = { ...previous, metadata: { theme: 'dark' }, lastActivityAt: '2030-01-01T10:30:00Z', isMfaVerified: true }
    const { session } = await withRefresh.source.refresh(kept, { signal: signal() })
    expect(withRefresh.calls).toEqual(['POST /api/refresh'])
    expect(session).toMatchObject({ metadata: { theme: 'dark' }, lastActivityAt: '2030-01-01T10:30:00Z', isMfaVerified: true, accessToken: '' })
    const plain = sourceWith(() => json(body))
    await plain.source.refresh(previous, { signal: signal() })
    expect(plain.calls).toEqual(['GET /api/session'])
  })

  it("takes the server's clock from the Date header", async () => {
    const ahead = new Date(Date.now() + 3_600_000).toUTCString()
    const { source } = sourceWith(() => json(body, 200, { Date: ahead }))
    const { clockSkewMs } = await source.refresh(previous, { signal: signal() })
    expect(clockSkewMs).toBeGreaterThan(3_600_000 - 2000)
    expect(clockSkewMs).toBeLessThan(3_600_000 + 2000)
    // Within the header's second and the request's time, the clocks count as one; no header, no skew.
    expect(skewFromDate(new Date().toUTCString(), Date.now(), Date.now())).toBe(0)
    expect(skewFromDate(null, 0, 0)).toBeUndefined()
  })
})

describe('createHttpSource: sign-in and sign-out', () => {
  it('keeps a same-origin returnTo across the redirect, once; refuses another origin (an open redirect)', async () => {
    const { source, navigated } = sourceWith(() => json(body))
    await source.startSignIn!({ returnTo: `${location.origin}/reports?id=1#top` })
    expect(navigated).toEqual(['/login'])
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ returnTo: '/reports?id=1#top', session: { sessionId: 's-1' } })
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ returnTo: undefined })
    // The last two are paths of this origin that read as another site once normalised (`//evil.example/x`).
    for (const returnTo of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/.//evil.example/x', '/a/..//evil.example']) {
      await expect(source.startSignIn!({ returnTo })).rejects.toMatchObject({ code: 'sign-in-failed' })
    }
    expect(navigated).toEqual(['/login'])
  })

  it('forgets a returnTo older than an hour (a sign-in left unfinished), and one tampered with', async () => {
    const { source } = sourceWith(() => json(body))
    await source.startSignIn!({ returnTo: '/old' })
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 61 * 60_000)
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ returnTo: undefined })
    vi.restoreAllMocks()
    // Written by something else: the sign-in completes, without sending the user there.
    sessionStorage.setItem('authsession.returnTo.http', JSON.stringify({ returnTo: 'https://evil.example', at: Date.now() }))
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ returnTo: undefined, session: { sessionId: 's-1' } })
  })

  it('a full or refused sessionStorage signs in without the returnTo rather than not at all', async () => {
    const { source, navigated } = sourceWith(() => json(body))
    sessionStorage.setItem('authsession.returnTo.http', JSON.stringify({ returnTo: '/stale', at: Date.now() }))
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    })
    await expect(source.startSignIn!({ returnTo: '/reports' })).resolves.toBeUndefined()
    expect(navigated).toEqual(['/login'])
    // Not an earlier sign-in's returnTo either.
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ returnTo: undefined, session: { sessionId: 's-1' } })
  })

  it('a callback without a session is sign-in-failed with the returnTo and the server\'s error code', async () => {
    const { source } = sourceWith(() => json({ error: { id: 'no_active_session' } }, 401))
    await source.startSignIn!({ returnTo: '/reports' })
    await expect(source.completeSignIn!('/callback')).rejects.toMatchObject({ code: 'sign-in-failed', returnTo: '/reports', providerError: 'no_active_session' })
    const inactive = sourceWith(() => json({ active: false }))
    await expect(inactive.source.completeSignIn!('/callback')).rejects.toMatchObject({ code: 'sign-in-failed' })
    const offline = sourceWith(() => Promise.reject(new TypeError('Failed to fetch')))
    await expect(offline.source.completeSignIn!('/callback')).rejects.toMatchObject({ code: 'sign-in-failed', cause: { code: 'refresh-network' } })
  })

  it('loginUrl: extraParams join a string\'s query; a function gets returnTo and extraParams', async () => {
    const plain = sourceWith(() => json(body), { loginUrl: '/saml/login?idp=corp#x' })
    await plain.source.startSignIn!({ extraParams: { ForceAuthn: 'true' } })
    expect(plain.navigated).toEqual(['/saml/login?idp=corp&ForceAuthn=true#x'])
    const loginUrl = vi.fn((returnTo: string | undefined) => `/sso?next=${returnTo}`)
    const custom = sourceWith(() => json(body), { loginUrl })
    await custom.source.startSignIn!({ returnTo: '/a', extraParams: { x: '1' } })
    expect(loginUrl).toHaveBeenCalledWith('/a', { x: '1' })
    expect(custom.navigated).toEqual(['/sso?next=/a'])
  })

  it('sign-out: 2xx and 401 are done; 5xx, no answer and no logoutUrl are sign-out-failed', async () => {
    for (const status of [204, 200, 401]) await expect(sourceWith(() => new Response(null, { status })).source.signOut!(previous)).resolves.toBeUndefined()
    await expect(sourceWith(() => new Response(null, { status: 503 })).source.signOut!(previous)).rejects.toMatchObject({ code: 'sign-out-failed' })
    await expect(sourceWith(() => Promise.reject(new TypeError('Failed to fetch'))).source.signOut!(previous)).rejects.toMatchObject({ code: 'sign-out-failed' })
    await expect(sourceWith(() => json(body), { logoutUrl: undefined }).source.signOut!(previous)).rejects.toMatchObject({ code: 'sign-out-failed' })
  })

  it('bad options are invalid-argument at creation', () => {
    const make = (options: unknown) => () => createHttpSource(options as HttpSourceOptions)
    expect(make(undefined)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    expect(make({ loginUrl: '/login' })).toThrow(/sessionUrl/)
    expect(make({ sessionUrl: '/s' })).toThrow(/loginUrl/)
    expect(make({ sessionUrl: '/s', loginUrl: '/l', requestTimeoutSeconds: 'ten' })).toThrow(/requestTimeoutSeconds/)
  })
})

describe('toHttpSession', () => {
  it.each([
    ['not an object', 'x', 'not-an-object', ''],
    ['no user', { ...body, user: undefined }, 'missing-field', 'user'],
    ['a user without id', { ...body, user: { username: 'a' } }, 'missing-field', 'user.id'],
    ['an id of another type', { ...body, id: 7 }, 'wrong-type', 'id'],
    ['no authenticatedAt', { ...body, authenticatedAt: undefined }, 'missing-field', 'authenticatedAt'],
  ])('%s: SessionParseError %s at %s', (_, input, code, path) => {
    expect(() => toHttpSession(input)).toThrow(expect.objectContaining({ name: 'SessionParseError', code, path }))
  })

  it('a user field the server answers null (a user without an email or name) is no such field: the session is valid', async () => {
    // JSON has no undefined: serializers write a nullable column as null.
    const answer = { ...body, user: { id: 'u-bob', username: 'bob', email: null, name: null, '@type': null } }
    const session = toHttpSession(answer)!
    expect(session.user).toEqual({ id: 'u-bob', username: 'bob' })
    expect(() => parseSession(JSON.parse(JSON.stringify(session)))).not.toThrow()
    const { source } = sourceWith(() => json(answer))
    await expect(source.completeSignIn!('/callback')).resolves.toMatchObject({ session: { user: { id: 'u-bob' } } })
  })

  it('maps the optional fields, and a sign-in gets the schema\'s required fields', () => {
    const session: AuthenticationSession = toHttpSession({ ...body, accessToken: 'csrf-1', isMfaVerified: true, authenticationMethod: 'saml', identityProvider: 'Corp IdP' })!
    expect(session).toMatchObject({
      sessionId: 's-1', status: 'active', accessToken: 'csrf-1', isMfaVerified: true, initiatedAt: body.authenticatedAt, expiresAt: body.expiresAt,
      authenticationMethod: { name: 'saml' }, identityProvider: { name: 'Corp IdP' }, user: { id: 'u-alice', username: 'alice' },
    })
    expect(typeof session.lastActivityAt).toBe('string')
    expect(typeof session.deviceInfo).toBe('object')
  })
})
