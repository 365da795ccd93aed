import type { Page } from 'playwright-core'
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { startDevProvider } from '../support/oidc-dev-provider.mjs'
import { uniqueDbName } from '../support/sessions'

export const CLIENT_ID = 'authsession-e2e'

export interface DevProvider {
  issuer: string
  stats(): { tokenRequests: number; refreshGrants: number; refreshGrantsSucceeded: number; invalidGrants: number; errors: number }
  resetStats(): void
  refreshGrantLog(): Array<{ at: number; ok: boolean; error?: string; errorDetail?: string; refreshTokenHash?: string }>
  endSessionLog(): Array<{ query: Record<string, string[]>; status: number }>
  setDown(down: boolean | 'reset' | 'maintenance'): void
  failRefreshWithInvalidGrant(on: boolean): void
  reshapeRefreshAnswers(fn: ((body: Record<string, unknown>) => Record<string, unknown>) | null): void
  close(): Promise<void>
}

/** The browser harness serving the app, and a real OpenID provider whose client redirects to it. */
export async function startOidcWorld(accessTokenTtlSeconds = 10, entries: Record<string, string> = { app: 'test/e2e/fixtures/oidc-app.tsx' }) {
  const harness: BrowserHarness = await startBrowserHarness({ entries })
  const provider = await startProviderFor(harness, { accessTokenTtlSeconds })
  return { harness, provider, close: async () => Promise.all([harness.close(), provider.close()]) }
}

/** A provider (more options: see startDevProvider) whose client redirects to the harness's app. */
export const startProviderFor = async (harness: BrowserHarness, options: Record<string, unknown>) =>
  (await startDevProvider({
    clients: [{ clientId: CLIENT_ID, redirectUris: [`${harness.origin}/callback`], postLogoutRedirectUris: [`${harness.origin}/app.html`], origins: [harness.origin] }],
    ...options,
  })) as DevProvider

export const appState = (page: Page) => page.evaluate(() => window.__app.state())

type AppConfig = Parameters<Window['__app']['configure']>[0]

/** A new tab of the app, configured (a fresh database unless `config` names one) and started. */
export async function configuredTab(world: Pick<Awaited<ReturnType<typeof startOidcWorld>>, 'harness' | 'provider'>, config: Partial<AppConfig> = {}) {
  const dbName = config.dbName ?? uniqueDbName('e2e')
  const page = await world.harness.openTab('app')
  await page.evaluate((full) => window.__app.configure(full), { issuer: world.provider.issuer, clientId: CLIENT_ID, ...config, dbName })
  await page.reload()
  await page.evaluate(() => window.__app.ready())
  return { page, dbName }
}

/** Signs in through the provider in a new tab (a fresh database each time), then opens `count - 1` more tabs. */
export async function signedInTabs(world: Pick<Awaited<ReturnType<typeof startOidcWorld>>, 'harness' | 'provider'>, count: number, config: Partial<AppConfig> = {}) {
  const { page: first, dbName } = await configuredTab(world, config)
  await first.evaluate(() => {
    void window.__app.login()
  })
  await first.waitForURL('**/callback**', { timeout: 15_000 })
  await first.waitForFunction(() => location.pathname === '/app.html', null, { timeout: 15_000 })
  const status = await first.evaluate(() => window.__app.ready())
  if (status !== 'authenticated') throw new Error(`sign-in ended ${status}`)
  const others = await Promise.all(Array.from({ length: count - 1 }, () => world.harness.openTab('app')))
  await Promise.all(others.map((page) => page.evaluate(() => window.__app.ready())))
  return { dbName, tabs: [first, ...others] }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What the provider says now to a refresh token a session held: 200 while it lives, 400 invalid_grant once revoked (or spent). */
export async function redeemAtProvider(world: Awaited<ReturnType<typeof startOidcWorld>>, refreshToken: string) {
  const response = await fetch(`${world.provider.issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
  })
  return { status: response.status, error: ((await response.json()) as { error?: string }).error }
}

/**
 * For `forMs`, every `everyMs`, asks `tab` for an access token as an app
 * would before an API call, and presents it at the provider's userinfo
 * endpoint: what the provider refused (ms from the start, HTTP status).
 */
export async function tokensRefused(world: Awaited<ReturnType<typeof startOidcWorld>>, tab: Page, forMs: number, everyMs: number) {
  const refused: Array<{ at: number; status: number }> = []
  const started = Date.now()
  while (Date.now() - started < forMs) {
    const token = await tab.evaluate(() => window.__app.getAccessToken().catch(() => null))
    if (token !== null) {
      const { status } = await fetch(`${world.provider.issuer}/me`, { headers: { Authorization: `Bearer ${token}` } })
      if (status !== 200) refused.push({ at: Date.now() - started, status })
    }
    await sleep(everyMs)
  }
  return refused
}
