import { afterEach, describe, expect, it } from 'vitest'
import { createHttpSource, toHttpSession } from '../../src/http'

/**
 * A refresh or logout endpoint that redirects for a reason of its own (a
 * trailing slash: Django's APPEND_SLASH and nginx answer `POST /api/logout`
 * with a 301 to `/api/logout/`; http to https) while the session lives on.
 * The first sign-in only asks `sessionUrl`, so nothing fails there: the
 * source asks `sessionUrl` whether a session is still there before reading
 * such a redirect as "sent to sign in".
 */
afterEach(() => sessionStorage.clear())

const body = { id: 's-1', user: { id: 'u-alice', username: 'alice' }, authenticatedAt: '2030-01-01T10:00:00Z', expiresAt: '2030-01-01T11:00:00Z' }
const previous = toHttpSession(body)!
const json = (value: unknown, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
/** What a browser hands back for a redirect `redirect: 'manual'` held: an `opaqueredirect`, status 0. */
const opaqueRedirect = () => Object.defineProperties(new Response(null), { type: { value: 'opaqueredirect' }, status: { value: 0 }, ok: { value: false } })

/** A source whose logout and refresh endpoints redirect; the session endpoint answers `session()`. Records each request. */
function sourceWith(session: () => Response) {
  const calls: string[] = []
  const source = createHttpSource({
    sessionUrl: '/api/session',
    refreshUrl: '/api/session/refresh',
    logoutUrl: '/api/logout',
    loginUrl: '/login',
    navigate: () => {},
    fetch: async (url, init = {}) => {
      calls.push(`${init.method} ${String(url)}`)
      return String(url) === '/api/session' ? session() : opaqueRedirect()
    },
  })
  return { source, calls }
}

describe('createHttpSource: a refresh or logout endpoint that redirects while the session endpoint still answers the session', () => {
  it('logout: sign-out-failed, naming the endpoint to give at its final URL (the cookie still works)', async () => {
    const { source, calls } = sourceWith(() => json(body))
    const error = await source.signOut!(previous).then(() => 'resolved', (caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'AuthSessionError', code: 'sign-out-failed', message: expect.stringMatching(/\(logoutUrl\) redirected .*final URL.*the cookie still works/) })
    expect(calls).toEqual(['POST /api/logout', 'GET /api/session'])
  })

  it('refresh: transient (the session kept and retried), naming refreshUrl, never login_redirect', async () => {
    const error = await sourceWith(() => json(body)).source.refresh(previous, { signal: new AbortController().signal }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'RefreshError', code: 'refresh-server', definitive: false, message: expect.stringMatching(/\(refreshUrl\) redirected .*final URL/) })
  })

  it.each([
    ['401', () => json({}, 401)],
    ['a redirect to sign in', opaqueRedirect],
    ['active: false', () => json({ ...body, active: false })],
  ])('when the session endpoint answers %s, the redirect was "signed out": logout done, refresh login_redirect', async (_, session) => {
    const { source, calls } = sourceWith(session)
    await expect(source.signOut!(previous)).resolves.toBeUndefined()
    expect(calls).toEqual(['POST /api/logout', 'GET /api/session'])
    await expect(source.refresh(previous, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'login_redirect' })
  })

  it('when the session endpoint cannot be asked, a redirect reads as before: logout done, refresh login_redirect', async () => {
    const { source } = sourceWith(() => {
      throw new TypeError('Failed to fetch')
    })
    await expect(source.signOut!(previous)).resolves.toBeUndefined()
    await expect(source.refresh(previous, { signal: new AbortController().signal })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'login_redirect' })
  })
})
