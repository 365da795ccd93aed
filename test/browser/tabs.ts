import type { Page } from 'playwright-core'
import type { AuthenticationSession, RevokeReason } from '../../src/index'
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness'

/** Helpers over tabs running test/browser/fixtures/tab-page.tsx. */
export async function startTabHarness(options: { oneWindow?: boolean } = {}): Promise<BrowserHarness> {
  return startBrowserHarness({ entries: { tab: 'test/browser/fixtures/tab-page.tsx' }, backForwardCache: true, ...options })
}

export async function openTabs(harness: BrowserHarness, count: number, dbName: string, react = true): Promise<Page[]> {
  const pages = await Promise.all(Array.from({ length: count }, () => harness.openTab('tab')))
  await Promise.all(pages.map((page) => startTab(page, dbName, react)))
  return pages
}

export const startTab = (page: Page, dbName: string, react = true, messages = true) =>
  page.evaluate(([db, r, m]) => window.__tab.start({ dbName: db as string, react: r as boolean, messages: m as boolean }), [dbName, react, messages] as const)

export const stateOf = (page: Page) => page.evaluate(() => window.__tab.state())
export const renderedStatus = (page: Page) => page.evaluate(() => window.__tab.rendered())
export const signIn = (page: Page, session: AuthenticationSession) => page.evaluate((s) => window.__tab.signIn(s), session)
export const update = (page: Page, patch: Partial<AuthenticationSession>) => page.evaluate((p) => window.__tab.update(p), patch)
export const endSession = (page: Page, reason: RevokeReason) => page.evaluate((r) => window.__tab.end(r), reason)
export const rawRecord = (page: Page, dbName: string, key?: string) =>
  page.evaluate(([db, k]) => window.__tab.raw(db as string, k), [dbName, key] as const) as Promise<Record<string, unknown> | undefined>

/**
 * Runs `evaluate` (a page.evaluate of a script that reloads the page), then waits for the next page's
 * harness. The reload can tear the page down before evaluate's answer comes
 * back ("Execution context was destroyed"): here that is the expected
 * outcome, so only that error is let through. Waiting for the next load (not
 * just for `__tab`) keeps the old page's harness from answering in its place;
 * Promise.all also settles the load wait when the script fails before reloading.
 */
export async function reloadFrom(page: Page, evaluate: () => Promise<unknown>): Promise<void> {
  await Promise.all([
    page.waitForEvent('load'),
    evaluate().catch((error: unknown) => {
      if (!String(error).includes('Execution context was destroyed')) throw error
    }),
  ])
  await page.waitForFunction(() => typeof window.__tab !== 'undefined')
}

export { eventually } from '../support/eventually'
