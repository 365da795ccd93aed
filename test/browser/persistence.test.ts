import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import { endSession, eventually, openTabs, rawRecord, reloadFrom, signIn, startTab, startTabHarness, stateOf, update } from './tabs'

describe.skipIf(!findChromium())('IndexedDB persistence in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startTabHarness()
  })
  afterAll(() => harness?.close())

  it('the session survives a reload', async () => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    const session = makeSession()
    await signIn(tab!, session)
    await tab!.reload()
    expect(await startTab(tab!, dbName)).toBe('authenticated')
    expect((await stateOf(tab!)).session).toEqual(session)
    await tab!.close()
  })

  /**
   * Ends the session in `tab` without awaiting it (`held`: its tombstone write
   * never runs there), then the page goes away: reloaded, or closed (a tab's
   * sessionStorage goes with it). Returns the page that comes next: the
   * reloaded one, or a new tab, started.
   */
  async function logoutThenAway(tab: Page, dbName: string, away: 'reload' | 'close', held: boolean): Promise<Page> {
    const script = async ([hold, reload]: readonly [boolean, boolean]) => {
      if (hold) window.__tab.holdNextWrite()
      void window.__tab.end('user-logout')
      if (hold) await window.__tab.writeReached
      if (reload) location.reload()
    }
    if (away === 'reload') {
      await reloadFrom(tab, () => tab.evaluate(script, [held, true] as const))
      await startTab(tab, dbName)
      return tab
    }
    await tab.evaluate(script, [held, false] as const)
    await tab.close()
    return (await openTabs(harness, 1, dbName))[0]!
  }

  it.each(['reload', 'close'] as const)('the only tab, its logout write held, then %s: the next page finishes the logout', async (away) => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    await signIn(tab!, makeSession())
    const next = await logoutThenAway(tab!, dbName, away, true)
    expect((await stateOf(next)).status).toBe('unauthenticated')
    await eventually(async () => expect(await rawRecord(next, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
    await next.close()
  })

  it.each(['reload', 'close'] as const)('end() not awaited, then at once %s of the only tab: the next page is signed out (5 tries)', async (away) => {
    // The page goes away mid-write; the logout journal in localStorage lets
    // the next page finish it (before it, 3 in 10 reloads came back signed
    // in, and every closed tab did while the journal was in sessionStorage).
    for (let i = 0; i < 5; i += 1) {
      const dbName = uniqueDbName()
      const [tab] = await openTabs(harness, 1, dbName)
      await signIn(tab!, makeSession())
      const next = await logoutThenAway(tab!, dbName, away, false)
      expect((await stateOf(next)).status).toBe('unauthenticated')
      await eventually(async () => expect(await rawRecord(next, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
      await next.close()
    }
  })

  it('a page reloaded mid-logout after another tab stored a later write of the login it had not heard of: the next page ends that write', async () => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    await tab!.reload()
    await startTab(tab!, dbName, true, false) // hears no other tab: it goes on holding generation 1
    await signIn(tab!, makeSession())
    const [other] = await openTabs(harness, 1, dbName)
    expect(await update(other!, { ipAddress: '192.0.2.4' })).toBe(true) // generation 2, same login
    await other!.close()
    await logoutThenAway(tab!, dbName, 'reload', true)
    expect((await stateOf(tab!)).status).toBe('unauthenticated')
    await eventually(async () => expect(await rawRecord(tab!, dbName)).toMatchObject({ ended: true, generation: 3, session: { ipAddress: '192.0.2.4' } }))
    await tab!.close()
  })

  it('a second tab of the same origin hydrates the same record', async () => {
    const dbName = uniqueDbName()
    const [first] = await openTabs(harness, 1, dbName)
    const session = makeSession()
    await signIn(first!, session)
    const [second] = await openTabs(harness, 1, dbName)
    expect(await stateOf(second!)).toEqual({ status: 'authenticated', session })
    await Promise.all([first!.close(), second!.close()])
  })

  it('a stale writer in a second tab is refused', async () => {
    const dbName = uniqueDbName()
    const [a, b] = await openTabs(harness, 2, dbName, false)
    await signIn(a!, makeSession())
    await eventually(async () => expect((await stateOf(b!)).status).toBe('authenticated'))
    // Hold b's write until a has ended the session, then let it go.
    await b!.evaluate(() => window.__tab.holdNextWrite())
    const late = b!.evaluate(() => window.__tab.update({ accessToken: 'late-write-secret' }))
    await b!.evaluate(() => window.__tab.writeReached)
    await endSession(a!, 'user-logout')
    await b!.evaluate(() => window.__tab.releaseWrite!())
    expect(await late).toBe(false)
    const raw = await rawRecord(a!, dbName)
    expect(raw).toMatchObject({ ended: true, generation: 2 })
    expect(JSON.stringify(raw)).not.toContain('late-write-secret')
    expect((await stateOf(b!)).status).toBe('unauthenticated')
    await Promise.all([a!.close(), b!.close()])
  })

  it('many tabs writing at once lose no update (IndexedDB transactions serialise across tabs)', async () => {
    const dbName = uniqueDbName()
    const tabs = await openTabs(harness, 4, dbName, false)
    await signIn(tabs[0]!, makeSession({ scopes: [] }))
    await eventually(async () => {
      for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    })
    await Promise.all(
      tabs.map((tab, t) =>
        tab.evaluate(async (index) => {
          for (let i = 0; i < 10; i += 1) {
            await window.__tab.update({ ipAddress: `10.0.${index}.${i}` })
          }
        }, t),
      ),
    )
    const raw = await rawRecord(tabs[0]!, dbName)
    expect(raw).toMatchObject({ generation: 41 })
    await Promise.all(tabs.map((tab) => tab.close()))
  })

  it('update after reload keeps the generation moving forward', async () => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    await signIn(tab!, makeSession())
    await update(tab!, { tokenType: 'DPoP' })
    await tab!.reload()
    await startTab(tab!, dbName)
    expect(await update(tab!, { tokenType: 'Bearer' })).toBe(true)
    expect(await rawRecord(tab!, dbName)).toMatchObject({ generation: 3 })
    await tab!.close()
  })
})
