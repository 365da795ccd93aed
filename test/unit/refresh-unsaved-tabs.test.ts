import { afterEach, describe, expect, it } from 'vitest'
import { settle } from '../support/fake-clock'
import { failingWrites } from '../support/indexeddb-faults'
import { browser, browserCleanups, MINUTE, statuses } from '../support/refresh-browser'

const undo: Array<() => void> = []
afterEach(() => {
  undo.splice(0).forEach((fn) => fn())
  browserCleanups.splice(0).forEach((cleanup) => cleanup())
})

/**
 * Two tabs; the disk fills up just as the refresh is due. One tab refreshes
 * (the provider rotates the refresh token), cannot store the answer in the
 * retries it makes under the lock, and lets the lock go holding the only valid
 * refresh token in memory.
 */
async function refreshedWithTheDiskFull() {
  const b = await browser(2)
  await b.signIn()
  const disk = failingWrites(() => new DOMException('The quota has been exceeded.', 'QuotaExceededError'))
  undo.push(() => disk.undo())
  await b.clock.advance(9 * MINUTE + 5_000)
  await settle(20)
  await b.clock.advance(5_000)
  await settle(20)
  return { ...b, disk }
}

describe('a refresh answer one tab could not store, with other tabs open', () => {
  it('the other tab does not send the spent refresh token: one token request, no invalid_grant, nobody signed out', async () => {
    const b = await refreshedWithTheDiskFull()
    // Before: the second tab, next in the lock queue, read the old refresh token from storage and sent it:
    // invalid_grant, the provider revoked the family, and its announced logout signed out the first tab too.
    expect(b.server.refreshes).toBe(1)
    expect(b.server.invalidGrants).toBe(0)
    expect(statuses(b.stores)).toEqual(['authenticated', 'authenticated'])
    expect(b.tabs.some((tab) => tab.events.some((event) => event.type === 'refresh-failed' && event.error.code === 'refresh-deferred'))).toBe(true)
  })

  it('once the disk has room again, the answer lands, every tab takes it and the next window refreshes once', async () => {
    const b = await refreshedWithTheDiskFull()
    b.disk.heal()
    await b.clock.advance(70_000) // the held change is offered again (5 s, doubling, at most a minute apart)
    await settle(20)
    const stored = b.stores.map((store) => store.getState().session?.refreshToken)
    expect(stored[0]).toBe(stored[1])
    await b.clock.advance(10 * MINUTE)
    await settle(20)
    expect({ refreshes: b.server.refreshes, invalidGrants: b.server.invalidGrants }).toEqual({ refreshes: 2, invalidGrants: 0 })
    expect(statuses(b.stores)).toEqual(['authenticated', 'authenticated'])
  })
})
