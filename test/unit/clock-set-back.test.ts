import { afterEach, describe, expect, it } from 'vitest'
import { settle } from '../support/fake-clock'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'

afterEach(() => browserCleanups.splice(0).forEach((cleanup) => cleanup()))

// The device's clock set back while the app is open (a user fixing it, a
// time sync after resume). The provider's clock did not move: the tokens
// still expire when they did, and the refresh must come before that.
describe('a device clock set back while tabs are open', () => {
  it('the refresh still comes before the real expiry, once for the browser, and both tabs agree on the next one', async () => {
    const b = await browser(2) // tokens live 10 minutes; refreshed a minute before
    await b.signIn()
    const signedInAt = b.clock.serverNow()
    await b.clock.advance(2 * MINUTE)
    b.clock.setBack(10 * MINUTE)
    // Elapsed (server) time reaches the real refresh time: 9 minutes after sign-in.
    await b.clock.advance(signedInAt + 9 * MINUTE + 1000 - b.clock.serverNow())
    await settle(10)
    expect(b.server.refreshes).toBe(1)
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
    // Before: nothing for another 10 minutes, while tabs handed out the expired token as valid.
    await expect(b.stores[1]!.getAccessToken()).resolves.toBe(b.stores[0]!.getState().session!.accessToken)
    expect(b.stores[1]!.derived()?.isExpired).toBe(false)
    expect(b.stores.map((store) => Math.round((store.nextRefreshAt()! - b.clock.now()) / MINUTE))).toEqual([9, 9])
  })

})
