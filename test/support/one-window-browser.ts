import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext } from 'playwright-core'

/**
 * Chromium whose tabs behave as in a user's window: only the front tab is
 * visible, the others are hidden (`document.visibilityState === 'hidden'`)
 * and draw no frames until brought to the front.
 *
 * Why not `chromium.launch()`: playwright turns on focus emulation for every
 * page of the contexts it makes, and Chromium then treats every page as
 * visible, so 8 tabs are 8 visible windows all painting. Attached over CDP
 * with `noDefaults`, playwright leaves the browser's default context as it is;
 * tabs opened there are ordinary tabs of one window.
 */
export async function launchOneWindow(
  executablePath: string,
  flags: string[],
): Promise<{ browser: Browser; context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'authsession-tabs-'))
  const child = spawn(
    executablePath,
    ['--headless', '--mute-audio', '--hide-scrollbars', '--password-store=basic', `--user-data-dir=${profile}`, '--remote-debugging-port=0', ...flags, 'about:blank'],
    // Its own process group, so its helper processes can be stopped with it.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  )
  // Never outlive the test process, even when it ends without closing us.
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
  const killOnExit = killGroup
  process.once('exit', killOnExit)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // The profile goes only once Chromium has exited: it writes there until then.
  const cleanUp = async () => {
    process.off('exit', killOnExit)
    killGroup()
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 })
    } catch {
      // A helper process still writing: the OS's temp cleaning takes what is left.
    }
  }
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = ''
      const timer = setTimeout(() => reject(new Error(`Chromium did not open its DevTools port within 20 s:\n${output}`)), 20_000)
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const found = /DevTools listening on (ws:\/\/\S+)/.exec(output)
        if (found) {
          clearTimeout(timer)
          // The stream keeps flowing (and is dropped): a full pipe would stall Chromium.
          child.stderr.off('data', onData)
          resolve(found[1]!)
        }
      }
      child.stderr.on('data', onData)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`Chromium exited (${code}) before opening its DevTools port:\n${output}`))
      })
    })
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true })
    const context = browser.contexts()[0]!
    // The start-up tab is not one of ours; it would stay the front tab otherwise.
    await Promise.all(context.pages().map((page) => page.close()))
    return {
      browser,
      context,
      async close() {
        // Asked to quit, Chromium stops its helper processes itself.
        const session = await browser.newBrowserCDPSession().catch(() => null)
        await session?.send('Browser.close').catch(() => {})
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
        await browser.close().catch(() => {})
        await cleanUp()
      },
    }
  } catch (error) {
    await cleanUp()
    throw error
  }
}
