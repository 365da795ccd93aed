import { createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { appState, CLIENT_ID, configuredTab, redeemAtProvider, signedInTabs, startOidcWorld } from './oidc-world'

type World = Awaited<ReturnType<typeof startOidcWorld>>

describe.skipIf(!findChromium())('sign-in and sign-out against a real provider that fails', () => {
  let world: World
  // A provider behind a load balancer that accepts connections and never answers.
  const sockets = new Set<Socket>()
  const stalled = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  beforeAll(async () => {
    world = await startOidcWorld(60)
    await new Promise<void>((listening) => stalled.listen(0, '127.0.0.1', listening))
  })
  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy())
    stalled.close()
    await world?.close()
  })

  it('logout({ redirect: false }) revokes the refresh token at the provider', async () => {
    const { tabs } = await signedInTabs(world, 1)
    const refreshToken = (await appState(tabs[0]!)).session!.refreshToken!
    expect(await tabs[0]!.evaluate(() => window.__app.outcome('logout', { redirect: false }))).toEqual({ ok: true })
    expect(await redeemAtProvider(world, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' })
    await tabs[0]!.close()
  })

  it('a provider without an end-session page: logout() stays on the page and revokes the refresh token', async () => {
    const { tabs } = await signedInTabs(world, 2, { settings: { metadataSeed: { end_session_endpoint: null } } })
    const refreshToken = (await appState(tabs[0]!)).session!.refreshToken!
    expect(await tabs[0]!.evaluate(() => window.__app.outcome('logout'))).toEqual({ ok: true })
    expect(new URL(tabs[0]!.url()).pathname).toBe('/app.html')
    await tabs[1]!.waitForFunction(() => window.__app.state().status === 'unauthenticated')
    expect(await redeemAtProvider(world, refreshToken)).toEqual({ status: 400, error: 'invalid_grant' })
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it("logoutParams (Cognito's client_id and logout_uri) reach the provider's end-session page beside the ID token hint: it takes them, ends its session, and sends the page back", async () => {
    const logoutUri = `${world.harness.origin}/app.html`
    const { tabs } = await signedInTabs(world, 2, { sourceOptions: { logoutParams: { client_id: CLIENT_ID, logout_uri: logoutUri } } })
    const [leaving, other] = tabs as [typeof tabs[0], typeof tabs[0]]
    const { refreshToken, idToken } = (await appState(leaving)).session!
    const seen = world.provider.endSessionLog().length
    const back = leaving.waitForEvent('framenavigated', { predicate: (frame) => frame === leaving.mainFrame() && new URL(frame.url()).pathname === '/app.html', timeout: 15_000 })
    void leaving.evaluate(() => window.__app.outcome('logout')).catch(() => {}) // the page leaves for the provider
    await back
    // Each once (oidc-client-ts adds no client_id of its own), and no token but the hint.
    expect(world.provider.endSessionLog().slice(seen)).toEqual([
      { status: 200, query: { id_token_hint: [idToken], client_id: [CLIENT_ID], post_logout_redirect_uri: [logoutUri], logout_uri: [logoutUri] } },
    ])
    await leaving.waitForFunction(() => window.__app !== undefined)
    expect(await leaving.evaluate(() => window.__app.ready())).toBe('unauthenticated')
    await other.waitForFunction(() => window.__app.state().status === 'unauthenticated')
    expect(await redeemAtProvider(world, refreshToken!)).toEqual({ status: 400, error: 'invalid_grant' })
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('the provider down at logout: every tab is signed out, and logout() rejects with sign-out-failed', async () => {
    const { tabs } = await signedInTabs(world, 2)
    const refreshToken = (await appState(tabs[0]!)).session!.refreshToken!
    world.provider.setDown(true)
    try {
      const outcome = await tabs[0]!.evaluate(() => window.__app.outcome('logout', { redirect: false }))
      expect(outcome).toMatchObject({ ok: false, name: 'AuthSessionError', code: 'sign-out-failed' })
      expect(JSON.stringify(outcome)).not.toContain(refreshToken)
    } finally {
      world.provider.setDown(false)
    }
    for (const tab of tabs) {
      await tab.waitForFunction(() => window.__app.state().status === 'unauthenticated')
      expect((await appState(tab)).session).toMatchObject({ revokeReason: 'user-logout' })
    }
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('a provider that never answers: login() fails with sign-in-failed at the request timeout', async () => {
    const { port } = stalled.address() as { port: number }
    const { page } = await configuredTab(world, { issuer: `http://127.0.0.1:${port}`, sourceOptions: { requestTimeoutSeconds: 1 } })
    const started = Date.now()
    const outcome = await page.evaluate(() => window.__app.outcome('login'))
    expect(outcome).toMatchObject({ ok: false, code: 'sign-in-failed', message: expect.stringContaining('timed out') })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(sockets.size).toBeGreaterThan(0) // it really reached the stalled server
    await page.close()
  })
})
