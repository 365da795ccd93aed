import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionEvent } from '../../src/index'
import { createOidcSource, mapTokenResponse, type TokenResponseLike } from '../../src/oidc'
import { FakeClock, settle } from '../support/fake-clock'
import { json, jwt } from '../support/provider-answers'

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((cleanup) => cleanup())
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  localStorage.clear()
})

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const NOW = Date.parse('2026-11-23T12:00:00Z')
const seconds = (ms: number) => Math.floor(ms / 1000)
const context = { now: NOW, deviceInfo: () => ({ userAgent: 'ua' }), providerName: 'Microsoft Entra ID' }

/** What Entra answers a SPA's code or refresh-token redemption: ext_expires_in beside, and the refresh token's remaining lifetime. */
function entraAnswer(refreshTokenExpiresIn: number | string): TokenResponseLike {
  return {
    access_token: 'at-1',
    refresh_token: 'rt-1',
    id_token: jwt({ sub: 'user-42', iat: seconds(NOW) }),
    token_type: 'Bearer',
    scope: 'openid profile offline_access User.Read',
    expires_at: seconds(NOW) + 3600,
    ext_expires_in: 3600,
    refresh_token_expires_in: refreshTokenExpiresIn,
    profile: { sub: 'user-42' },
  }
}

describe("Microsoft Entra ID's refresh_token_expires_in", () => {
  it.each([
    ['a number', 86_399],
    ['a numeric string', '86399'],
  ])('stated as %s, it becomes refreshTokenExpiresAt, and is not copied into metadata.tokenResponse', (_, stated) => {
    const { session } = mapTokenResponse(entraAnswer(stated), context)
    expect(session.refreshTokenExpiresAt).toBe(new Date(NOW + 86_399_000).toISOString())
    expect(session.metadata?.tokenResponse).toEqual({ ext_expires_in: 3600 })
  })

  it("a SPA's refresh token runs out 24 h after the sign-in: refreshes keep that time, and the first one due after it ends the session without asking Entra", async () => {
    const clock = new FakeClock(NOW)
    // oidc-client-ts counts expires_at from Date.now() when the answer arrives.
    vi.spyOn(Date, 'now').mockImplementation(() => clock.now())
    const refreshTokenEnd = NOW + 24 * HOUR
    const asked: number[] = []
    vi.stubGlobal('fetch', async (_: string, init: RequestInit = {}) => {
      const form = new URLSearchParams(String(init.body))
      asked.push(clock.now())
      // Entra refuses a SPA refresh token past its 24 h (AADSTS700084).
      if (clock.now() >= refreshTokenEnd) return json(400, { error: 'invalid_grant', error_description: 'AADSTS700084' })
      const n = asked.length
      return json(200, {
        access_token: `at-${n}`,
        refresh_token: `rt-${n}`,
        ...(form.get('grant_type') === 'authorization_code' ? { id_token: jwt({ sub: 'user-42', iat: seconds(clock.now()) }) } : {}),
        token_type: 'Bearer',
        scope: 'openid profile offline_access',
        expires_in: 3600,
        ext_expires_in: 3600,
        // The rest of the first refresh token's lifetime: it carries over, it never slides.
        refresh_token_expires_in: seconds(refreshTokenEnd - clock.now()),
      })
    })
    let redirected = ''
    const source = createOidcSource(
      { authority: 'https://login.microsoftonline.com/tenant/v2.0', client_id: 'spa', redirect_uri: 'https://app.example/cb', scope: 'openid profile offline_access', metadata: { issuer: 'https://login.microsoftonline.com/tenant/v2.0', authorization_endpoint: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize', token_endpoint: 'https://login.microsoftonline.com/tenant/oauth2/v2.0/token' } },
      { now: clock.now, navigate: (url) => void (redirected = url) },
    )
    const store = createSessionStore({ channel: null, clock, wake: { subscribe: () => () => {} }, locks: createMemoryLocks(), persistence: createMemoryPersistence(), source })
    const events: SessionEvent[] = []
    cleanups.push(store.start(), store.on((event) => void events.push(event)), () => store.destroy())
    await store.login()
    await store.completeLogin(`https://app.example/cb?code=c1&state=${new URL(redirected).searchParams.get('state')}`)
    expect(store.getState().session?.refreshTokenExpiresAt).toBe(new Date(refreshTokenEnd).toISOString())

    // Hourly access tokens: a refresh about every 59 minutes, each stating what is left of the 24 h.
    while (clock.now() < refreshTokenEnd - 30 * MINUTE) {
      await clock.advance(30 * MINUTE)
      await settle(10)
    }
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { refreshTokenExpiresAt: new Date(refreshTokenEnd).toISOString() } })
    expect(asked.length).toBeGreaterThan(20)

    while (store.getState().status === 'authenticated' && clock.now() < refreshTokenEnd + 2 * HOUR) {
      await clock.advance(10 * MINUTE)
      await settle(10)
    }
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired' } })
    expect(asked.filter((at) => at >= refreshTokenEnd)).toEqual([])
    expect(events.filter((event) => event.type === 'refresh-failed')).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: 'refresh-token-expired' }) })])
  })
})
