import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type RefreshError } from '../../src/index'
import { createOidcSource, mapTokenResponse } from '../../src/oidc'
import { FakeClock } from '../support/fake-clock'
import { makeSession } from '../support/sessions'
import { jwt, json } from '../support/provider-answers'

// oidc-client-ts reads a token response without access_token as "": a
// provider answering so (a misconfigured grant, a proxy stripping fields)
// must not sign anyone in with an empty token, nor replace a good one with it.

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
})

const metadata = { issuer: 'https://idp.example', authorization_endpoint: 'https://idp.example/auth', token_endpoint: 'https://idp.example/token' }
const settings = { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid', metadata }
const noWake = { subscribe: () => () => {} }

describe('a token response without an access token', () => {
  it('at sign-in: completeLogin rejects with sign-in-failed and nobody is signed in', async () => {
    vi.stubGlobal('fetch', async () => json(200, { token_type: 'Bearer', expires_in: 600, refresh_token: 'rt-1', id_token: jwt({ sub: 'u1' }) }))
    let redirected = ''
    const source = createOidcSource(settings, { navigate: (url) => (redirected = url) })
    const shared = new Map<string, unknown>()
    const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null, source, locks: createMemoryLocks(), logoutJournal: null })
    cleanups.push(store.start(), () => store.destroy())
    await store.login()
    const callback = `https://app.example/cb?code=c&state=${new URL(redirected).searchParams.get('state')}`
    const failure = await store.completeLogin(callback).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'sign-in-failed', message: expect.stringMatching(/no access_token/) })
    expect(store.getState().status).toBe('unauthenticated')
    expect(shared.get('session')).toBeUndefined()
  })

  it('on refresh: the old access token stays, the rotated refresh token is kept, and the next try gets a new access token', async () => {
    const clock = new FakeClock(Date.now())
    const sent: string[] = []
    let current = 'rt-0'
    vi.stubGlobal('fetch', async (_input: string, init: RequestInit = {}) => {
      const token = new URLSearchParams(String(init.body)).get('refresh_token')!
      sent.push(token)
      if (token !== current) return json(400, { error: 'invalid_grant' })
      current = `rt-${sent.length}`
      const answer = { refresh_token: current, token_type: 'Bearer', expires_in: 600 }
      return json(200, sent.length === 1 ? answer : { ...answer, access_token: `at-${sent.length}` })
    })
    const source = createOidcSource(settings, { now: clock.now })
    const store = createSessionStore({ channel: null, clock, wake: noWake, locks: createMemoryLocks(), persistence: createMemoryPersistence(), source, logoutJournal: null })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    const expiresAt = new Date(clock.now() + 10 * 60_000).toISOString()
    await store.signIn(makeSession({ accessToken: 'at-valid', expiresAt, refreshToken: 'rt-0', idToken: jwt({ sub: 'u1' }), user: { id: 'u1', username: 'u' } }, clock.now()))

    const failure = (await store.refresh({ force: true }).catch((error: unknown) => error)) as RefreshError
    expect(failure).toMatchObject({ code: 'refresh-server', definitive: false })
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { accessToken: 'at-valid', expiresAt, refreshToken: 'rt-1' } })
    await expect(store.getAccessToken()).resolves.toBe('at-valid')

    await store.refresh({ force: true })
    expect(sent).toEqual(['rt-0', 'rt-1'])
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { accessToken: 'at-2', refreshToken: 'rt-2' } })
  })

  it('mapTokenResponse says so at sign-in, and leaves the field out of a refresh', () => {
    const response = { access_token: '', token_type: 'Bearer', profile: { sub: 'u1' } }
    const context = { now: Date.now(), deviceInfo: () => ({}), providerName: 'IdP' }
    expect(() => mapTokenResponse(response, context)).toThrow(/no access_token/)
    const previous = makeSession({ accessToken: 'at-old' })
    expect(mapTokenResponse(response, { ...context, previous }).session).not.toHaveProperty('accessToken')
  })
})
