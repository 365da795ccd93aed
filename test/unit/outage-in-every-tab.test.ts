import { afterEach, describe, expect, it } from 'vitest'
import { settle } from '../support/fake-clock'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'

afterEach(() => browserCleanups.splice(0).forEach((cleanup) => cleanup()))

// The README's way to show "the server cannot be reached" in every tab:
// `refresh-failed` reaches only the tab that tried; the backoff it stores
// reaches every tab as a `change` with reason `refresh-retry`, and the
// refresh that lands as one with reason `refresh`.
describe('a refresh outage, seen from every tab', () => {
  it('every tab gets refresh-retry while it lasts and refresh when it is over, signed in throughout', async () => {
    const b = await browser(3)
    await b.signIn()
    b.server.setDown(true)
    await b.clock.advance(9 * MINUTE + 30_000)
    await settle(10)
    const reasons = () => b.tabs.map((tab) => tab.events.flatMap((event) => (event.type === 'change' ? [event.reason] : [])))
    for (const seen of reasons()) expect(seen).toContain('refresh-retry')
    // The error itself, only in the tabs that tried.
    expect(b.tabs.flatMap((tab) => tab.events.filter((event) => event.type === 'refresh-failed')).length).toBeGreaterThan(0)
    b.server.setDown(false)
    await b.clock.advance(40_000)
    await settle(10)
    for (const seen of reasons()) expect(seen.at(-1)).toBe('refresh')
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated', 'authenticated'])
  })
})

describe('a partly usable refresh answer, seen from every tab', () => {
  it('is a change with reason refresh-retry (its new tokens are stored with a backoff), not refresh', async () => {
    let spoil = false
    // The server's own source, whose refresh answers carry one invalid field once `spoil` is set.
    const b = await browser(2, {
      sourceOf: (server) => {
        const source = server.source()
        return {
          ...source,
          async refresh(session, context) {
            const answer = await source.refresh(session, context)
            return spoil ? { ...answer, session: { ...answer.session, deviceTrustLevel: 'sort-of' as never } } : answer
          },
        }
      },
    })
    await b.signIn()
    spoil = true
    await b.clock.advance(9 * MINUTE)
    await settle(10)
    const reasons = b.tabs.map((tab) => tab.events.flatMap((event) => (event.type === 'change' ? [event.reason] : [])))
    for (const seen of reasons) expect(seen.at(-1)).toBe('refresh-retry')
    expect(b.server.refreshes).toBeGreaterThan(0)
    expect(b.tabs.flatMap((tab) => tab.events.filter((event) => event.type === 'refreshed'))).toEqual([])
    expect(b.stores.map((store) => store.getState().status)).toEqual(['authenticated', 'authenticated'])
  })
})
