import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { uniqueDbName } from '../support/sessions'
import { appState, CLIENT_ID, redeemAtProvider, startOidcWorld } from './oidc-world'

type World = Awaited<ReturnType<typeof startOidcWorld>>
type Area = 'localStorage' | 'sessionStorage'
interface StoredUser { access_token: string; refresh_token?: string; id_token: string; expires_at: number; profile: { sub: string } }

/**
 * An app moving from oidc-client-ts's UserManager to authsession: the
 * previous version (v1-app.ts) signs in through the real provider; the next
 * deploy (oidc-app.tsx with `adoptFrom`) runs the README's recipe.
 */
describe.skipIf(!findChromium())("the README's recipe: moving from UserManager without signing anyone out", () => {
  let world: World
  beforeAll(async () => {
    world = await startOidcWorld(60, { v1: 'test/e2e/fixtures/v1-app.ts', app: 'test/e2e/fixtures/oidc-app.tsx' })
  })
  afterAll(async () => world?.close())

  const v1Tab = async (adoptFrom: Area) => {
    const page = await world.harness.openTab('v1')
    const config = { issuer: world.provider.issuer, clientId: CLIENT_ID, dbName: uniqueDbName('adopt'), adoptFrom }
    await page.evaluate((saved) => localStorage.setItem('e2e-config', JSON.stringify(saved)), config)
    await page.reload()
    return page
  }
  /** The previous version signs in: UserManager stores a User with a refresh token. */
  const signedInV1 = async (adoptFrom: Area) => {
    const page = await v1Tab(adoptFrom)
    await page.evaluate(() => void window.__v1.login())
    await page.waitForURL('**/callback**', { timeout: 15_000 })
    await page.waitForFunction(() => location.pathname === '/v1.html', null, { timeout: 15_000 })
    expect(await page.evaluate(() => window.__v1.ready())).toBe('authenticated')
    const raw = (await page.evaluate(() => window.__v1.stored()))!
    const user = JSON.parse(raw) as StoredUser
    expect(user.refresh_token).toBeTruthy()
    return { page, raw, user }
  }
  /** The next deploy: the same tab loads the new version. */
  const deploy = async (page: Page) => {
    await page.goto(`${world.harness.origin}/app.html`)
    return page.evaluate(() => window.__app.ready())
  }
  const signIns = async (tabs: Page[]) =>
    (await Promise.all(tabs.map((tab) => tab.evaluate(() => window.__app.events())))).flat().filter((e) => e.type === 'change' && e.source === 'local' && e.reason === 'sign-in').length
  /** Requests a tab sends to the provider's authorization endpoint (a sign-in redirect). */
  const authorizeRequests = (page: Page) => {
    const seen: string[] = []
    page.on('request', (request) => void (request.url().startsWith(`${world.provider.issuer}/auth`) && seen.push(request.url())))
    return seen
  }

  it('README holds the recipe the test runs', () => {
    const recipe = readFileSync('test/e2e/fixtures/adopt-oidc-client-user.ts', 'utf8').split('// -- README --\n')[1]!.trim()
    expect(readFileSync('README.md', 'utf8')).toContain(recipe)
  })

  it('sessionStorage (the default): signed in without a redirect; refresh, a second tab and logout work', async () => {
    const { page, user } = await signedInV1('sessionStorage')
    const authorizing = authorizeRequests(page)
    world.provider.resetStats()
    expect(await deploy(page)).toBe('authenticated')
    expect(await page.evaluate(() => window.__app.adoptOutcome())).toEqual({ ok: true })
    const { session } = await appState(page)
    expect(session).toMatchObject({ accessToken: user.access_token, refreshToken: user.refresh_token, idToken: user.id_token, user: { id: user.profile.sub } })
    expect(Math.abs(Date.parse(session!.expiresAt) - user.expires_at * 1000)).toBeLessThan(2000)
    expect(authorizing).toEqual([])
    expect(world.provider.stats().tokenRequests).toBe(0)
    // oidc-client-ts holds no copy of the tokens any more.
    const storage = (await page.evaluate(() => window.__app.webStorage())).join('\n')
    for (const token of [user.access_token, user.refresh_token!, user.id_token]) expect(storage).not.toContain(token)

    // The migrated refresh token is the live one: the refresh rotates it.
    await page.evaluate(() => window.__app.refresh())
    expect(world.provider.stats()).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, invalidGrants: 0 })
    const refreshed = (await appState(page)).session!
    expect(refreshed.refreshToken).not.toBe(user.refresh_token)

    const second = await world.harness.openTab('app')
    expect(await second.evaluate(() => window.__app.ready())).toBe('authenticated')
    expect((await appState(second)).session?.refreshToken).toBe(refreshed.refreshToken)
    expect(await signIns([page, second])).toBe(1)

    // Logout from the second tab: the end-session page with the session's ID token as hint, every tab signed out.
    const endSession = second.waitForRequest((request) => request.url().startsWith(`${world.provider.issuer}/session/end`))
    const back = second.waitForEvent('framenavigated', { predicate: (frame) => frame === second.mainFrame() && new URL(frame.url()).pathname === '/app.html', timeout: 15_000 })
    void second.evaluate(() => window.__app.outcome('logout')).catch(() => {}) // the page leaves for the provider
    expect(new URL((await endSession).url()).searchParams.get('id_token_hint')).toBe(refreshed.idToken)
    await back
    await second.waitForFunction(() => window.__app !== undefined)
    expect(await second.evaluate(() => window.__app.ready())).toBe('unauthenticated')
    await page.waitForFunction(() => window.__app.state().status === 'unauthenticated')
    expect(await redeemAtProvider(world, refreshed.refreshToken!)).toEqual({ status: 400, error: 'invalid_grant' })
    await Promise.all([page.close(), second.close()])
  })

  it('localStorage, two tabs opening the new version at one instant: one sign-in, no refresh token used twice', async () => {
    const { page: first, user } = await signedInV1('localStorage')
    const second = await world.harness.openTab('v1') // shares the localStorage User
    world.provider.resetStats()
    const statuses = await Promise.all([deploy(first), deploy(second)])
    expect(statuses).toEqual(['authenticated', 'authenticated'])
    expect(await signIns([first, second])).toBe(1)
    for (const tab of [first, second]) expect((await appState(tab)).session?.refreshToken).toBe(user.refresh_token)
    expect(await first.evaluate((key) => localStorage.getItem(key), `oidc.user:${world.provider.issuer}:${CLIENT_ID}`)).toBeNull()
    // Each tab refreshes in turn: each uses the token the other left.
    await first.evaluate(() => window.__app.refresh())
    await second.waitForFunction((old) => window.__app.state().session?.refreshToken !== old, user.refresh_token)
    await second.evaluate(() => window.__app.refresh())
    expect(world.provider.stats()).toMatchObject({ refreshGrants: 2, refreshGrantsSucceeded: 2, invalidGrants: 0 })
    await Promise.all([first.close(), second.close()])
  })

  it('duplicated tabs each holding a sessionStorage copy: one sign-in, and a copy found after a refresh is not put back', async () => {
    const { page: first, raw, user } = await signedInV1('sessionStorage')
    // Chromium's "Duplicate tab" copies sessionStorage: two more tabs with the same User.
    const copies = [await world.harness.openTab('v1'), await world.harness.openTab('v1')]
    for (const copy of copies) await copy.evaluate((value) => window.__v1.put(value), raw)
    world.provider.resetStats()
    expect(await Promise.all([deploy(first), deploy(copies[0]!)])).toEqual(['authenticated', 'authenticated'])
    expect(await signIns([first, copies[0]!])).toBe(1)
    await first.evaluate(() => window.__app.refresh()) // the copies' refresh token is spent now
    const rotated = (await appState(first)).session!.refreshToken
    expect(rotated).not.toBe(user.refresh_token)
    // The last copy opens the new version after the refresh: its spent token must not replace the live one.
    expect(await deploy(copies[1]!)).toBe('authenticated')
    expect((await appState(copies[1]!)).session?.refreshToken).toBe(rotated)
    expect(await copies[1]!.evaluate((key) => sessionStorage.getItem(key), `oidc.user:${world.provider.issuer}:${CLIENT_ID}`)).toBeNull()
    await copies[1]!.evaluate(() => window.__app.refresh())
    expect(world.provider.stats()).toMatchObject({ refreshGrants: 2, refreshGrantsSucceeded: 2, invalidGrants: 0 })
    await Promise.all([first, ...copies].map((tab) => tab.close()))
  })

  it('an expired access token is migrated, then refreshed with the migrated refresh token', async () => {
    const { page, user } = await signedInV1('sessionStorage')
    await page.evaluate((value) => window.__v1.put(value), JSON.stringify({ ...user, expires_at: Math.floor(Date.now() / 1000) - 60 }))
    world.provider.resetStats()
    expect(await deploy(page)).toBe('authenticated')
    await page.waitForFunction((old) => window.__app.state().session?.refreshToken !== old, user.refresh_token, { timeout: 15_000 })
    const { session } = await appState(page)
    expect(Date.parse(session!.expiresAt)).toBeGreaterThan(Date.now())
    expect(world.provider.stats()).toMatchObject({ refreshGrants: 1, refreshGrantsSucceeded: 1, invalidGrants: 0 })
    await page.evaluate(() => window.__app.outcome('logout', { redirect: false }))
    await page.close()
  })

  it('an expired User without a refresh token, or a damaged value: signed out, no redirect, the key removed, no token logged', async () => {
    const { page, user } = await signedInV1('sessionStorage')
    const logged: string[] = []
    page.on('console', (message) => logged.push(message.text()))
    page.on('pageerror', (error) => logged.push(String(error)))
    const authorizing = authorizeRequests(page)
    const key = `oidc.user:${world.provider.issuer}:${CLIENT_ID}`
    const expired = JSON.stringify({ ...user, refresh_token: undefined, expires_at: Math.floor(Date.now() / 1000) - 1 })
    const damaged = JSON.stringify(user).slice(0, -20) // cut short: not JSON
    for (const [value, outcome] of [[expired, { ok: true }], [damaged, { ok: false, code: 'invalid-argument' }]] as const) {
      await page.goto(`${world.harness.origin}/v1.html`)
      await page.evaluate((stored) => window.__v1.put(stored), value)
      world.provider.resetStats()
      expect(await deploy(page)).toBe('unauthenticated')
      expect(await page.evaluate(() => window.__app.adoptOutcome())).toMatchObject(outcome)
      expect((await appState(page)).session).toBeNull()
      expect(await page.evaluate((name) => sessionStorage.getItem(name), key)).toBeNull()
      expect(world.provider.stats().tokenRequests).toBe(0)
    }
    const adopted = await page.evaluate(() => window.__app.adoptOutcome())
    expect(JSON.stringify(adopted)).not.toContain(user.access_token)
    expect(logged.join('\n')).not.toContain(user.access_token)
    expect(authorizing).toEqual([])
    await page.close()
  })
})
