import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { parseSession } from '../../src/index'
import { findChromium, type BrowserHarness } from '../support/browser-harness'
import { makeSession, uniqueDbName } from '../support/sessions'
import {
  endSession,
  eventually,
  openTabs,
  rawRecord,
  renderedStatus,
  signIn,
  startTab,
  startTabHarness,
  stateOf,
  update,
} from './tabs'

const closeAll = (pages: Page[]) => Promise.all(pages.map((page) => page.close()))

describe.skipIf(!findChromium())('tabs agree, in real Chromium', () => {
  let harness: BrowserHarness
  beforeAll(async () => {
    harness = await startTabHarness()
  })
  afterAll(() => harness?.close())

  it.each([2, 8])('sign-in, update and logout reach all %i tabs and their rendered trees', async (count) => {
    const dbName = uniqueDbName()
    const tabs = await openTabs(harness, count, dbName)
    const session = makeSession()
    await signIn(tabs[count - 1]!, session)
    await eventually(async () => {
      for (const tab of tabs) {
        expect(await stateOf(tab)).toEqual({ status: 'authenticated', session })
        expect(await renderedStatus(tab)).toBe('authenticated')
      }
    })

    await update(tabs[0]!, { accessToken: 'rotated-secret', isMfaVerified: true, mfaVerifiedAt: '2026-11-23T10:00:00Z' })
    await eventually(async () => {
      for (const tab of tabs) expect((await stateOf(tab)).session).toMatchObject({ accessToken: 'rotated-secret', isMfaVerified: true })
    })

    await endSession(tabs[1]!, 'admin-revoke')
    const writer = await stateOf(tabs[1]!)
    expect(writer.session).toMatchObject({ status: 'revoked', revokeReason: 'admin-revoke', accessToken: '' })
    await eventually(async () => {
      for (const tab of tabs) {
        expect(await stateOf(tab)).toEqual(writer)
        expect(await renderedStatus(tab)).toBe('unauthenticated')
      }
    })
    expect(JSON.stringify(await rawRecord(tabs[0]!, dbName))).not.toContain('secret')
    await closeAll(tabs)
  })

  /** Three tabs on one fresh database, signed in from the first, all showing it. */
  async function threeSignedInTabs() {
    const dbName = uniqueDbName()
    const tabs = await openTabs(harness, 3, dbName)
    const [a, b, c] = tabs as [Page, Page, Page]
    await signIn(a, makeSession())
    await eventually(async () => {
      for (const tab of tabs) expect((await stateOf(tab)).status).toBe('authenticated')
    })
    return { dbName, tabs, a, b, c }
  }

  it('the stale-writer race: a write held until after logout is refused, every tab ends signed out, no token stored', async () => {
    const { dbName, tabs, a, b, c } = await threeSignedInTabs()
    // b starts writing new tokens (a refresh that began before the logout) and is held there.
    await b.evaluate(() => window.__tab.holdNextWrite())
    const late = b.evaluate(() => window.__tab.update({ accessToken: 'late-refresh-secret', refreshToken: 'late-rt-secret' }))
    await b.evaluate(() => window.__tab.writeReached)
    await endSession(a, 'user-logout')
    await eventually(async () => expect((await stateOf(c)).status).toBe('unauthenticated'))
    await b.evaluate(() => window.__tab.releaseWrite!())
    expect(await late).toBe(false)

    await eventually(async () => {
      for (const tab of tabs) {
        const state = await stateOf(tab)
        expect(state.status).toBe('unauthenticated')
        expect(state.session?.revokeReason).toBe('user-logout')
      }
    })
    const raw = await rawRecord(a, dbName)
    expect(raw).toMatchObject({ ended: true, generation: 2 })
    expect(JSON.stringify(raw)).not.toMatch(/secret/)
    const events = await b.evaluate(() => window.__tab.events())
    expect(events).toContainEqual(expect.objectContaining({ type: 'write-refused' }))

    // A reload after logout stays signed out.
    await b.reload()
    expect(await startTab(b, dbName)).toBe('unauthenticated')
    await closeAll(tabs)
  })

  it('a frozen tab reconciles from IndexedDB on resume, before it acts', async () => {
    const dbName = uniqueDbName()
    const [a, frozen] = (await Promise.all([harness.openTab('tab'), harness.openTab('tab')])) as [Page, Page]
    await startTab(a, dbName)
    // No tab messages for this one: what it learns after resuming, it learns from its own re-read.
    await startTab(frozen, dbName, true, false)
    await signIn(a, makeSession())
    await frozen.evaluate(() => window.dispatchEvent(new Event('focus')))
    await eventually(async () => expect((await stateOf(frozen)).status).toBe('authenticated'))

    const cdp = await harness.context.newCDPSession(frozen)
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
    await endSession(a, 'security-incident')
    await cdp.send('Page.setWebLifecycleState', { state: 'active' })
    // A browser unfreezing a page fires `resume` at its document; the CDP
    // command does not (checked on this Chromium), so the test fires it.
    await frozen.evaluate(() => document.dispatchEvent(new Event('resume')))

    // Resumed, and before it does anything, it shows what storage says.
    await eventually(async () =>
      expect(await stateOf(frozen)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'security-incident' } }),
    )
    expect(await renderedStatus(frozen)).toBe('unauthenticated')
    // And whatever it tries, it cannot bring the session back.
    expect(await update(frozen, { accessToken: 'after-freeze-secret' })).toBe(false)
    expect(JSON.stringify(await rawRecord(a, dbName))).not.toContain('after-freeze-secret')
    await closeAll([a, frozen])
  })

  it('a tab restored from the back/forward cache re-reads storage when shown again (pageshow, visibilitychange)', async () => {
    const dbName = uniqueDbName()
    const [a, b] = (await Promise.all([harness.openTab('tab'), harness.openTab('tab')])) as [Page, Page]
    await startTab(a, dbName)
    await startTab(b, dbName, true, false) // no tab messages: only its pageshow re-read can tell it
    await signIn(a, makeSession())
    await b.evaluate(() => window.dispatchEvent(new Event('focus')))
    await eventually(async () => expect((await stateOf(b)).status).toBe('authenticated'))
    const cdp = await harness.context.newCDPSession(b)
    await cdp.send('Page.enable')
    const notRestored: unknown[] = []
    cdp.on('Page.backForwardCacheNotUsed', (event) => notRestored.push(event.notRestoredExplanations))
    // Leave, log out elsewhere, come back: the page comes out of the cache as it was, signed in.
    await b.goto(`${harness.origin}/other.html`)
    await endSession(a, 'password-change')
    await b.goBack({ waitUntil: 'commit' }) // a restore from the cache fires no load event
    const restored = await b.evaluate(() => (window as { __started?: boolean }).__started === true)
    expect({ restored, notRestored }).toEqual({ restored: true, notRestored: [] })
    await eventually(async () =>
      expect(await stateOf(b)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'password-change' } }),
    )
    expect(await renderedStatus(b)).toBe('unauthenticated')
    await closeAll([a, b])
  })

  it('a tab closed after announcing its logout, before writing it: the other tabs write the tombstone', async () => {
    const { dbName, tabs, a, b, c } = await threeSignedInTabs()
    // a announces the logout, then its write is held and the tab closes: nothing of it reaches storage.
    await a.evaluate(() => window.__tab.holdNextWrite())
    void a.evaluate(() => window.__tab.end('user-logout')).catch(() => {})
    await a.evaluate(() => window.__tab.writeReached)
    await a.close({ runBeforeUnload: false })
    for (const tab of [b, c]) expect((await stateOf(tab)).status).toBe('unauthenticated')
    // Both survivors try to confirm (about 2 s later); the generation check lets exactly one write.
    await eventually(async () => expect(await rawRecord(b, dbName)).toMatchObject({ ended: true, generation: 2 }), 8000)
    expect(JSON.stringify(await rawRecord(b, dbName))).not.toMatch(/secret/)
    await eventually(async () => {
      for (const tab of [b, c]) expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    })
    await c.reload()
    expect(await startTab(c, dbName)).toBe('unauthenticated')
    await closeAll([b, c])
  })

  it('a tab closed after announcing a logout from a generation another tab had just moved past: the others end the later record', async () => {
    const { dbName, a, b, c } = await threeSignedInTabs()
    // A tab whose messages nobody hears stores generation 2 of the same login: a, b and c still hold generation 1.
    const quiet = await harness.openTab('tab')
    await startTab(quiet, dbName, true, false)
    expect(await update(quiet, { ipAddress: '192.0.2.3' })).toBe(true)
    await a.evaluate(() => window.__tab.holdNextWrite())
    void a.evaluate(() => window.__tab.end('user-logout')).catch(() => {})
    await a.evaluate(() => window.__tab.writeReached)
    await a.close({ runBeforeUnload: false })
    await eventually(async () => expect(await rawRecord(b, dbName)).toMatchObject({ ended: true, generation: 3, session: { ipAddress: '192.0.2.3' } }), 8000)
    for (const tab of [b, c]) expect(await stateOf(tab)).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await quiet.reload()
    expect(await startTab(quiet, dbName)).toBe('unauthenticated')
    await closeAll([b, c, quiet])
  })

  it('site data cleared while tabs are open: they follow the next sign-in, not their old generation count', async () => {
    const { dbName, tabs, a, b } = await threeSignedInTabs()
    await update(a, { ipAddress: '192.0.2.1' })
    await update(a, { ipAddress: '192.0.2.2' }) // every tab now holds generation 3
    await eventually(async () => expect((await stateOf(b)).session?.ipAddress).toBe('192.0.2.2'))
    // What "Clear site data" does: IndexedDB is deleted under the open connections.
    const cdp = await harness.context.newCDPSession(a)
    await cdp.send('Storage.clearDataForOrigin', { origin: harness.origin, storageTypes: 'indexeddb' })
    await cdp.detach()
    expect(await rawRecord(a, dbName)).toBeUndefined()
    // A tab opened afterwards signs in: generation 1 of a new epoch, below what the old tabs hold.
    const [fresh] = (await openTabs(harness, 1, dbName)) as [Page]
    const bob = makeSession({ user: { '@type': 'User', id: 'u2', username: 'bob' } })
    await signIn(fresh, bob)
    expect(await rawRecord(fresh, dbName)).toMatchObject({ generation: 1 })
    await eventually(async () => {
      for (const tab of tabs) expect(await stateOf(tab)).toEqual({ status: 'authenticated', session: bob })
    })
    await endSession(fresh, 'user-logout')
    await eventually(async () => {
      for (const tab of tabs) expect((await stateOf(tab)).session).toMatchObject({ sessionId: bob.sessionId, revokeReason: 'user-logout' })
    })
    await closeAll([...tabs, fresh])
  })

  it('a tab closed in the middle of writing leaves a consistent record', async () => {
    const dbName = uniqueDbName()
    const [a, writer] = (await openTabs(harness, 2, dbName, false)) as [Page, Page]
    await signIn(a, makeSession())
    await eventually(async () => expect((await stateOf(writer)).status).toBe('authenticated'))
    // Fire many writes and close the tab while they are in flight.
    await writer.evaluate(() => {
      for (let i = 0; i < 200; i += 1) void window.__tab.update({ ipAddress: `192.0.2.${i % 250}` })
    })
    await writer.close({ runBeforeUnload: false })
    const raw = (await rawRecord(a, dbName)) as { generation: number; session: unknown; ended: boolean }
    expect(raw.ended).toBe(false)
    expect(() => parseSession(raw.session)).not.toThrow()
    expect(raw.generation).toBeGreaterThanOrEqual(1)
    // The survivor can still write on top of it.
    expect(await update(a, { tokenType: 'Bearer' })).toBe(true)
    expect(await rawRecord(a, dbName)).toMatchObject({ generation: raw.generation + 1 })
    await a.close()
  })
})
