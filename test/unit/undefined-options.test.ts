import { afterEach, describe, expect, it } from 'vitest'
import { browser, browserCleanups } from '../support/refresh-browser'

afterEach(() => browserCleanups.splice(0).forEach((cleanup) => cleanup()))

// The types let every option be given as undefined (apps pass values from
// their config); at runtime undefined must mean "the default", never a value:
// a spread of defaults overwritten by `leadMs: undefined` would schedule at NaN.
describe('options given as undefined', () => {
  it('refresh timing: the same schedule as with no options at all', async () => {
    const plain = await browser(1, { refresh: {} })
    const given = await browser(1, {
      refresh: { leadMs: undefined, leadFraction: undefined, minIntervalMs: undefined, retryBaseMs: undefined, retryMaxMs: undefined, timeoutMs: undefined },
      key: undefined,
      version: undefined,
      activityWriteIntervalMs: undefined,
      openTimeoutMs: undefined,
      logoutJournal: undefined,
    })
    await plain.signIn()
    await given.signIn()
    const due = (b: typeof plain) => b.stores[0]!.nextRefreshAt()! - b.clock.now()
    expect(Number.isFinite(due(given))).toBe(true)
    expect(due(given)).toBe(due(plain))
    expect(given.stores[0]!.getState().status).toBe('authenticated')
  })
})
