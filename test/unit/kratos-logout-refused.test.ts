import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { createKratosSource, type KratosSourceOptions } from '../../src/kratos'
import { makeSession } from '../support/sessions'

/**
 * Sign-out when Kratos refuses `afterLogoutUrl` (400 self_service_flow_return_to_forbidden,
 * selfservice/flow/logout/handler.go's createBrowserLogoutFlow): the session at Kratos must still end.
 */
const KRATOS = 'https://auth.example.com'
const ALLOWED = 'https://app.example.com/'
const REFUSED = 'https://elsewhere.example.com/bye'
const TOKEN = 'ory_lo_secret123'

/** Kratos's public API in miniature, holding one session (the cookie's) and Kratos's allow-list check. */
function miniKratos() {
  const state = { session: true }
  const calls: string[] = []
  const json = (value: unknown, status: number) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } })
  const error = (code: number, id: string | undefined, reason: string) => json({ error: { ...(id ? { id } : {}), code, status: code === 400 ? 'Bad Request' : 'Unauthorized', reason, message: 'The request was malformed or contained invalid parameters' } }, code)
  const fetch = async (input: RequestInfo | URL) => {
    const url = new URL(String(input))
    calls.push(`${url.pathname}${url.search}`)
    if (url.pathname === '/sessions/whoami') return state.session ? json({ id: 'sess-1' }, 200) : error(401, undefined, 'No valid session cookie found.')
    const returnTo = url.searchParams.get('return_to')
    if (url.pathname === '/self-service/logout/browser') {
      if (!state.session) return error(401, 'session_inactive', 'No active session was found in this request.')
      if (returnTo && !returnTo.startsWith(ALLOWED)) return error(400, 'self_service_flow_return_to_forbidden', `Requested return_to URL "${returnTo}" is not allowed.`)
      const logoutUrl = new URL('/self-service/logout', KRATOS)
      logoutUrl.searchParams.set('token', TOKEN)
      if (returnTo) logoutUrl.searchParams.set('return_to', returnTo)
      return json({ logout_token: TOKEN, logout_url: logoutUrl.href }, 200)
    }
    if (url.pathname === '/self-service/logout' && url.searchParams.get('token') === TOKEN && state.session) {
      state.session = false
      return new Response(null, { status: 204 })
    }
    return error(400, undefined, 'unexpected request')
  }
  return { state, calls, fetch }
}

function kratosSource(kratos: ReturnType<typeof miniKratos>, extra: Partial<KratosSourceOptions> = {}) {
  const navigated: string[] = []
  const source = createKratosSource({ basePath: KRATOS, fetch: kratos.fetch, navigate: (url) => void navigated.push(url), afterLogoutUrl: REFUSED, ...extra })
  return { source, navigated }
}

const session = makeSession({ sessionId: 'sess-1' })
const logoutFlow = (returnTo?: string) => `/self-service/logout/browser${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`
const stores: SessionStore[] = []
afterEach(() => {
  vi.restoreAllMocks()
  stores.splice(0).forEach((store) => store.destroy())
})
const warnings = () => vi.spyOn(console, 'warn').mockImplementation(() => {})

describe('Kratos refuses afterLogoutUrl', () => {
  it('redirect: the logout flow is asked for again without return_to, and the browser goes to that logout URL', async () => {
    const warn = warnings()
    const kratos = miniKratos()
    const { source, navigated } = kratosSource(kratos)
    await source.signOut!(session)
    expect(kratos.calls).toEqual([logoutFlow(REFUSED), logoutFlow()])
    expect(navigated).toEqual([`${KRATOS}/self-service/logout?token=${TOKEN}`]) // no return_to: Kratos's default
    // Following it ends the session at Kratos.
    await kratos.fetch(navigated[0]!)
    expect(kratos.state.session).toBe(false)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('redirect: false: the new logout URL is called, the session at Kratos ends (whoami 401 afterwards)', async () => {
    warnings()
    const kratos = miniKratos()
    const { source, navigated } = kratosSource(kratos)
    await expect(source.signOut!(session, { redirect: false })).resolves.toBeUndefined()
    expect(kratos.calls).toEqual([logoutFlow(REFUSED), logoutFlow(), `/self-service/logout?token=${TOKEN}`])
    expect(navigated).toEqual([])
    expect((await kratos.fetch(`${KRATOS}/sessions/whoami`)).status).toBe(401)
  })

  it("warns once per source, naming the refused URL and Kratos's setting, never the token or the logout URL", async () => {
    const warn = warnings()
    const kratos = miniKratos()
    const { source } = kratosSource(kratos)
    await source.signOut!(session, { redirect: false })
    kratos.state.session = true // signed in again
    await source.signOut!(session, { redirect: false })
    expect(kratos.state.session).toBe(false)
    expect(warn).toHaveBeenCalledTimes(1)
    const message = String(warn.mock.calls[0]![0])
    expect(message).toContain(`"${REFUSED}"`)
    expect(message).toContain('selfservice.allowed_return_urls')
    expect(message).toContain('afterLogoutUrl')
    expect(message).not.toContain(TOKEN)
    expect(message).not.toContain('/self-service/logout')
    expect(warn.mock.calls[0]).toHaveLength(1) // no object (a response, a body) beside it
    // Another source warns for itself.
    kratos.state.session = true
    await kratosSource(kratos, { name: 'kratos-admin' }).source.signOut!(session, { redirect: false })
    expect(warn).toHaveBeenCalledTimes(2)
    expect(String(warn.mock.calls[1]![0])).toContain('kratos-admin')
  })

  it('an allowed afterLogoutUrl, or none: one flow, no warning', async () => {
    const warn = warnings()
    const allowed = miniKratos()
    await kratosSource(allowed, { afterLogoutUrl: `${ALLOWED}signed-out` }).source.signOut!(session, { redirect: false })
    expect(allowed.calls).toEqual([logoutFlow(`${ALLOWED}signed-out`), `/self-service/logout?token=${TOKEN}&return_to=${encodeURIComponent(`${ALLOWED}signed-out`)}`])
    const none = miniKratos()
    await kratosSource(none, { afterLogoutUrl: undefined }).source.signOut!(session, { redirect: false })
    expect(none.calls).toEqual([logoutFlow(), `/self-service/logout?token=${TOKEN}`])
    expect(warn).not.toHaveBeenCalled()
  })

  it.each([
    ['another 400', { error: { code: 400, status: 'Bad Request', reason: 'Unable to parse the return_to query parameter as an URL' } }, 400],
    ['a 400 with another id', { error: { id: 'browser_location_change_required', code: 400 } }, 400],
    ['the refusal id on a 403', { error: { id: 'self_service_flow_return_to_forbidden', code: 403 } }, 403],
    ['a 500', { error: { code: 500, message: 'db down' } }, 500],
  ])('%s stays sign-out-failed: one request, no warning', async (_, body, status) => {
    const warn = warnings()
    const calls: string[] = []
    const source = createKratosSource({
      basePath: KRATOS, afterLogoutUrl: REFUSED, navigate: () => {},
      fetch: async (input) => (calls.push(String(input)), new Response(JSON.stringify(body), { status })),
    })
    await expect(source.signOut!(session)).rejects.toMatchObject({ code: 'sign-out-failed', cause: { status, body } })
    expect(calls).toHaveLength(1)
    expect(warn).not.toHaveBeenCalled()
  })

  it('the second flow judged like any: 401 is done, 500 is sign-out-failed, a second refusal is not asked a third time', async () => {
    warnings()
    const refusal = { error: { id: 'self_service_flow_return_to_forbidden', code: 400 } }
    const run = async (second: () => Response | Promise<Response>) => {
      const calls: string[] = []
      const source = createKratosSource({
        basePath: KRATOS, afterLogoutUrl: REFUSED, navigate: () => {},
        fetch: async (input) => (calls.push(String(input)), calls.length === 1 ? new Response(JSON.stringify(refusal), { status: 400 }) : second()),
      })
      const outcome = await source.signOut!(session).then(() => 'done', (error: { code: string }) => error.code)
      return { outcome, requests: calls.length }
    }
    expect(await run(() => new Response(JSON.stringify({ error: { id: 'session_inactive', code: 401 } }), { status: 401 }))).toEqual({ outcome: 'done', requests: 2 })
    expect(await run(() => new Response(JSON.stringify({ error: { code: 500 } }), { status: 500 }))).toEqual({ outcome: 'sign-out-failed', requests: 2 })
    expect(await run(() => new Response(JSON.stringify(refusal), { status: 400 }))).toEqual({ outcome: 'sign-out-failed', requests: 2 })
    expect(await run(() => Promise.reject(new TypeError('Failed to fetch')))).toEqual({ outcome: 'sign-out-failed', requests: 2 })
  })

  it('through the store: logout() resolves, every request after it finds no session at Kratos', async () => {
    warnings()
    const kratos = miniKratos()
    const { source } = kratosSource(kratos)
    const store = createSessionStore({ source, persistence: createMemoryPersistence(), channel: null })
    stores.push(store)
    store.start()
    await store.whenHydrated()
    await store.signIn(makeSession({ sessionId: 'sess-1' }))
    await expect(store.logout({ redirect: false })).resolves.toBeUndefined()
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    expect((await kratos.fetch(`${KRATOS}/sessions/whoami`)).status).toBe(401)
  })
})
