import { afterEach, describe, expect, it } from 'vitest'
import { createIdleTimeout, type IdleTimeout, type SessionStore } from '../../src/index'
import { settle } from '../support/fake-clock'
import { destroyTabs } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'

const stops: Array<() => void> = []
afterEach(() => {
  stops.splice(0).forEach((stop) => stop())
  browserCleanups.splice(0).forEach((cleanup) => cleanup())
  destroyTabs()
})

function tracker(store: SessionStore, timeoutMs: number, promptMs: number): IdleTimeout {
  const idle = createIdleTimeout(store, { timeoutMs, promptMs, activityEvents: false })
  stops.push(idle.start())
  return idle
}

// An idle timeout shorter than the store's activity write interval (the default 60 s, left unset: a
// 20 s timeout to try the prompt). The user's activity in one tab stayed unwritten for up to a minute,
// so the other tab, left alone, prompted and ended the session of a user who never stopped working.
describe('an idle timeout shorter than activityWriteIntervalMs', () => {
  it('a user active in one tab is never prompted nor signed out by the idle tab', async () => {
    const b = await browser(2, { ttlMs: 60 * MINUTE }) // activityWriteIntervalMs: the default
    await b.signIn()
    const trackers = b.stores.map((store) => tracker(store, 20_000, 10_000))
    const seen = new Set<string>()
    trackers.forEach((idle) => idle.subscribe(() => seen.add(idle.getState().phase)))
    for (let i = 0; i < 120; i++) {
      await b.clock.advance(500)
      b.stores[0]!.recordActivity() // a mouse moved in the first tab, every half second for a minute
      await settle(2)
    }
    await settle(10)
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
    expect([...seen]).not.toContain('prompt')
    expect(trackers.map((idle) => idle.getState().phase)).toEqual(['active', 'active'])
  })

  it('writes no more often than needed: a timeout well above the interval keeps the interval', async () => {
    const b = await browser(2, { ttlMs: 60 * MINUTE, activityWriteIntervalMs: 60_000 })
    await b.signIn()
    b.stores.forEach((store) => tracker(store, 30 * MINUTE, 5 * MINUTE))
    const writes = () => b.tabs[0]!.events.filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length
    const before = writes()
    for (let i = 0; i < 120; i++) {
      await b.clock.advance(500)
      b.stores[0]!.recordActivity()
      await settle(2)
    }
    await settle(10)
    expect(writes() - before).toBeLessThanOrEqual(2) // one at the start of the minute, one as it ends
  })
  it('once the tracker stops, activity is written at the store\'s own interval again', async () => {
    const b = await browser(2, { ttlMs: 60 * MINUTE, activityWriteIntervalMs: 60_000 })
    await b.signIn()
    const stop = createIdleTimeout(b.stores[0]!, { timeoutMs: 20_000, promptMs: 10_000, activityEvents: false }).start()
    const writes = () => b.tabs[0]!.events.filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity').length
    const activeFor = async (ms: number) => {
      for (let t = 0; t < ms; t += 500) {
        await b.clock.advance(500)
        b.stores[0]!.recordActivity()
        await settle(2)
      }
    }
    let before = writes()
    await activeFor(30_000)
    expect(writes() - before).toBeGreaterThanOrEqual(5) // every 5 s: half the 10 s before the prompt
    stop()
    await settle(4)
    before = writes()
    await activeFor(30_000)
    expect(writes() - before).toBeLessThanOrEqual(1)
  })
})
