import { afterEach, describe, expect, it, vi } from 'vitest'
import { get, createStore as createIdbStore } from 'idb-keyval'
import { createMemoryPersistence, createSessionStore, type SessionPersistence } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { announceLogout, bus, destroyTabs, failable, noWake, startedTab, trackTab } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'
import { tabCleanups, tabs } from '../support/tab-stores'

const cleanups = tabCleanups
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))
afterEach(destroyTabs)

/** A signed-in tab whose confirm timer fires after 300 ms instead of 2 s. */
async function signedInWithQuickConfirm() {
  const clock = { now: Date.now, setTimeout: (fn: () => void) => setTimeout(fn, 300), clearTimeout }
  const dbName = uniqueDbName()
  const store = createSessionStore({ dbName, clock })
  cleanups.push(store.start(), () => store.destroy())
  await store.whenHydrated()
  await store.signIn(makeSession())
  return { dbName, store }
}

describe('provisional logout', () => {
  /** Announces an ending as another tab would: for the stored record's epoch, at `message.generation`. */
  const announce = async (dbName: string, message: Record<string, unknown>) => {
    const { epoch } = (await get('session', createIdbStore(dbName, 'sessions'))) as { epoch: string }
    const other = new BroadcastChannel(`authsession:${dbName}:session`)
    other.postMessage({ v: 1, type: 'ending', epoch, tabId: 'other-tab', revokeReason: 'user-logout', revokedAt: '2026-11-23T12:00:00Z', ...message })
    other.close()
  }

  it('an ending announced for the generation a tab holds shows signed out before storage says so', async () => {
    const { stores, dbName } = await tabs(1)
    await stores[0]!.signIn(makeSession())
    await announce(dbName, { generation: 1 })
    await vi.waitFor(() =>
      expect(stores[0]!.getState()).toMatchObject({
        status: 'unauthenticated',
        session: { status: 'revoked', revokeReason: 'user-logout', accessToken: '' },
      }),
    )
  })

  it('a hydrated tab announces its logout inside the end() call, before any await', async () => {
    const dbName = uniqueDbName()
    const posted: unknown[] = []
    const channel = { post: (message: unknown) => posted.push(message), subscribe: () => () => {}, close() {} }
    const store = createSessionStore({ dbName, channel })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.signIn(makeSession())
    posted.length = 0
    // A page that navigates away right after calling end() has still told the other tabs.
    const ending = store.end('user-logout')
    expect(posted).toEqual([expect.objectContaining({ type: 'ending', generation: 1, revokeReason: 'user-logout' })])
    await ending
    expect(posted.map((message) => (message as { type: string }).type)).toEqual(['ending', 'changed'])
  })

  it('an ending for another generation is ignored', async () => {
    const { stores, dbName } = await tabs(1)
    await stores[0]!.signIn(makeSession())
    await announce(dbName, { generation: 7 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(stores[0]!.getState().status).toBe('authenticated')
  })

  it('if the announcing tab never writes the tombstone, this tab writes it for the same generation', async () => {
    const { dbName, store } = await signedInWithQuickConfirm()
    // Announced, then the announcing tab died (or its write failed): nothing was written.
    await announce(dbName, { generation: 1, revokeReason: 'security-incident', revokedAt: '2026-11-23T12:00:00.000Z' })
    await vi.waitFor(() => expect(store.getState().status).toBe('unauthenticated'), { interval: 5 })
    await vi.waitFor(async () =>
      expect(await get('session', createIdbStore(dbName, 'sessions'))).toMatchObject({
        generation: 2,
        ended: true,
        session: { status: 'revoked', revokeReason: 'security-incident', revokedAt: '2026-11-23T12:00:00.000Z', accessToken: '' },
      }),
    )
    expect(JSON.stringify(await get('session', createIdbStore(dbName, 'sessions')))).not.toContain('secret')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'security-incident' } })
  })

  it('if storage moved on before the confirm (a newer sign-in), the stored session is shown, not ended', async () => {
    const { dbName, store } = await signedInWithQuickConfirm()
    await announce(dbName, { generation: 1 })
    await vi.waitFor(() => expect(store.getState().status).toBe('unauthenticated'), { interval: 5 })
    // A newer sign-in lands silently (no message reaches this tab before its confirm).
    const other = createSessionStore({ dbName, channel: null })
    cleanups.push(() => other.destroy())
    await other.whenHydrated()
    const newer = makeSession()
    await other.signIn(newer)
    await vi.waitFor(() => expect(store.getState()).toMatchObject({ status: 'authenticated', session: newer }))
    expect(await get('session', createIdbStore(dbName, 'sessions'))).toMatchObject({ generation: 2, ended: false, session: newer })
  })
})

describe('while an announced logout waits for its tombstone', () => {
  it('an update() in a tab showing an announced logout does not cancel that logout', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const server = new FakeTokenServer(clock)
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    await b.signIn(server.signInSession())
    await settle()
    // Tab a logs out: it announces, then closes before its tombstone is written.
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    await b.update({ ipAddress: '192.0.2.9' }) // app code saving something in b meanwhile
    await clock.advance(2500) // b's confirm
    await settle()
    expect({ status: b.getState().status, stored: shared.get('session') }).toMatchObject({
      status: 'unauthenticated',
      stored: { ended: true, session: { revokeReason: 'user-logout' } },
    })
  })

  it('no access token is handed out, with a source or without', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: withSource } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, source: server.source() })
    const { store: plain } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    await withSource.completeLogin('https://app.example/cb?code=1')
    await settle()
    for (const store of [withSource, plain]) await expect(store.getAccessToken()).resolves.toMatch(/./)
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    for (const store of [withSource, plain]) {
      expect(store.getState().status).toBe('unauthenticated')
      await expect(store.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
    }
  })

  it('is not retried into storage before the logout is confirmed (a newer generation would cancel it)', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const server = new FakeTokenServer(clock)
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store: b } = await startedTab({ persistence, channel: channel(), clock })
    await b.signIn(server.signInSession())
    await settle()
    // The disk fills for a moment: b's update is held in memory, retried in 5 s.
    disk.full = true
    await b.update({ ipAddress: '192.0.2.9' })
    disk.full = false
    await clock.advance(4000)
    // Tab a logs out: it announces, then closes before its tombstone is written.
    announceLogout(channel(), shared, clock.serverNow())
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    await clock.advance(3000) // b's held update is retried (at 5 s), then b's confirm (at 2 s after the announcement)
    await settle()
    expect({ status: b.getState().status, stored: shared.get('session') }).toMatchObject({
      status: 'unauthenticated',
      stored: { ended: true, session: { revokeReason: 'user-logout' } },
    })
  })
})

/** Memory storage whose reads take `ms` of real time (an IndexedDB read is a few ms; a cold open tens). */
function slowReads(shared: Map<string, unknown>, ms: number): SessionPersistence {
  const memory = createMemoryPersistence(shared)
  return { ...memory, read: () => new Promise((resolve) => setTimeout(() => resolve(memory.read()), ms)) }
}

type Raw = { generation: number; epoch?: string; ended: boolean; session: { lastActivityAt: string } }

describe('an announced logout reaching a tab that has not read the record yet', () => {
  it('an announced logout for a generation this tab is still reading is confirmed, not lost', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: b } = await startedTab({ persistence: slowReads(shared, 15), channel: channel(), clock })
    await b.signIn(makeSession({}, clock.now()))
    await settle()
    // Tab a (simulated on the same bus) writes activity, generation 2, and says so...
    const raw = structuredClone(shared.get('session')) as Raw
    shared.set('session', { ...raw, generation: 2, reason: 'activity', session: { ...raw.session, lastActivityAt: new Date(clock.now()).toISOString() } })
    const a = channel()
    a.post({ v: 1, type: 'changed', generation: 2, epoch: raw.epoch, tabId: 'tab-a', reason: 'activity' })
    // ...then the user clicks "Sign out" in a: the ending is announced, and a closes before its tombstone lands.
    a.post({ v: 1, type: 'ending', generation: 2, epoch: raw.epoch, tabId: 'tab-a', revokeReason: 'user-logout', revokedAt: new Date(clock.serverNow()).toISOString() })
    await settle(20)
    await clock.advance(2500) // any confirm timer would have fired
    await settle(10)
    // What the user sees: they signed out in tab a, but tab b (which was re-reading the record when the announcement
    // arrived, so it still held generation 1 and dropped the announcement for generation 2) stays signed in, and the
    // tokens stay in IndexedDB: every reload is signed in again. README: "A logout is shown in other tabs as soon as
    // it is announced; if its tombstone has not landed 2 s later ..., a tab that saw the announcement writes it."
    // Correct: an ending for a newer generation makes the tab re-read and apply it if it then holds that record.
    expect({ status: b.getState().status, ended: (shared.get('session') as Raw).ended }).toEqual({ status: 'unauthenticated', ended: true })
  })

  it('an announced logout reaching a tab that is still hydrating is confirmed, not lost', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    // Tab a signed in earlier (generation 1 stored).
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await a.signIn(makeSession({}, clock.now()))
    const raw = structuredClone(shared.get('session')) as Raw
    // Tab b opens (a reload, a new tab); its first IndexedDB read takes a moment.
    const b = trackTab(createSessionStore({ persistence: slowReads(shared, 30), channel: channel(), wake: noWake, clock }))
    b.start()
    // Meanwhile the user clicks "Sign out" in tab a, which announces it and closes before its tombstone lands.
    channel().post({ v: 1, type: 'ending', generation: raw.generation, epoch: raw.epoch, tabId: 'tab-a', revokeReason: 'user-logout', revokedAt: new Date(clock.serverNow()).toISOString() })
    await b.whenHydrated()
    await settle(10)
    await clock.advance(2500)
    await settle(10)
    // What the user sees: the tab they just opened shows them signed in after they signed out, and the tokens stay in
    // IndexedDB. Correct: the announcement is not dropped because the tab had not read the record yet; it is applied
    // (and confirmed 2 s later) once the tab holds the announced record.
    expect({ status: b.getState().status, ended: (shared.get('session') as Raw).ended }).toEqual({ status: 'unauthenticated', ended: true })
  })
})
