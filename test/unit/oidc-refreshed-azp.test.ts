import { afterEach, describe, expect, it, vi } from 'vitest'
import { createOidcSource } from '../../src/oidc'
import { makeSession } from '../support/sessions'
import { jwt, json } from '../support/provider-answers'

afterEach(() => vi.unstubAllGlobals())

const seconds = (ms: number) => Math.floor(ms / 1000)
const metadata = { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token' }
const settings = { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', metadata }
// Most providers state azp only with several audiences: the sign-in's ID token has none.
const signedIn = { iss: metadata.issuer, aud: 'app', sub: 'user-1', iat: seconds(Date.now()), auth_time: seconds(Date.now()) }

async function refreshWith(claims: object) {
  vi.stubGlobal('fetch', async () => json(200, { access_token: 'at-2', refresh_token: 'rt-2', id_token: jwt(claims), token_type: 'Bearer', expires_in: 600 }))
  const session = makeSession({ refreshToken: 'rt-1', idToken: jwt(signedIn), user: { id: 'user-1', username: 'u' } }, Date.now())
  return (await createOidcSource(settings).refresh(session, { signal: new AbortController().signal, timeoutMs: 15_000 })).session
}

describe('a refreshed ID token stating an azp the sign-in did not', () => {
  it('issued to another party: refused as definitive (id_token_mismatch), as the README says', async () => {
    await expect(refreshWith({ ...signedIn, azp: 'other-app' })).rejects.toMatchObject({ code: 'refresh-rejected', providerError: 'id_token_mismatch' })
  })

  it('naming this client: the same login, its tokens kept', async () => {
    await expect(refreshWith({ ...signedIn, azp: 'app' })).resolves.toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' })
  })
})
