import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

  it('a page reloaded while its logout write is held: the next page of the tab finishes the logout', async () => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    await signIn(tab!, makeSession())
    // The tombstone write never runs in this page: it is held, then the page goes away.
    await reloadFrom(tab!, async () => {
      window.__tab.holdNextWrite()
      void window.__tab.end('user-logout')
      await window.__tab.writeReached
      location.reload()
    })
    expect(await startTab(tab!, dbName)).toBe('unauthenticated')
    await eventually(async () => expect(await rawRecord(tab!, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
    await tab!.close()
  })

  it('end() not awaited, then an immediate reload: the page after it is signed out (5 tries)', async () => {
    // The reload tears the page down mid-write; the logout journal in
    // localStorage lets the next page finish it (before it, 3 in 10 such
    // reloads came back signed in).
    for (let i = 0; i < 5; i += 1) {
      const dbName = uniqueDbName()
      const [tab] = await openTabs(harness, 1, dbName)
      await signIn(tab!, makeSession())
      await reloadFrom(tab!, () => {
        void window.__tab.end('user-logout')
        location.reload()
      })
      expect(await startTab(tab!, dbName)).toBe('unauthenticated')
      await eventually(async () => expect(await rawRecord(tab!, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
      await tab!.close()
    }
  })

  it('the only tab closed while its logout write is held: the next tab opened is signed out', async () => {
    const dbName = uniqueDbName()
    const [tab] = await openTabs(harness, 1, dbName)
    await signIn(tab!, makeSession())
    await tab!.evaluate(async () => {
      window.__tab.holdNextWrite()
      void window.__tab.end('user-logout')
      await window.__tab.writeReached
    })
    // No other tab heard the announcement, and the tab's sessionStorage goes with it.
    await tab!.close()
    const [next] = await openTabs(harness, 1, dbName)
    expect((await stateOf(next!)).status).toBe('unauthenticated')
    await eventually(async () => expect(await rawRecord(next!, dbName)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } }))
    await next!.close()
  })

  it('end() not awaited, then the only tab closed at once: the next tab opened is signed out (5 tries)', async () => {
    for (let i = 0; i < 5; i += 1) {
      const dbName = uniqueDbName()
      const [tab] = await openTabs(harness, 1, dbName)
      await signIn(tab!, makeSession())
      await tab!.evaluate(() => void window.__tab.end('user-logout'))
      await tab!.close()
      const [next] = await openTabs(harness, 1, dbName)
      expect((await stateOf(next!)).status).toBe('unauthenticated')
      await next!.close()
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
    await reloadFrom(tab!, async () => {
      window.__tab.holdNextWrite()
      void window.__tab.end('user-logout')
      await window.__tab.writeReached
      location.reload()
    })
    expect(await startTab(tab!, dbName)).toBe('unauthenticated')
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
