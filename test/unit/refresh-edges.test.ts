import { afterEach, describe, expect, it, vi } from 'vitest'
import { OidcClient } from 'oidc-client-ts'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, RefreshError, systemClock, type SessionSource, type SourceResult } from '../../src/index'
import { createOidcSource } from '../../src/oidc'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer, firstAnswerHeld } from '../support/fake-source'
import { ManualWake } from '../support/refresh-browser'
import { jwt, json } from '../support/provider-answers'

const MINUTE = 60_000
const noWake = { subscribe: () => () => {} }
const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const seconds = (ms: number) => Math.floor(ms / 1000)
const metadata = {
  issuer: 'https://idp.example',
  authorization_endpoint: 'https://idp.example/auth',
  token_endpoint: 'https://idp.example/token',
  userinfo_endpoint: 'https://idp.example/userinfo',
  revocation_endpoint: 'https://idp.example/revoke',
}

/** A scripted provider: code exchange, rotating refresh tokens, userinfo with claims the ID token does not carry. */
function scriptedProvider(options: { delayRefresh?: () => Promise<void> } = {}) {
  let current = 'rt-1'
  let serial = 1
  const seen: string[] = []
  const idToken = jwt({ iss: metadata.issuer, aud: 'app', sub: 'user-42', sid: 'sid-abc', iat: seconds(Date.now()), exp: seconds(Date.now()) + 600, auth_time: seconds(Date.now()) - 60 })
  const fetchStub = async (input: string, init: RequestInit = {}) => {
    const url = String(input)
    if (url.endsWith('/userinfo')) {
      return json(200, { sub: 'user-42', preferred_username: 'alice', email: 'alice@example.test', groups: ['admins'], picture: 'https://cdn.example/alice.png', idp: 'google' })
    }
    const form = new URLSearchParams(String(init.body))
    if (form.get('grant_type') === 'authorization_code') {
      seen.push(`code:${form.get('code')}`)
      return json(200, { access_token: 'at-1', refresh_token: current, id_token: idToken, token_type: 'Bearer', expires_in: 600, scope: 'openid profile offline_access' })
    }
    const sent = form.get('refresh_token')!
    seen.push(`refresh:${sent}`)
    if (sent !== current) return json(400, { error: 'invalid_grant' })
    serial += 1
    current = `rt-${serial}`
    const answer = json(200, { access_token: `at-${serial}`, refresh_token: current, token_type: 'Bearer', expires_in: 600 })
    // Rotated already: like a real fetch, an abort meanwhile loses the answer.
    const aborted = new Promise<never>((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('The operation was aborted', 'AbortError'))))
    if (options.delayRefresh) await Promise.race([options.delayRefresh(), aborted])
    return answer
  }
  return { fetchStub, seen, current: () => current }
}

async function oidcStore(provider: ReturnType<typeof scriptedProvider>, extra: Parameters<typeof createSessionStore>[0] = {}, clock = new FakeClock(Date.now())) {
  vi.stubGlobal('fetch', provider.fetchStub)
  let redirected = ''
  const source = createOidcSource(
    { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'openid profile offline_access', loadUserInfo: true, metadata },
    { navigate: (url) => (redirected = url), now: clock.now },
  )
  const store = createSessionStore({ channel: null, clock, wake: noWake, locks: createMemoryLocks(), persistence: createMemoryPersistence(), source, ...extra })
  cleanups.push(store.start(), () => store.destroy())
  await store.whenHydrated()
  await store.login()
  const state = new URL(redirected).searchParams.get('state')
  await store.completeLogin(`https://app.example/cb?code=c1&state=${state}`)
  return { store, clock, source }
}

describe('an OIDC refresh', () => {
  it('a refresh without a new ID token keeps the claims the sign-in took from userinfo (metadata.claims, identityProvider.idp)', async () => {
    const provider = scriptedProvider()
    const { store } = await oidcStore(provider)
    const signedIn = store.getState().session!
    // What the sign-in mapped from the ID token + userinfo.
    expect(signedIn.metadata?.claims).toMatchObject({ groups: ['admins'], picture: 'https://cdn.example/alice.png' })
    expect(signedIn.identityProvider).toMatchObject({ name: 'google', idp: 'google' })

    await store.refresh({ force: true })
    const refreshed = store.getState().session!
    expect(refreshed).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2', user: { username: 'alice', email: 'alice@example.test' } })
    // What the user sees today: after the first silent refresh (every few
    // minutes), metadata.claims has lost `groups` and `picture` (an app reading
    // roles from there drops the user's admin rights), and identityProvider
    // flips from google to the authority. Refreshes never load userinfo, and
    // mapTokenResponse replaces metadata.claims and identityProvider with what
    // the old ID token alone says. Correct: what the refresh does not restate
    // is kept from the session being refreshed, as user.email/name already are.
    expect(refreshed.metadata?.claims).toMatchObject({ groups: ['admins'], picture: 'https://cdn.example/alice.png' })
    expect(refreshed.identityProvider).toMatchObject({ name: 'google', idp: 'google' })
  })

  it('an answer the provider sends after the scheduler\'s timeout is kept: its rotated refresh token is the one sent next', async () => {
    let slow = true
    const provider = scriptedProvider({ delayRefresh: () => (slow ? new Promise((resolve) => setTimeout(resolve, 400)) : Promise.resolve()) })
    // The real clock: oidc-client-ts times its requests with real timers, as the scheduler does here.
    const { store } = await oidcStore(provider, { refresh: { timeoutMs: 100 } }, systemClock as FakeClock)
    // The scheduler stops waiting at 2 x 100 ms; the provider has rotated rt-1 and answers at 400 ms.
    await expect(store.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-timeout' })
    expect(store.getState().status).toBe('authenticated')
    await new Promise((resolve) => setTimeout(resolve, 600))
    slow = false
    await store.refresh({ force: true })
    // Before: oidc-client-ts aborted at the 100 ms budget, rt-2 was lost, and rt-1 went out again (invalid_grant: signed out).
    expect(provider.seen).toEqual(['code:c1', 'refresh:rt-1', 'refresh:rt-2'])
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { refreshToken: 'rt-3', accessToken: 'at-3' } })
  })

  it('gives the token request up only past 60 s (or requestTimeoutSeconds, if longer)', async () => {
    const spy = vi.spyOn(OidcClient.prototype, 'useRefreshToken')
    const { store } = await oidcStore(scriptedProvider(), { refresh: { timeoutMs: 4000 } })
    await store.refresh({ force: true })
    expect(spy.mock.calls.at(-1)![0].timeoutInSeconds).toBe(60)
  })
})

describe('refreshes that cannot run, or answer late', () => {
  it('an answer arriving after the scheduler gave up (2 x timeoutMs) is stored, not lost: the spent refresh token is not sent again', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
    const inner = server.source()
    let answer: (() => void) | null = null
    // A custom source that ignores the abort signal and has no timeout of its own; the provider rotates at once.
    const source: SessionSource = {
      ...inner,
      refresh: (session, context) =>
        inner.refresh!(session, context).then((result) => new Promise<SourceResult>((resolve) => (answer = () => resolve(result)))),
    }
    const store = createSessionStore({
      channel: null,
      clock,
      wake: noWake,
      locks: createMemoryLocks(),
      persistence: createMemoryPersistence(),
      source,
      refresh: { timeoutMs: 4000, retryBaseMs: 60_000, retryMaxMs: 60_000 },
    })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.completeLogin('https://app.example/cb')
    const spent = store.getState().session!.refreshToken
    const failed = store.refresh({ force: true }).catch((error: unknown) => error)
    await settle()
    await clock.advance(8_100) // the scheduler stops waiting at 8 s and lets the lock go
    expect(await failed).toMatchObject({ code: 'refresh-timeout' })
    answer!() // the answer, with the rotated refresh token, arrives after all
    await settle(10)
    expect(store.getState().session!.refreshToken).not.toBe(spent)
    await clock.advance(2 * MINUTE) // past the backoff: nothing is due, the stored answer is fresh
    await settle(10)
    expect({ refreshes: server.refreshes, invalidGrants: server.invalidGrants, status: store.getState().status }).toEqual({
      refreshes: 1,
      invalidGrants: 0,
      status: 'authenticated',
    })
  })

  it('a tab torn down (destroy) while its abandoned request is out: the other tabs still wait for that answer', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
    const inner = server.source()
    const { source: slow, release } = firstAnswerHeld(inner)
    const shared = { locks: createMemoryLocks(), persistence: createMemoryPersistence(), channel: null, clock, wake: noWake, refresh: { timeoutMs: 1000 } }
    const a = createSessionStore({ ...shared, source: slow })
    const b = createSessionStore({ ...shared, source: inner })
    cleanups.push(a.start(), b.start(), () => a.destroy(), () => b.destroy())
    await Promise.all([a.whenHydrated(), b.whenHydrated()])
    await a.completeLogin('https://app.example/cb')
    await b.reconcile()
    const failed = a.refresh({ force: true }).catch((error: unknown) => error)
    await settle()
    await clock.advance(2100)
    expect(await failed).toMatchObject({ code: 'refresh-timeout' })
    a.destroy()
    // Before: destroy() let go of the flag, b sent the spent refresh token (invalid_grant) and every tab was signed out.
    await expect(b.refresh({ force: true })).rejects.toMatchObject({ code: 'refresh-deferred' })
    release()
    await settle(10)
    await b.reconcile()
    await clock.advance(2 * MINUTE)
    await b.refresh({ force: true })
    expect({ invalidGrants: server.invalidGrants, status: b.getState().status }).toEqual({ invalidGrants: 0, status: 'authenticated' })
  })

  it('navigator.locks.request rejecting (opaque origin: SecurityError) falls back to an in-process lock: no spinning timer, a token', async () => {
    let requests = 0
    vi.stubGlobal('navigator', {
      ...navigator,
      onLine: true,
      locks: {
        request: () => {
          requests += 1
          // Stops the spin after 200 rounds so the test ends either way.
          if (requests > 200) return new Promise(() => {})
          return Promise.reject(new DOMException('The request was denied.', 'SecurityError'))
        },
      },
    })
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
    // No `locks` option: the default (Web Locks where navigator.locks exists).
    const store = createSessionStore({ channel: null, clock, wake: new ManualWake(), persistence: createMemoryPersistence(), source: server.source() })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.completeLogin('https://app.example/cb')
    // getAccessToken() with the token expired (timers did not run: a sleeping laptop).
    clock.sleep(11 * MINUTE)
    const token = await store.getAccessToken().catch((e: unknown) => e)
    await clock.advance(1000)
    await settle(10)
    // Before: every refused lock request re-armed the timer at 0 ms (a page
    // pinned at 100 % CPU) and getAccessToken() rejected with a bare
    // DOMException. Now the tab serialises its refreshes by itself.
    expect(requests).toBeLessThan(5)
    expect(token).toBe(store.getState().session!.accessToken)
  })

  it('any other failure outside the source call is a typed, backed-off refresh failure', async () => {
    let requests = 0
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
    // A custom Locks whose request fails.
    const locks = { request: () => ((requests += 1), Promise.reject(new Error('lock manager gone'))) }
    const store = createSessionStore({ channel: null, clock, wake: new ManualWake(), persistence: createMemoryPersistence(), source: server.source(), locks })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.completeLogin('https://app.example/cb')
    clock.sleep(11 * MINUTE)
    const error = await store.getAccessToken().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RefreshError)
    expect(error).toMatchObject({ code: 'refresh-network', definitive: false })
    await clock.advance(1000)
    await settle(10)
    // Backed off (0.5 s to 1 s first), not retried at 0 ms; and still signed in: a transient failure is not logout.
    expect(requests).toBeLessThan(4)
    expect(store.getState().status).toBe('authenticated')
  })
})
