import { spawn } from 'node:child_process'
import { chromium, type BrowserContext } from 'playwright-core'
import { CHROMIUM_FLAGS, findChromium } from './browser-harness'

/**
 * Chromium on a profile directory the test keeps, started as a process of
 * our own so it can be killed outright (SIGKILL, as a crash or the OS would)
 * or asked to quit, then started again on the same profile: what a user's
 * browser finds on disk after either.
 */
export async function launchOnProfile(profile: string): Promise<{ context: BrowserContext; kill(): Promise<void>; quit(): Promise<void> }> {
  const child = spawn(findChromium()!, ['--headless', `--user-data-dir=${profile}`, '--remote-debugging-port=0', ...CHROMIUM_FLAGS, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: a kill takes its helper processes too
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  process.once('exit', killGroup)
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = ''
    let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(() => reject(new Error(`Chromium did not open its DevTools port:\n${output}`)), 20_000)
    // The stream keeps flowing once found (a full pipe would stall Chromium); its output is dropped.
    child.stderr.on('data', (chunk: Buffer) => {
      if (!timer) return
      output += chunk.toString()
      const found = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (found) {
        clearTimeout(timer)
        timer = undefined
        resolve(found[1]!)
      }
    })
  }).catch((error: unknown) => {
    killGroup()
    throw error
  })
  const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true })
  let closed: Promise<void> | undefined
  const gone = () => (closed ??= finish())
  const finish = async () => {
    await exited
    process.off('exit', killGroup)
    await browser.close().catch(() => {})
  }
  return {
    context: browser.contexts()[0]!,
    // Both may be called more than once (a test's own, then its cleanup's): the browser goes once.
    async kill() {
      if (closed) return closed
      killGroup()
      await gone()
    },
    async quit() {
      if (closed) return closed
      const session = await browser.newBrowserCDPSession()
      await session.send('Browser.close').catch(() => {})
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))])
      killGroup() // only if it did not quit in time
      await gone()
    },
  }
}
