import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSession } from '../../src/index'
import { findChromium } from '../support/browser-harness'
import { appState, signedInTabs, startOidcWorld } from './oidc-world'

describe.skipIf(!findChromium())('OpenID sign-in against a real provider', () => {
  let world: Awaited<ReturnType<typeof startOidcWorld>>
  beforeAll(async () => {
    world = await startOidcWorld()
  })
  afterAll(() => world?.close())

  it('signs in with PKCE, maps the tokens and claims onto the record, and every tab agrees', async () => {
    const { tabs } = await signedInTabs(world, 2)
    const [a, b] = await Promise.all(tabs.map(appState))
    expect(a!.status).toBe('authenticated')
    expect(b).toEqual(a)
    const session = parseSession(a!.session)
    expect(session).toMatchObject({
      status: 'active',
      tokenType: 'Bearer',
      user: { '@type': 'User', id: 'alice', email: expect.stringContaining('@') },
      identityProvider: { protocol: 'oidc' },
      authenticationMethod: { amr: ['pwd'] },
      isMfaVerified: false,
      metadata: { protocol: 'oidc' },
    })
    expect(session.refreshToken).toBeTruthy()
    expect(session.idToken?.split('.')).toHaveLength(3)
    expect(session.scopes).toEqual(expect.arrayContaining(['openid', 'offline_access']))
    expect(session.sessionId).not.toMatch(/^oidc_/) // the provider's sid
    const lifetime = Date.parse(session.expiresAt) - Date.now()
    expect(lifetime).toBeGreaterThan(3_000)
    expect(lifetime).toBeLessThanOrEqual(11_000)
    // oidc-client-ts keeps no copy of the tokens in web storage.
    const stored = await tabs[0]!.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
    expect(stored).not.toContain(session.refreshToken!)
    expect(stored).not.toContain(session.accessToken)
    await Promise.all(tabs.map((tab) => tab.close()))
  })
})
