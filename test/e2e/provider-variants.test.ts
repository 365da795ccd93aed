import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { eventually as poll } from '../support/eventually'
import { signIdToken } from '../support/oidc-dev-provider.mjs'
import { appState, signedInTabs, sleep, startProviderFor, type DevProvider } from './oidc-world'

// The same SPA against oidc-provider set up as other providers behave: what
// differs between them and matters to a browser session (rotation, what a
// refresh answer restates, offline_access, a session ended elsewhere).
const TTL_S = 4 // refreshed 20 % ahead: one window is 3.2 s
const eventually = (check: () => Promise<void>, timeoutMs = 10_000) => poll(check, timeoutMs, 100)
const claimsOf = (jwt: unknown) => JSON.parse(Buffer.from(String(jwt).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
const closeAll = (tabs: Page[]) => Promise.all(tabs.map((tab) => tab.close()))

describe.skipIf(!findChromium())('providers configured as real ones are', () => {
  let harness: BrowserHarness
  const providers: DevProvider[] = []
  const world = async (options: Record<string, unknown> = {}) => {
    const provider = await startProviderFor(harness, { accessTokenTtlSeconds: TTL_S, ...options })
    providers.push(provider)
    return { harness, provider }
  }
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { app: 'test/e2e/fixtures/oidc-app.tsx' } })
  })
  afterAll(async () => {
    await Promise.all(providers.map((provider) => provider.close()))
    await harness?.close()
  })

  /** Every tab signed in with one and the same record. */
  const converged = async (tabs: Page[]) => {
    const states = await Promise.all(tabs.map(appState))
    for (const state of states) {
      expect(state.status).toBe('authenticated')
      expect(state.session).toEqual(states[0]!.session)
    }
    return states[0]!.session!
  }

  it('a refreshed ID token stating a new auth_time (Azure AD B2C, Cognito, Keycloak after a login elsewhere) and sid: the session goes on', async () => {
    const w = await world()
    // As those providers do: the refresh's own time as auth_time, in a token the provider signed.
    w.provider.reshapeRefreshAnswers((body) => {
      const claims = claimsOf(body.id_token)
      return { ...body, id_token: signIdToken({ ...claims, auth_time: claims.iat, sid: `${String(claims.sid)}-${String(claims.iat)}` }) }
    })
    const { tabs } = await signedInTabs(w, 2)
    const signedIn = (await appState(tabs[0]!)).session!
    await sleep(2 * TTL_S * 1000)
    const stats = w.provider.stats()
    expect(stats.refreshGrantsSucceeded).toBeGreaterThanOrEqual(2)
    expect(stats.refreshGrants).toBeLessThanOrEqual(3) // one per window for the browser
    expect(stats.invalidGrants).toBe(0)
    await eventually(async () => {
      const session = await converged(tabs)
      expect(session.refreshToken).not.toBe(signedIn.refreshToken)
      expect(session).toMatchObject({ initiatedAt: signedIn.initiatedAt, sessionId: signedIn.sessionId }) // the login's, not the refresh's
    })
    await closeAll(tabs)
  })

  it('rotation off, and refresh answers without refresh_token or ID token: the refresh token and ID token are kept', async () => {
    const w = await world({ rotateRefreshTokens: false })
    w.provider.reshapeRefreshAnswers(({ refresh_token: _rt, id_token: _id, ...body }) => body)
    const { tabs } = await signedInTabs(w, 2)
    const signedIn = (await appState(tabs[0]!)).session!
    await sleep(2 * TTL_S * 1000)
    const log = w.provider.refreshGrantLog()
    expect(log.length).toBeGreaterThanOrEqual(2)
    expect(log.length).toBeLessThanOrEqual(3) // one per window for the browser
    expect(log.every((entry) => entry.ok)).toBe(true)
    await eventually(async () => {
      const session = await converged(tabs)
      expect(session).toMatchObject({ refreshToken: signedIn.refreshToken, idToken: signedIn.idToken, sessionId: signedIn.sessionId })
      expect(session.accessToken).not.toBe(signedIn.accessToken)
    })
    await closeAll(tabs)
  })

  it('offline_access not asked for, at a provider that then issues no refresh token: the session ends once, at expiry, in every tab', async () => {
    const w = await world({ refreshTokensWithoutOfflineAccess: false })
    const { tabs } = await signedInTabs(w, 2, { settings: { scope: 'openid profile email' } })
    expect((await appState(tabs[0]!)).session).not.toHaveProperty('refreshToken')
    await eventually(async () => {
      for (const tab of tabs) expect(await appState(tab)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired' } })
    })
    expect(w.provider.stats().refreshGrants).toBe(0)
    const refused = await tabs[1]!.evaluate(() => window.__app.getAccessToken().then(() => null, (error: Error & { code?: string }) => error.code))
    expect(refused).toBe('not-authenticated')
    await closeAll(tabs)
  })

  /** The user signs out of the provider in another app of the browser: its session, and the grants bound to it, end. */
  const endProviderSession = async (issuer: string) => {
    const other = await harness.context.newPage()
    await other.goto(`${issuer}/session/end`)
    await other.waitForFunction(() => document.title === 'Signed out', null, { timeout: 10_000 })
    await other.close()
  }

  it('the grant revoked at the provider (signed out in another app): one invalid_grant, and every tab ends once with token-expired', async () => {
    const w = await world({ accessTokenTtlSeconds: 6 }) // time to sign out elsewhere before the first refresh
    const { tabs } = await signedInTabs(w, 3)
    w.provider.resetStats()
    await endProviderSession(w.provider.issuer)
    await eventually(async () => {
      for (const tab of tabs) expect(await appState(tab)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'token-expired', accessToken: '' } })
    })
    await sleep(TTL_S * 1000) // no tab tries again
    expect(w.provider.refreshGrantLog().filter(({ ok }) => !ok).map(({ error }) => error)).toEqual(['invalid_grant'])
    const failures = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__app.events().filter((e) => e.type === 'refresh-failed'))))
    expect(failures.flat()).toEqual([expect.objectContaining({ code: 'refresh-rejected' })])
    await closeAll(tabs)
  })

  it("logout() after the provider's session already ended elsewhere: back on the app, signed out in every tab", async () => {
    const w = await world({ accessTokenTtlSeconds: 60 })
    const { tabs } = await signedInTabs(w, 2)
    await endProviderSession(w.provider.issuer)
    const leaving = tabs[0]!
    const visited: string[] = []
    leaving.on('framenavigated', (frame) => frame === leaving.mainFrame() && visited.push(frame.url()))
    void leaving.evaluate(() => window.__app.outcome('logout')).catch(() => {})
    await eventually(async () => expect(visited.at(-1)).toMatch(new RegExp(`^${harness.origin}/app.html`)))
    expect(visited.some((url) => url.startsWith(`${w.provider.issuer}/session/end`))).toBe(true)
    await leaving.waitForFunction(() => window.__app !== undefined, null, { timeout: 10_000 }) // the app page loaded
    await leaving.evaluate(() => window.__app.ready())
    for (const tab of tabs) expect(await appState(tab)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await closeAll(tabs)
  })
})
