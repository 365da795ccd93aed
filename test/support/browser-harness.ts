import { existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { launchOneWindow } from './one-window-browser'

/**
 * Real Chromium for the browser suites: Debian's /usr/bin/chromium driven by
 * playwright-core (which never downloads a browser of its own), pages served
 * from 127.0.0.1 so every tab shares one origin, one IndexedDB, one
 * BroadcastChannel namespace and one Web Locks manager.
 */

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Background tabs must keep running timers and rendering at full speed while
  // a test drives several of them at once.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
]

/**
 * The Chromium binary, or null. Loud when missing; under CI=true a missing
 * browser throws, so a suite can never pass by skipping.
 */
export function findChromium(): string | null {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(path)) return path
  const message = `\n!!! Chromium not found at ${path}: the real-browser suites cannot run.\n!!! Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).\n`
  if (process.env.CI === 'true') throw new Error(message)
  console.warn(`${message}!!! Skipping them because CI is not set; they count as NOT run.\n`)
  return null
}

export interface HarnessOptions {
  /** Page name → entry file (relative to the repo root). Each is served at `/<name>.html`. */
  entries: Record<string, string>
  /** Pin the port (an OpenID redirect URI must match it). Default: random. */
  port?: number
  /** Extra routes, answered before the static pages. Return true when handled. */
  route?: (req: IncomingMessage, res: ServerResponse) => boolean
  /** Keep Chromium's back/forward cache on (playwright turns it off by default), as users have it. */
  backForwardCache?: boolean
  /**
   * Tabs as in one window of a user's browser: only the front tab is visible
   * (see one-window-browser.ts). Default: every page visible, as playwright
   * makes them.
   */
  oneWindow?: boolean
  /** Bundle React's development build (StrictMode then runs effects twice), as an app's dev server does. Default: production. */
  development?: boolean
}

export interface BrowserHarness {
  origin: string
  browser: Browser
  context: BrowserContext
  /** Opens a new tab on `/<page>.html` (or a path) and waits for it to load. */
  openTab(page?: string): Promise<Page>
  /** A fresh context: its own IndexedDB, like another browser profile. */
  newContext(): Promise<BrowserContext>
  close(): Promise<void>
}

const root = fileURLToPath(new URL('../..', import.meta.url))

async function bundle(entry: string, development = false): Promise<string> {
  const result = await build({
    entryPoints: [`${root}/${entry}`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    sourcemap: 'inline',
    define: { 'process.env.NODE_ENV': development ? '"development"' : '"production"' },
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.text
}

const html = (name: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head><body><div id="root"></div><script type="module" src="/${name}.js"></script></body></html>`

export async function startBrowserHarness(options: HarnessOptions): Promise<BrowserHarness> {
  const executablePath = findChromium()
  if (!executablePath) throw new Error('Chromium is not available')
  const scripts = new Map<string, string>()
  await Promise.all(Object.entries(options.entries).map(async ([name, entry]) => scripts.set(name, await bundle(entry, options.development))))
  const first = Object.keys(options.entries)[0]!

  const server: Server = createServer((req, res) => {
    if (options.route?.(req, res)) return
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const name = path.replace(/^\//, '').replace(/\.(html|js)$/, '') || first
    if (path.endsWith('.js') && scripts.has(name)) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' })
      res.end(scripts.get(name))
      return
    }
    // Every other path (`/`, `/tab.html`, `/callback?code=...`) serves a page, so OpenID redirects land on the app.
    const page = scripts.has(name) ? name : first
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-cache' })
    res.end(html(page))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`

  const window = options.oneWindow ? await launchOneWindow(executablePath, CHROMIUM_FLAGS) : undefined
  const browser =
    window?.browser ??
    (await chromium.launch({
      executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
      ...(options.backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
    }))
  const context = window?.context ?? (await browser.newContext())

  return {
    origin,
    browser,
    context,
    async openTab(page = first) {
      const tab = await context.newPage()
      tab.on('pageerror', (error) => console.error(`[tab ${page}] ${error.message}`))
      await tab.goto(page.startsWith('/') ? `${origin}${page}` : `${origin}/${page}.html`)
      return tab
    },
    newContext: () => browser.newContext(),
    async close() {
      await (window ? window.close() : browser.close().catch(() => {}))
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
