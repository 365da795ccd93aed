import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../support/browser-harness'

/**
 * The library in a sandboxed frame without allow-same-origin (an opaque
 * origin), in real Chromium: IndexedDB.open, localStorage and Web Locks all
 * throw or reject with SecurityError there. Every public method must answer
 * as documented (memory persistence, typed errors), with no unhandled
 * rejection or uncaught error left behind.
 */
describe.skipIf(!findChromium())('a sandboxed frame (opaque origin), in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startBrowserHarness({
      entries: { lib: 'test/browser/fixtures/lib-page.ts' },
      route(req, res) {
        if (req.url === '/host.html') {
          res.writeHead(200, { 'content-type': 'text/html' })
          res.end('<!doctype html><iframe id="f" sandbox="allow-scripts" src="/frame.html"></iframe>')
          return true
        }
        if (req.url === '/frame.html') {
          // A classic script: a module script from an opaque origin would need CORS.
          res.writeHead(200, { 'content-type': 'text/html' })
          res.end(
            '<!doctype html><script>window.__problems=[];addEventListener("unhandledrejection",e=>__problems.push("unhandled: "+String(e.reason)));addEventListener("error",e=>__problems.push("uncaught: "+e.message))</script><script src="/lib.js"></script>',
          )
          return true
        }
        return false
      },
    })
  })
  afterAll(() => harness?.close())

  /** Every public method once, in the frame; `refuseChannels`: BroadcastChannel's constructor throws there too, as Firefox's does with cookies blocked. */
  const runInFrame = async (refuseChannels: boolean) => {
    const page = await harness.openTab('/host.html')
    const frame = await (await page.waitForSelector('#f')).contentFrame()
    await frame!.waitForFunction(() => typeof window.__lib !== 'undefined')
    const outcome = await frame!.evaluate(async (refuse) => {
      if (refuse) {
        window.BroadcastChannel = class {
          constructor() {
            throw new DOMException('The operation is insecure.', 'SecurityError')
          }
        } as unknown as typeof BroadcastChannel
      }
      const lib = window.__lib
      const steps: Record<string, unknown> = {}
      const now = Date.now()
      const session = (id: string) => ({
        user: { id: 'u1', username: 'alice' },
        sessionId: id,
        status: 'active' as const,
        accessToken: `at-${id}`,
        refreshToken: `rt-${id}`,
        initiatedAt: new Date(now - 60_000).toISOString(),
        expiresAt: new Date(now + 3_600_000).toISOString(),
        lastActivityAt: new Date(now - 5_000).toISOString(),
        deviceInfo: {},
        isMfaVerified: false,
      })
      const source = {
        name: 'fake',
        singleUseCallbacks: true,
        startSignIn: async () => {},
        completeSignIn: async (url: string) => ({ session: session(`from-${url.length}`), returnTo: '/' }),
        refresh: async (s: ReturnType<typeof session>) => ({ session: { ...s, accessToken: 'refreshed', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }),
        signOut: async () => {},
      }
      const events: string[] = []
      const store = lib.createSessionStore({ source, dbName: 'sandboxed', openTimeoutMs: 500 })
      store.on((event) => events.push(event.type))
      const run = async (name: string, act: () => unknown) => {
        try {
          const value = await act()
          steps[name] = value === undefined ? 'ok' : value
        } catch (error) {
          steps[name] = `threw ${error instanceof lib.AuthSessionError ? error.code : (error as Error).name}`
        }
      }
      await run('start', () => void store.start())
      await run('hydrated', () => store.whenHydrated())
      await run('signIn', () => store.signIn(session('s1')))
      await run('update', () => store.update({ metadata: { theme: 'dark' } }))
      await run('activity', () => store.recordActivity())
      await run('token', () => store.getAccessToken())
      await run('refresh', () => store.refresh({ force: true }))
      await run('logout', () => store.logout({ redirect: false }))
      await run('status after logout', () => store.getState().status)
      await run('completeLogin', async () => (await store.completeLogin('https://app.example/callback?code=abc')).session.sessionId)
      await run('end', () => store.end('user-logout'))
      await new Promise((resolve) => setTimeout(resolve, 2500))
      store.destroy()
      return { steps, events, problems: (window as unknown as { __problems: string[] }).__problems, status: store.getState().status }
    }, refuseChannels)
    await page.close()
    return outcome
  }
  const expected = {
    start: 'ok',
    hydrated: 'ok',
    signIn: 'ok',
    update: true,
    token: 'at-s1',
    refresh: 'ok',
    logout: 'ok',
    'status after logout': 'unauthenticated',
    completeLogin: expect.stringMatching(/^from-/),
    end: 'ok',
  }

  it('start, sign-in, update, activity, token, refresh, logout and a second sign-in: typed answers, nothing unhandled', async () => {
    const outcome = await runInFrame(false)
    expect(outcome.problems).toEqual([])
    expect(outcome.steps).toMatchObject(expected)
  })

  it('BroadcastChannel refused as well (Firefox with cookies blocked throws SecurityError): the same answers, tabs converging on wake-ups', async () => {
    // Before: start() threw the SecurityError (a provider's effect: the app's
    // tree torn down), every write that landed rejected with it, and
    // logout() and end() rejected before the tombstone was written: the
    // user stayed signed in.
    const outcome = await runInFrame(true)
    expect(outcome.problems).toEqual([])
    expect(outcome.steps).toMatchObject(expected)
  })
})
