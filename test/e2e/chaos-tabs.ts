import type { CDPSession, Page } from 'playwright-core'
import { startBrowserHarness, type BrowserHarness } from '../support/browser-harness'
import { startDevProvider } from '../support/oidc-dev-provider.mjs'
import { uniqueDbName } from '../support/sessions'
import { CLIENT_ID, type DevProvider } from './oidc-world'

/**
 * The tabs of a chaos soak: one window of a user's browser (only the front
 * tab is visible, as in one-window-browser.ts), each tab with its own CDP
 * session to freeze it or cut its network, against a real OpenID provider.
 */
export interface ChaosTab {
  id: number
  page: Page
  cdp: CDPSession
  frozen: boolean
  offline: boolean
}

export interface ChaosWorld {
  harness: BrowserHarness
  provider: DevProvider
  dbName: string
  tabs: ChaosTab[]
  /** Uncaught errors of any page, with the tab they came from. */
  pageErrors: string[]
  open(): Promise<ChaosTab>
  close(): Promise<void>
}

let nextId = 1

/** A signed-in world: the provider (access tokens of `ttlSeconds`), one window, a first tab signed in. */
export async function startChaosWorld(ttlSeconds: number): Promise<ChaosWorld> {
  const harness = await startBrowserHarness({ entries: { app: 'test/e2e/fixtures/oidc-app.tsx' }, oneWindow: true })
  const provider = (await startDevProvider({
    clients: [{ clientId: CLIENT_ID, redirectUris: [`${harness.origin}/callback`], postLogoutRedirectUris: [`${harness.origin}/app.html`], origins: [harness.origin] }],
    accessTokenTtlSeconds: ttlSeconds,
  })) as DevProvider
  const dbName = uniqueDbName('chaos')
  const pageErrors: string[] = []
  const world: ChaosWorld = {
    harness,
    provider,
    dbName,
    tabs: [],
    pageErrors,
    async open() {
      const page = await harness.context.newPage()
      const id = nextId++
      page.on('pageerror', (error) => pageErrors.push(`tab ${id}: ${error.message}`))
      await page.addInitScript(watchVisibility)
      if (process.env.CHAOS_TRACE_IDB) await page.addInitScript(traceIndexedDb)
      await page.goto(`${harness.origin}/app.html`)
      const tab: ChaosTab = { id, page, cdp: await harness.context.newCDPSession(page), frozen: false, offline: false }
      await tab.cdp.send('Network.enable')
      world.tabs.push(tab)
      return tab
    },
    close: async () => {
      await harness.close()
      await provider.close()
    },
  }
  const first = await world.open()
  await first.page.evaluate((config) => window.__app.configure(config), { issuer: provider.issuer, clientId: CLIENT_ID, dbName })
  await first.page.reload()
  await first.page.evaluate(() => window.__app.ready())
  await first.page.evaluate(() => void window.__app.login())
  await first.page.waitForURL('**/callback**', { timeout: 15_000 })
  await first.page.waitForFunction(() => location.pathname === '/app.html', null, { timeout: 15_000 })
  const status = await first.page.evaluate(() => window.__app.ready())
  if (status !== 'authenticated') throw new Error(`sign-in ended ${status}`)
  return world
}

/** Keeps in `window.__hiddenSince` when the page was last hidden (null while visible). */
function watchVisibility() {
  const w = window as unknown as { __hiddenSince: number | null }
  const update = () => void (w.__hiddenSince = document.visibilityState === 'hidden' ? (w.__hiddenSince ?? Date.now()) : null)
  update()
  document.addEventListener('visibilitychange', update)
}

/** How long the tab has been hidden, in ms (0 while visible). */
export const hiddenFor = (tab: ChaosTab) =>
  tab.page.evaluate(() => {
    const since = (window as unknown as { __hiddenSince: number | null }).__hiddenSince
    return since === null ? 0 : Date.now() - since
  })

export const setFrozen = async (tab: ChaosTab, frozen: boolean) => {
  await tab.cdp.send('Page.setWebLifecycleState', { state: frozen ? 'frozen' : 'active' })
  tab.frozen = frozen
}

export const setOffline = async (tab: ChaosTab, offline: boolean) => {
  await tab.cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  tab.offline = offline
}

/** `work`, or a rejection after `ms` (a frozen tab's promise jobs wait for it to resume). */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))
  return Promise.race([work, limit]).finally(() => clearTimeout(timer))
}

/** Seeded PRNG (mulberry32): the same seed replays the same choices. */
export function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)]!,
  }
}

/** Change events in a tab's log that showed it signed out. */
export const signedOutEvents = (tab: ChaosTab) =>
  tab.page.evaluate(() => window.__app.events().filter((event) => event.type === 'change' && 'status' in event && event.status === 'unauthenticated'))

/** Probe only: logs every IndexedDB transaction (mode, when begun, whether the page was frozen, when it ended) in window.__idb. */
function traceIndexedDb() {
  const log: string[] = []
  let frozen = false
  const t0 = performance.timeOrigin
  const now = () => Math.round(t0 + performance.now()) % 1_000_000
  document.addEventListener('freeze', () => ((frozen = true), log.push(`${now()} FREEZE event`)))
  document.addEventListener('resume', () => ((frozen = false), log.push(`${now()} RESUME event`)))
  ;(window as unknown as { __idb: string[] }).__idb = log
  const open = IDBDatabase.prototype.transaction
  let n = 0
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = open.apply(this, args)
    const id = ++n
    const stack = (new Error().stack ?? '').split('\n').slice(2, 9).map((line) => line.trim().replace(/\(.*\//, '(')).join(' < ')
    log.push(`${now()} tx${id} ${args[1] ?? 'readonly'} begin${frozen ? ' WHILE FROZEN' : ''} ${stack}`)
    tx.addEventListener('complete', () => log.push(`${now()} tx${id} complete`))
    tx.addEventListener('abort', () => log.push(`${now()} tx${id} abort`))
    return tx
  }
  const openDb = IDBFactory.prototype.open
  IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    const request = openDb.apply(this, args)
    log.push(`${now()} open ${args[0]} v${args[1] ?? '-'}${frozen ? ' WHILE FROZEN' : ''}`)
    request.addEventListener('success', () => log.push(`${now()} open success`))
    request.addEventListener('blocked', () => log.push(`${now()} open blocked`))
    request.addEventListener('error', () => log.push(`${now()} open error`))
    return request
  }
}
