import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findChromium } from '../support/browser-harness'
import { eventually } from '../support/eventually'
import { appState, signedInTabs, startOidcWorld } from './oidc-world'

type World = Awaited<ReturnType<typeof startOidcWorld>>

// The route guard every app writes first: signed out → login(). In the tab
// that signs out, it reacts to logout() itself: its sign-in raced logout()'s
// redirect to the provider's end-session page, and won, so the provider
// (whose session had not ended yet) signed the user straight back in.
describe.skipIf(!findChromium())('a route guard reacting to logout() in its own tab', () => {
  let world: World
  beforeAll(async () => {
    world = await startOidcWorld(60)
  })
  afterAll(async () => {
    await world?.close()
  })

  // The guard polls every few ms; -1: login() as soon as it sees the tab signed out, else 0, 4 or 16 ms later (an effect after paint).
  for (const delay of [-1, 0, 4, 16]) {
    it(`a login() ${delay < 0 ? 'at once' : `${delay} ms`} after the tab shows signed out does not undo the logout`, async () => {
      const { tabs } = await signedInTabs(world, 1)
      const tab = tabs[0]!
      const visited: string[] = []
      tab.on('framenavigated', (frame) => {
        if (frame === tab.mainFrame()) visited.push(new URL(frame.url()).pathname)
      })
      await tab.evaluate((delay) => {
        const guard = setInterval(() => {
          if (window.__app.state().status !== 'unauthenticated') return
          clearInterval(guard)
          const login = () => void window.__app.outcome('login')
          if (delay < 0) login()
          else setTimeout(login, delay)
        }, 0)
        void window.__app.outcome('logout')
      }, delay)
      // The page leaves (for the provider's end-session page, or, before the fix, for its sign-in) and comes back to the app.
      await eventually(async () => {
        expect(visited.length).toBeGreaterThanOrEqual(2)
        expect(visited.at(-1)).toBe('/app.html')
      }, 15_000)
      await tab.waitForFunction(() => window.__app !== undefined)
      expect(await tab.evaluate(() => window.__app.ready())).toBe('unauthenticated')
      expect((await appState(tab)).session).toMatchObject({ revokeReason: 'user-logout' })
      expect(visited).not.toContain('/callback')
      expect(visited.some((path) => path.startsWith('/session/end'))).toBe(true)
      await tab.close()
    })
  }
})
