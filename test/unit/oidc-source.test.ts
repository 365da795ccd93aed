import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { classifyOidcError, createOidcSource, mapTokenResponse, type TokenResponseLike } from '../../src/oidc'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { announceLogout, bus } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'
import { jwt, json } from '../support/provider-answers'

const MINUTE = 60_000
const noWake = { subscribe: () => () => {} }
const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const NOW = Date.parse('2026-11-23T12:00:00Z')
const seconds = (ms: number) => Math.floor(ms / 1000)
const context = { now: NOW, deviceInfo: () => ({ userAgent: 'ua' }), providerName: 'Test IdP' }
const metadata = {
  issuer: 'https://idp.example',
  authorization_endpoint: 'https://idp.example/auth',
  token_endpoint: 'https://idp.example/token',
  userinfo_endpoint: 'https://idp.example/userinfo',
}

function signInResponse(): TokenResponseLike {
  return {
    access_token: 'at-1',
    refresh_token: 'rt-1',
    id_token: jwt({ sub: 'user-42', sid: 'sid-abc', iat: seconds(NOW), auth_time: seconds(NOW) - 60 }),
    token_type: 'Bearer',
    scope: 'openid profile',
    expires_at: seconds(NOW) + 300,
    profile: { sub: 'user-42', preferred_username: 'alice', email: 'alice@example.test' },
  }
}

describe('mapping edge cases', () => {
  it('a refresh that does not restate preferred_username keeps the username', () => {
    const first = mapTokenResponse(signInResponse(), context).session
    const refreshed = mapTokenResponse(
      { access_token: 'at-2', refresh_token: 'rt-2', id_token: first.idToken, token_type: 'Bearer', expires_at: seconds(NOW) + 600, profile: { sub: 'user-42' } },
      { ...context, previous: first, knownSkewMs: 0 },
    ).session
    expect(refreshed.user.username).toBe('alice')
  })

  it('without expires_in: the JWT access token exp, else a 5 minute default, never "already expired"', () => {
    const { expires_at: _stated, ...noExpiry } = signInResponse()
    const opaque = mapTokenResponse(noExpiry as TokenResponseLike, context).session
    expect(Date.parse(opaque.expiresAt)).toBe(NOW + 5 * MINUTE)
    const withExp = mapTokenResponse({ ...noExpiry, access_token: jwt({ exp: seconds(NOW) + 900 }) } as TokenResponseLike, context).session
    expect(Date.parse(withExp.expiresAt)).toBe(NOW + 900_000)
  })

  it.each([
    ['auth_time', { id_token: jwt({ sub: 'user-42', auth_time: 1e14 }) }],
    ['iat', { id_token: jwt({ sub: 'user-42', iat: 1e14 }) }],
    ['expires_at', { expires_at: 1e14 }],
    ['refresh_expires_in', { refresh_expires_in: 1e14 }],
  ])('an out-of-range %s is ignored, not a RangeError', (_, change) => {
    const { session } = mapTokenResponse({ ...signInResponse(), ...change }, context)
    for (const at of [session.expiresAt, session.initiatedAt, session.refreshTokenExpiresAt ?? session.expiresAt]) {
      expect(Number.isNaN(Date.parse(at))).toBe(false)
    }
  })

  it.each(['invalid_request', 'invalid_scope', 'unsupported_grant_type', 'access_denied', 'invalid_client'])('%s ends the session (asking again cannot help)', (error) => {
    expect(classifyOidcError({ name: 'ErrorResponse', error }).definitive).toBe(true)
  })

  it.each(['temporarily_unavailable', 'server_error', 'slow_down', 'some_vendor_code'])('%s is retried', (error) => {
    expect(classifyOidcError({ name: 'ErrorResponse', error }).definitive).toBe(false)
  })

  it('an ID token for another user on refresh is definitive', () => {
    expect(classifyOidcError(new Error('sub in id_token does not match current sub'))).toMatchObject({ code: 'refresh-rejected', definitive: true })
  })
})

describe('the OIDC source against a scripted provider', () => {
  it('refreshes never load userinfo, so a userinfo outage cannot throw rotated tokens away', async () => {
    const clock = new FakeClock(Date.now())
    let current = 'rt-0'
    const calls: string[] = []
    vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
      const url = String(input)
      if (url.endsWith('/userinfo')) return calls.push('userinfo'), json(503, { message: 'busy' })
      const form = new URLSearchParams(String(init.body))
      calls.push(`token:${form.get('refresh_token')}`)
      if (form.get('refresh_token') !== current) return json(400, { error: 'invalid_grant' })
      current = `rt-${calls.length}`
      return json(200, { access_token: `at-${calls.length}`, refresh_token: current, token_type: 'Bearer', expires_in: 600 })
    })
    const source = createOidcSource({ authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', loadUserInfo: true, metadata }, { now: clock.now })
    const store = createSessionStore({ channel: null, clock, wake: noWake, locks: createMemoryLocks(), persistence: createMemoryPersistence(), source })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    const idToken = jwt({ sub: 'user-1', iat: seconds(clock.now()) })
    await store.signIn(makeSession({ refreshToken: 'rt-0', idToken, user: { id: 'user-1', username: 'u' }, expiresAt: new Date(clock.now() + 10 * MINUTE).toISOString() }, clock.now()))
    await clock.advance(9 * MINUTE + 1000)
    await settle(20)
    expect(calls).toEqual(['token:rt-0'])
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { refreshToken: current } })
  })

  it('a refresh answer 10.5 s on its way: its access token expires when the provider says, counted from the request', async () => {
    let t = Date.parse('2026-11-23T12:00:00Z')
    vi.spyOn(Date, 'now').mockImplementation(() => t) // oidc-client-ts counts expires_at from Date.now() at arrival
    const sentAt = t
    vi.stubGlobal('fetch', async () => {
      t += 10_500 // the answer, issued at the send, is 10.5 s on its way
      return json(200, { access_token: 'at-2', refresh_token: 'rt-2', id_token: jwt({ sub: 'user-1', iat: seconds(sentAt) }), token_type: 'Bearer', expires_in: 10 })
    })
    const source = createOidcSource({ authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', metadata })
    const session = makeSession({ refreshToken: 'rt-1', idToken: jwt({ sub: 'user-1' }), user: { id: 'user-1', username: 'u' } }, sentAt)
    const { session: refreshed, clockSkewMs } = await source.refresh(session, { signal: new AbortController().signal, timeoutMs: 15_000 })
    expect(clockSkewMs).toBe(0)
    // Before: 10.5 s later, with -10.5 s of skew. (oidc-client-ts's expires_at is in whole seconds: up to 1 s earlier, never later.)
    expect(Date.parse(refreshed.expiresAt)).toBeGreaterThan(sentAt + 9000)
    expect(Date.parse(refreshed.expiresAt)).toBeLessThanOrEqual(sentAt + 10_000)
  })

  it('completeLogin called twice for one callback (StrictMode) redeems the code once', async () => {
    const redeemed: string[] = []
    vi.stubGlobal('fetch', async (_input: string, init: RequestInit = {}) => {
      redeemed.push(new URLSearchParams(String(init.body)).get('code')!)
      return json(200, { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 600 })
    })
    let redirected = ''
    const source = createOidcSource(
      { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'api', metadata },
      { navigate: (url) => (redirected = url) },
    )
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source })
    cleanups.push(() => store.destroy())
    await store.login()
    const callback = `https://app.example/cb?code=c1&state=${new URL(redirected).searchParams.get('state')}`
    const [first, second] = await Promise.all([store.completeLogin(callback), store.completeLogin(callback)])
    expect(redeemed).toEqual(['c1'])
    expect(second).toBe(first)
    expect(store.getState().status).toBe('authenticated')
  })
})

describe('callbacks across tabs', () => {
  afterEach(() => localStorage.clear())
  const oidcSettings = { authority: 'https://idp.example', client_id: 'app', redirect_uri: 'https://app.example/cb', scope: 'api', metadata }

  /** A browser: tabs share localStorage (the sign-in state), storage, the tab channel and locks; the provider counts redemptions. */
  function browser() {
    const redeemed: string[] = []
    vi.stubGlobal('fetch', async (_input: string, init: RequestInit = {}) => {
      const code = new URLSearchParams(String(init.body)).get('code')!
      redeemed.push(code)
      return json(200, { access_token: `at-${code}`, refresh_token: `rt-${code}`, token_type: 'Bearer', expires_in: 600 })
    })
    const shared = new Map<string, unknown>()
    const channels = bus()
    const locks = createMemoryLocks()
    let redirected = ''
    const tab = (source: SessionSource = createOidcSource(oidcSettings, { navigate: (url) => (redirected = url) })) => {
      const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: channels(), locks, wake: noWake, source })
      cleanups.push(store.start(), () => store.destroy())
      return store
    }
    /** Starts a sign-in in `store`; the callback URL the provider would send back with `code`. */
    const callbackFor = async (store: SessionStore, code: string) => {
      await store.login()
      return `https://app.example/cb?code=${code}&state=${new URL(redirected).searchParams.get('state')}`
    }
    return { redeemed, tab, callbackFor, shared, channels }
  }

  it('two tabs completing one callback URL at once redeem the code once, and both end signed in with its session', async () => {
    const { redeemed, tab, callbackFor } = browser()
    const [a, b] = [tab(), tab()]
    const callback = await callbackFor(a, 'c1')
    const [first, second] = await Promise.all([a.completeLogin(callback), b.completeLogin(callback)])
    expect(redeemed).toEqual(['c1'])
    expect(first.session.accessToken).toBe('at-c1')
    expect(second.session).toEqual(first.session)
    await settle(10)
    expect([a.getState().status, b.getState().status]).toEqual(['authenticated', 'authenticated'])
  })

  it('a tab opened later on a completed callback URL (a duplicated tab, a reload) gets that session without redeeming again', async () => {
    const { redeemed, tab, callbackFor } = browser()
    const a = tab()
    const callback = await callbackFor(a, 'c1')
    const { session } = await a.completeLogin(callback)
    const later = await tab().completeLogin(callback)
    expect(later.session).toEqual(session)
    expect(redeemed).toEqual(['c1'])
  })

  it('the completed callback is still known after a refresh rotated the tokens', async () => {
    const { redeemed, tab, callbackFor } = browser()
    const a = tab()
    const callback = await callbackFor(a, 'c1')
    await a.completeLogin(callback)
    await a.refresh({ force: true })
    const refreshed = a.getState().session!
    expect(refreshed.refreshToken).not.toBe('rt-c1')
    const later = await tab().completeLogin(callback)
    expect(later.session).toEqual(refreshed)
    expect(redeemed.filter((code) => code === 'c1')).toHaveLength(1)
  })

  it('with a fixed return URL (a source without single-use callbacks), every visit is a sign-in of its own', async () => {
    const { tab } = browser()
    let signIns = 0
    const fixed: SessionSource = {
      name: 'own-endpoint',
      completeSignIn: async () => ({ session: makeSession({ sessionId: `s-${++signIns}` }) }),
      refresh: () => new Promise(() => {}),
    }
    const first = await tab(fixed).completeLogin('https://app.example/return')
    const second = await tab(fixed).completeLogin('https://app.example/return') // a step-up or re-login, same URL
    expect(signIns).toBe(2)
    expect([first.session.sessionId, second.session.sessionId]).toEqual(['s-1', 's-2'])
  })

  it('a logout announced by another tab is not undone by its completed callback URL', async () => {
    const { tab, callbackFor, shared, channels } = browser()
    const [a, b] = [tab(), tab()]
    const callback = await callbackFor(a, 'c1')
    await a.completeLogin(callback)
    await settle(10)
    announceLogout(channels(), shared, Date.now()) // its tombstone not written yet
    await settle(10)
    expect(b.getState().status).toBe('unauthenticated')
    await expect(b.completeLogin(callback)).rejects.toMatchObject({ code: 'sign-in-failed' })
  })

  it("a tab's own failed callback still rejects while another tab signs in with another one", async () => {
    const { redeemed, tab, callbackFor } = browser()
    const [a, b] = [tab(), tab()]
    const cancelled = (await callbackFor(a, 'unused')).replace('code=unused', 'error=access_denied')
    const other = await callbackFor(b, 'c2')
    // The other sign-in starts first and lands while this tab's callback is under way.
    const [theirs, mine] = await Promise.allSettled([b.completeLogin(other), a.completeLogin(cancelled)])
    expect(mine).toMatchObject({ status: 'rejected', reason: { code: 'sign-in-failed' } })
    expect(theirs).toMatchObject({ status: 'fulfilled', value: { session: { accessToken: 'at-c2' } } })
    expect(redeemed).toEqual(['c2'])
  })

  it("a callback that never answers in one tab does not hold back another tab's sign-in", async () => {
    const { tab, callbackFor } = browser()
    const hung = tab({ name: 'hung', completeSignIn: () => new Promise(() => {}), refresh: () => new Promise(() => {}) })
    void hung.completeLogin('https://app.example/cb?code=stuck&state=s')
    const b = tab()
    const callback = await callbackFor(b, 'c3')
    await expect(b.completeLogin(callback)).resolves.toMatchObject({ session: { accessToken: 'at-c3' } })
  })

  it('a stale callback URL while signed in rejects: it is not taken for the current sign-in', async () => {
    const { tab } = browser()
    const store = tab()
    await store.whenHydrated()
    await store.signIn(makeSession())
    await expect(store.completeLogin('https://app.example/cb?code=c9&state=unknown')).rejects.toMatchObject({ code: 'sign-in-failed' })
  })
})

describe('calculated fields', () => {
  it('isExpired uses the server clock skew, like the scheduler', async () => {
    const clock = new FakeClock(undefined, 15 * MINUTE) // this device runs 15 minutes fast
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 10 * MINUTE })
    const store = createSessionStore({ channel: null, clock, wake: noWake, locks: createMemoryLocks(), persistence: createMemoryPersistence(), source: server.source() })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.completeLogin('https://app.example/cb')
    await expect(store.getAccessToken()).resolves.toBeTruthy()
    expect(store.derived()).toMatchObject({ isExpired: false })
    await clock.advance(11 * MINUTE)
    expect(store.derived(clock.now() + 20 * MINUTE)).toMatchObject({ isExpired: true })
  })
})
