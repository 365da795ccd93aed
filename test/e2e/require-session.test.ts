import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { uniqueDbName } from '../support/sessions'
import { CLIENT_ID, startProviderFor, type DevProvider } from './oidc-world'

// The exported RequireSession in an app as a developer runs it: React's
// development build under StrictMode, which runs a guard's effect twice when
// it mounts on a record already read. The README's old recipe guard started
// two sign-ins there: two authorization requests, the second one's redirect
// replacing the first.
describe.skipIf(!findChromium())('RequireSession in a StrictMode development app against a real provider', () => {
  let harness: BrowserHarness
  let provider: DevProvider
  beforeAll(async () => {
    harness = await startBrowserHarness({ entries: { guard: 'test/e2e/fixtures/guard-app.tsx' }, development: true })
    provider = await startProviderFor(harness, { accessTokenTtlSeconds: 60 })
  })
  afterAll(async () => {
    await Promise.all([harness?.close(), provider?.close()])
  })

  /** The authorization requests a tab sends the provider, and the paths its main frame visits. */
  function watch(tab: Page) {
    const authorizations: string[] = []
    const visited: string[] = []
    tab.on('request', (request) => {
      if (request.url().startsWith(`${provider.issuer}/auth?`)) authorizations.push(request.url())
    })
    tab.on('framenavigated', (frame) => {
      if (frame === tab.mainFrame()) visited.push(new URL(frame.url()).pathname)
    })
    return { authorizations, visited }
  }

  /** A tab on the public page, configured with a fresh database; nothing stored yet. */
  async function homeTab(dbName = uniqueDbName('guard')) {
    const tab = await harness.openTab('guard')
    await tab.evaluate((config) => localStorage.setItem('e2e-guard-config', JSON.stringify(config)), { issuer: provider.issuer, clientId: CLIENT_ID, dbName })
    await tab.reload()
    await tab.getByText('Home (unauthenticated)').waitFor()
    return tab
  }

  it('a protected route opened from a link signs in with exactly one authorization request, and lands where it was going', async () => {
    const tab = await homeTab()
    const { authorizations, visited } = watch(tab)
    await tab.getByText('Reports', { exact: true }).click()
    await tab.getByText('Reports for alice').waitFor({ timeout: 15_000 })
    expect(authorizations).toHaveLength(1)
    expect(new URL(authorizations[0]!).searchParams.get('client_id')).toBe(CLIENT_ID)
    expect(visited).toContain('/callback')
    expect(await tab.evaluate(() => location.pathname + location.search + location.hash)).toBe('/reports?tab=2#top')
    // oidc-client-ts stores each sign-in request's state until its callback uses it: none is left over.
    expect(await tab.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('oidc.')))).toEqual([])
    await tab.close()
  })

  it("another tab's sign-out shows the signed-out screen on the protected route, not a trip to the provider; its button signs in again", async () => {
    const dbName = uniqueDbName('guard')
    const first = await homeTab(dbName)
    await first.getByText('Reports', { exact: true }).click()
    await first.getByText('Reports for alice').waitFor({ timeout: 15_000 })
    const second = await harness.openTab('/reports?tab=3')
    await second.getByText('Reports for alice').waitFor()
    const firstSeen = watch(first)
    const secondSeen = watch(second)

    await first.getByRole('button', { name: 'Sign out' }).click()
    await second.getByText('Signed out.').waitFor()
    // The tab that signed out goes to the end-session page and back to the public page: by then any
    // sign-in the other tab's guard (or its own) started would have been requested long since.
    await first.waitForURL('**/app.html', { timeout: 15_000 })
    await first.getByText('Home (unauthenticated)').waitFor()
    expect(firstSeen.visited.some((path) => path.startsWith('/session/end'))).toBe(true)
    expect(firstSeen.authorizations).toEqual([])
    expect(secondSeen.authorizations).toEqual([])
    expect(secondSeen.visited).toEqual([])
    expect(new URL(second.url()).pathname + new URL(second.url()).search).toBe('/reports?tab=3')

    await second.getByRole('button', { name: 'Sign in' }).click()
    await second.getByText('Reports for alice').waitFor({ timeout: 15_000 })
    expect(secondSeen.authorizations).toHaveLength(1)
    expect(new URL(second.url()).pathname + new URL(second.url()).search).toBe('/reports?tab=3')
    await Promise.all([first.close(), second.close()])
  })
})
