import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionEvent } from '../../src/index'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json } from '../support/provider-answers'

// Some providers echo the credential they were sent in their error answer:
// Spring Security OAuth's servers (and their many forks) answer
// `invalid_grant` with "Invalid refresh token: <the token>" or
// "Invalid authorization code: <the code>". Apps log what they are given
// (`logout().catch(console.error)`, a `refresh-failed` listener, Sentry's
// cause chains), so none of it may carry the credential.

afterEach(() => {
  vi.unstubAllGlobals()
  localStorage.clear()
})

const ISSUER = 'https://idp.example'
const metadata = { issuer: ISSUER, authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, revocation_endpoint: `${ISSUER}/revoke` }
const settings = { authority: ISSUER, client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid offline_access', metadata }
const RT = 'rt-9f8e7d6c5b4a3210'
const CODE = 'Xq7ZpA'

/** Everything a logger could print of an error: its text, its inspection (cause chain included), its JSON. */
const printed = (value: unknown) => {
  const cause = (value as { cause?: unknown } | null)?.cause
  return `${String(value)} ${inspect(value, { depth: null, showHidden: true })} ${JSON.stringify(value)} ${String(cause)} ${JSON.stringify(cause)}`
}
const refreshWith = (answer: () => Response) => {
  vi.stubGlobal('fetch', async () => answer())
  return createOidcSource(settings)
    .refresh(makeSession({ refreshToken: RT }), { signal: new AbortController().signal, timeoutMs: 5000 })
    .catch((error: unknown) => error)
}

describe('a provider that echoes the credential in its error answer', () => {
  it('refresh refused with "Invalid refresh token: <token>": no token in the error or its cause; still refresh-rejected', async () => {
    const error = await refreshWith(() => json(400, { error: 'invalid_grant', error_description: `Invalid refresh token: ${RT}` }))
    expect(error).toMatchObject({ code: 'refresh-rejected', providerError: 'invalid_grant' })
    expect(printed(error)).not.toContain(RT)
    expect(printed(error)).toContain('Invalid refresh token: ')
  })

  it('refresh answered 401 without an OAuth error field, echoing the token: no token in the message or cause; still transient', async () => {
    const error = await refreshWith(() => json(401, { message: `Invalid refresh token: ${RT}` }))
    expect(error).toMatchObject({ code: 'refresh-server', definitive: false })
    expect(printed(error)).not.toContain(RT)
  })

  it('the refresh-failed event an app logs carries no token', async () => {
    vi.stubGlobal('fetch', async () => json(400, { error: 'invalid_grant', error_description: `Invalid refresh token: ${RT}` }))
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source: createOidcSource(settings) })
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    await store.whenHydrated()
    await store.signIn(makeSession({ refreshToken: RT }))
    await store.refresh({ force: true }).catch(() => {})
    store.destroy()
    const failed = events.filter((event) => event.type === 'refresh-failed')
    expect(failed).toHaveLength(1)
    expect(failed.map(printed).join(' ')).not.toContain(RT)
  })

  it('code exchange refused with "Invalid authorization code: <code>": sign-in-failed names neither the code nor the PKCE verifier', async () => {
    let redirected = ''
    let verifier = ''
    vi.stubGlobal('fetch', async (_: string, init: RequestInit = {}) => {
      verifier = new URLSearchParams(String(init.body)).get('code_verifier') ?? ''
      return json(400, { error: 'invalid_grant', error_description: `Invalid authorization code: ${CODE}; verifier ${verifier}` })
    })
    const source = createOidcSource(settings, { navigate: (url) => (redirected = url) })
    await source.startSignIn!()
    const error = await source.completeSignIn!(`https://app.example/cb?code=${CODE}&state=${new URL(redirected).searchParams.get('state')}`).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'sign-in-failed' })
    expect(verifier.length).toBeGreaterThan(40)
    expect(printed(error)).not.toContain(CODE)
    expect(printed(error)).not.toContain(verifier)
  })

  it('code exchange answered without an OAuth error field, echoing the code: sign-in-failed does not name it', async () => {
    let redirected = ''
    vi.stubGlobal('fetch', async () => json(400, { message: `Invalid authorization code: ${CODE}` }))
    const source = createOidcSource(settings, { navigate: (url) => (redirected = url) })
    await source.startSignIn!()
    const error = await source.completeSignIn!(`https://app.example/cb?code=${CODE}&state=${new URL(redirected).searchParams.get('state')}`).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'sign-in-failed' })
    expect(printed(error)).not.toContain(CODE)
  })

  it('revocation refused, echoing the token: sign-out-failed names no token, in its message or cause', async () => {
    vi.stubGlobal('fetch', async () => json(400, { error: 'invalid_request', error_description: `Invalid token: ${RT}` }))
    const source = createOidcSource(settings, { navigate: () => {} })
    const error = await source.signOut!(makeSession({ refreshToken: RT }), { redirect: false }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'sign-out-failed' })
    expect(printed(error)).not.toContain(RT)
    expect((error as Error).message).toContain('invalid_request (Invalid token: ')
  })
})

describe('classifyOidcError on its own (exported for custom sources)', () => {
  it('cuts a credential out of a thrown string, and the longer of two overlapping ones whole', async () => {
    const { classifyOidcError } = await import('../../src/oidc')
    const token = 'rt-0123456789abcdef'
    const error = classifyOidcError(`Invalid refresh token: ${token}`, [token.slice(0, 10), token])
    expect(error.code).toBe('refresh-server')
    const said = `${error.message} ${String(error.cause)} ${inspect(error)}`
    expect(said).not.toContain(token.slice(0, 10))
    expect(said).not.toContain('abcdef')
  })
})

describe('classifyOidcError with the credentials given another way than as a list', () => {
  const token = 'rt-0123456789abcdef'
  // A provider that echoes what it was sent: an OAuth error body, as oidc-client-ts's ErrorResponse holds it.
  const echoed = () => Object.assign(new Error(`Invalid refresh token: ${token}`), { name: 'ErrorResponse', error: 'invalid_grant', error_description: `Invalid refresh token: ${token}` })

  // Before: the string was spread into its characters, each too short to count as a credential: nothing was cut.
  it('one credential as a string is cut out, and the refusal still ends the session', async () => {
    const { classifyOidcError } = await import('../../src/oidc')
    const error = classifyOidcError(echoed(), token as never)
    expect(error).toMatchObject({ code: 'refresh-rejected', providerError: 'invalid_grant' })
    expect(`${error.message} ${inspect(error)}`).not.toContain(token)
  })

  it.each([[null], [undefined]])('%s counts as none (the request carried none)', async (credentials) => {
    const { classifyOidcError } = await import('../../src/oidc')
    expect(classifyOidcError(echoed(), credentials as never)).toMatchObject({ code: 'refresh-rejected', providerError: 'invalid_grant' })
  })

  it.each([[{ refreshToken: token }], [42]])('%j is refused with invalid-argument (nothing could be cut out of it)', async (credentials) => {
    const { classifyOidcError } = await import('../../src/oidc')
    expect(() => classifyOidcError(echoed(), credentials as never)).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})
