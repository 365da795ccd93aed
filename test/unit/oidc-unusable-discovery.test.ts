import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json, jwt } from '../support/provider-answers'

// A provider behind a gateway in maintenance mode: every path answers 200 with
// a JSON status body, the discovery document's included. Once the provider is
// back, the real document is there to be read again.

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  localStorage.clear()
})

const ISSUER = 'https://idp.example'
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`
const document = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/auth`,
  token_endpoint: `${ISSUER}/token`,
  revocation_endpoint: `${ISSUER}/revoke`,
}
const settings = { authority: ISSUER, client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid offline_access' }

/** The provider: in maintenance (every answer a 200 status body) until `back()`. */
function provider() {
  let maintenance = true
  const asked: string[] = []
  vi.stubGlobal('fetch', async (input: string) => {
    const url = String(input)
    asked.push(url.replace(ISSUER, ''))
    if (maintenance) return json(200, { status: 'maintenance' })
    if (url === DISCOVERY) return json(200, document)
    if (url === document.revocation_endpoint) return new Response(null, { status: 200 })
    return json(200, { access_token: 'at-2', refresh_token: 'rt-2', id_token: jwt({ sub: 'user-1' }), token_type: 'Bearer', expires_in: 600 })
  })
  return { asked, back: () => (maintenance = false) }
}

function storeWith(source: ReturnType<typeof createOidcSource>): SessionStore {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source })
  cleanups.push(() => store.destroy())
  return store
}

describe('a discovery document that could not be used is read again, not kept for the life of the tab', () => {
  it('refresh: fails (retried) while it is unusable, and refreshes once the provider is back', async () => {
    const { asked, back } = provider()
    const source = createOidcSource(settings)
    const session = makeSession({ refreshToken: 'rt-1', idToken: jwt({ sub: 'user-1' }), user: { id: 'user-1', username: 'u' } })
    const context = { signal: new AbortController().signal, timeoutMs: 5000 }
    await expect(source.refresh(session, context)).rejects.toMatchObject({ name: 'RefreshError', code: 'refresh-server', definitive: false })
    back()
    const { session: refreshed } = await source.refresh(session, context)
    expect(refreshed).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2', user: { id: 'user-1' } })
    expect(asked.filter((url) => url === '/.well-known/openid-configuration')).toHaveLength(2)
  })

  it('login: sign-in-failed while it is unusable, nothing kept, and the next login() goes to the provider', async () => {
    const { back } = provider()
    const navigate = vi.fn()
    const store = storeWith(createOidcSource(settings, { navigate }))
    await expect(store.login()).rejects.toMatchObject({ name: 'AuthSessionError', code: 'sign-in-failed' })
    expect(navigate).not.toHaveBeenCalled()
    expect(Object.keys(localStorage).filter((key) => key.startsWith('oidc.'))).toEqual([])
    back()
    await store.login()
    expect(String(navigate.mock.calls[0]?.[0])).toMatch(/^https:\/\/idp\.example\/auth\?/)
  })

  it('logout: sign-out-failed while it is unusable, and the next logout() revokes the refresh token', async () => {
    const { asked, back } = provider()
    const store = storeWith(createOidcSource(settings, { navigate: () => {} }))
    await store.whenHydrated()
    await store.signIn(makeSession({ refreshToken: 'rt-secret-42' }))
    await expect(store.logout({ redirect: false })).rejects.toMatchObject({ code: 'sign-out-failed' })
    back()
    await expect(store.logout({ redirect: false })).resolves.toBeUndefined()
    expect(asked.at(-1)).toBe('/revoke')
  })
})
