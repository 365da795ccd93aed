import { afterEach, describe, expect, it, vi } from 'vitest'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { json } from '../support/provider-answers'

// requestTimeoutSeconds takes any number of seconds from 0 up, Infinity among them ("no deadline"), as the
// argument checks let through. The timers that enforce it (oidc-client-ts's, the revocation's) are setTimeout,
// which fires at once past 2^31-1 ms: such a timeout must wait as long as a timer can, not abort every request.
// 0 is "no timeout" as oidc-client-ts reads its own requestTimeoutInSeconds; the revocation aborted at once on it.

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const settings = {
  authority: 'https://idp.example',
  client_id: 'app',
  redirect_uri: 'https://app.example/cb',
  metadata: { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token', revocation_endpoint: 'https://idp.example/revoke' },
}

/** A provider that answers after 20 ms, unless the request was aborted by then. */
function slowProvider(calls: string[]) {
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (init.signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError')
    calls.push(String(input))
    return String(input).endsWith('/revoke') ? new Response(null, { status: 200 }) : json(200, { access_token: 'at-2', refresh_token: 'rt-2', token_type: 'Bearer', expires_in: 300 })
  })
}

describe('createOidcSource with a requestTimeoutSeconds past what a timer holds, or 0 (none)', () => {
  it.each([[Number.POSITIVE_INFINITY], [1e7], [0]])('%s: a refresh and a revocation wait for a provider that answers late', async (requestTimeoutSeconds) => {
    const calls: string[] = []
    slowProvider(calls)
    const source = createOidcSource(settings, { requestTimeoutSeconds })
    const session = makeSession({ refreshToken: 'rt-1', user: { id: 'user-1', username: 'u' } })
    const { session: refreshed } = await source.refresh(session, { signal: new AbortController().signal, timeoutMs: 15_000 })
    expect(refreshed.accessToken).toBe('at-2')
    await source.signOut!(refreshed, { redirect: false })
    expect(calls).toEqual(['https://idp.example/token', 'https://idp.example/revoke'])
  })
})
