import { afterEach, describe, expect, it, vi } from 'vitest'
import { get, createStore as createIdbStore } from 'idb-keyval'
import {
  createBroadcastTabChannel,
  createSessionStore,
  parseTabMessage,
  type SessionEvent,
  type SessionStore,
  type WakeReason,
  type WakeSource,
} from '../../src/index'
import { makeSession, uniqueDbName } from '../support/sessions'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))

/** N stores on one database and one BroadcastChannel name, like N tabs (Node's BroadcastChannel crosses instances). */
async function tabs(count: number, dbName = uniqueDbName()) {
  const list = await Promise.all(
    Array.from({ length: count }, async () => {
      const store = createSessionStore({ dbName })
      const events: SessionEvent[] = []
      store.on((event) => events.push(event))
      cleanups.push(store.start(), () => store.destroy())
      await store.whenHydrated()
      return { store, events }
    }),
  )
  return { dbName, list, stores: list.map((tab) => tab.store) }
}

const everyone = (stores: SessionStore[], check: (store: SessionStore) => void) =>
  vi.waitFor(() => stores.forEach(check), { timeout: 2000 })

describe('tab sync over BroadcastChannel', () => {
  it('sign-in in one tab makes every tab authenticated', async () => {
    const { stores } = await tabs(4)
    const session = makeSession()
    await stores[2]!.signIn(session)
    await everyone(stores, (store) => expect(store.getState()).toMatchObject({ status: 'authenticated', session }))
  })

  it('updates reach every tab', async () => {
    const { stores } = await tabs(3)
    await stores[0]!.signIn(makeSession())
    await everyone(stores, (store) => expect(store.getState().status).toBe('authenticated'))
    await stores[1]!.update({ accessToken: 'rotated', isMfaVerified: true })
    await everyone(stores, (store) => expect(store.getState().session).toMatchObject({ accessToken: 'rotated', isMfaVerified: true }))
  })

  it.each(['user-logout', 'admin-revoke', 'idle-timeout', 'token-expired'] as const)(
    'ending with %s leaves every tab, the writer included, in the same state',
    async (reason) => {
      const { stores, dbName } = await tabs(3)
      await stores[0]!.signIn(makeSession())
      await everyone(stores, (store) => expect(store.getState().status).toBe('authenticated'))
      await stores[2]!.end(reason)
      const ended = stores[2]!.getState().session!
      await everyone(stores, (store) => {
        expect(store.getState().status).toBe('unauthenticated')
        expect(store.getState().session).toEqual(ended)
      })
      expect(ended.revokeReason).toBe(reason)
      expect(JSON.stringify(await get('session', createIdbStore(dbName, 'sessions')))).not.toContain('secret')
    },
  )

  it('reports local and remote changes with their reason', async () => {
    const { list } = await tabs(2)
    await list[0]!.store.signIn(makeSession())
    await vi.waitFor(() =>
      expect(list[1]!.events).toContainEqual(expect.objectContaining({ type: 'change', source: 'remote', reason: 'sign-in' })),
    )
    expect(list[0]!.events).toContainEqual(expect.objectContaining({ type: 'change', source: 'local', reason: 'sign-in' }))
    await list[1]!.store.end('user-logout')
    await vi.waitFor(() =>
      expect(list[0]!.events).toContainEqual(
        expect.objectContaining({ type: 'change', source: 'remote', reason: 'end', status: 'unauthenticated' }),
      ),
    )
  })

  it('a tab opened later hydrates the latest state', async () => {
    const { stores, dbName } = await tabs(2)
    await stores[0]!.signIn(makeSession())
    await everyone(stores, (store) => expect(store.getState().status).toBe('authenticated'))
    expect(await stores[1]!.update({ tokenType: 'DPoP' })).toBe(true)
    const { stores: late } = await tabs(1, dbName)
    expect(late[0]!.getState().session?.tokenType).toBe('DPoP')
  })

  it('the messages carry no token', async () => {
    const { stores, dbName } = await tabs(1)
    const spy = new BroadcastChannel(`authsession:${dbName}:session`)
    const seen: unknown[] = []
    spy.onmessage = (event) => seen.push(event.data)
    cleanups.push(() => spy.close())
    await stores[0]!.signIn(makeSession())
    await stores[0]!.update({ accessToken: 'new_secret' })
    await stores[0]!.end('user-logout')
    await vi.waitFor(() => expect(seen).toHaveLength(4))
    expect(JSON.stringify(seen)).not.toMatch(/secret|accessToken|refresh/)
    expect(seen[0]).toEqual({ v: 1, type: 'changed', generation: 1, tabId: stores[0]!.tabId, reason: 'sign-in' })
    expect(seen[2]).toEqual({
      v: 1,
      type: 'ending',
      generation: 2,
      tabId: stores[0]!.tabId,
      revokeReason: 'user-logout',
      revokedAt: expect.any(String),
    })
    expect(seen[3]).toMatchObject({ type: 'changed', generation: 3, reason: 'end' })
  })

  it('drops malformed or unknown messages, counts them, and never throws', async () => {
    const { list, dbName } = await tabs(1)
    const attacker = new BroadcastChannel(`authsession:${dbName}:session`)
    cleanups.push(() => attacker.close())
    const junk = [
      null,
      'changed',
      { v: 2, type: 'changed', generation: 9, tabId: 'x', reason: 'update' },
      { v: 1, type: 'logout-everyone' },
      { v: 1, type: 'changed', generation: -1, tabId: 'x', reason: 'update' },
      { v: 1, type: 'changed', generation: 9, tabId: 'x', reason: 'update', accessToken: 'stolen' },
      { v: 1, type: 'changed', generation: 9, tabId: '', reason: 'update' },
      { v: 1, type: 'changed', generation: 9, tabId: 'x', reason: 'nope' },
    ]
    junk.forEach((message) => attacker.postMessage(message))
    await vi.waitFor(() =>
      expect(list[0]!.events.filter((e) => e.type === 'message-rejected')).toHaveLength(junk.length),
    )
    const rejections = list[0]!.events.flatMap((e) => (e.type === 'message-rejected' ? [[e.reason, e.count]] : []))
    expect(rejections).toEqual([
      ['not-an-object', 1],
      ['not-an-object', 2],
      ['unknown-version', 3],
      ['unknown-type', 4],
      ['bad-field', 5],
      ['unexpected-field', 6],
      ['bad-field', 7],
      ['bad-field', 8],
    ])
    expect(list[0]!.store.getState().status).toBe('unauthenticated')
  })

  it('a valid message for a generation that is not newer does not trigger a re-read', async () => {
    const { stores, dbName } = await tabs(1)
    await stores[0]!.signIn(makeSession())
    const reconcile = vi.spyOn(stores[0]!, 'reconcile')
    const other = new BroadcastChannel(`authsession:${dbName}:session`)
    cleanups.push(() => other.close())
    other.postMessage({ v: 1, type: 'changed', generation: 1, tabId: 'other', reason: 'update' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(reconcile).not.toHaveBeenCalled()
  })
})

describe('provisional logout', () => {
  const announce = (dbName: string, message: Record<string, unknown>) => {
    const other = new BroadcastChannel(`authsession:${dbName}:session`)
    other.postMessage({ v: 1, type: 'ending', tabId: 'other-tab', revokeReason: 'user-logout', revokedAt: '2026-11-23T12:00:00Z', ...message })
    other.close()
  }

  it('an ending announced for the generation a tab holds shows signed out before storage says so', async () => {
    const { stores, dbName } = await tabs(1)
    await stores[0]!.signIn(makeSession())
    announce(dbName, { generation: 1 })
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
    announce(dbName, { generation: 7 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(stores[0]!.getState().status).toBe('authenticated')
  })

  it('if the announcing tab never writes the tombstone, this tab writes it for the same generation', async () => {
    const clock = { now: Date.now, setTimeout: (fn: () => void) => setTimeout(fn, 300), clearTimeout }
    const dbName = uniqueDbName()
    const store = createSessionStore({ dbName, clock })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.signIn(makeSession())
    // Announced, then the announcing tab died (or its write failed): nothing was written.
    announce(dbName, { generation: 1, revokeReason: 'security-incident', revokedAt: '2026-11-23T12:00:00.000Z' })
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
    const clock = { now: Date.now, setTimeout: (fn: () => void) => setTimeout(fn, 300), clearTimeout }
    const dbName = uniqueDbName()
    const store = createSessionStore({ dbName, clock })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.signIn(makeSession())
    announce(dbName, { generation: 1 })
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

describe('without BroadcastChannel', () => {
  it('falls back to re-reading storage when the tab wakes', async () => {
    const dbName = uniqueDbName()
    const listeners = new Set<(reason: WakeReason) => void>()
    const wake: WakeSource = {
      subscribe(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    const a = createSessionStore({ dbName, channel: null, wake })
    const b = createSessionStore({ dbName, channel: null, wake })
    cleanups.push(a.start(), b.start(), () => a.destroy(), () => b.destroy())
    await Promise.all([a.whenHydrated(), b.whenHydrated()])
    await a.signIn(makeSession())
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(b.getState().status).toBe('unauthenticated')
    listeners.forEach((listener) => listener('visible'))
    await vi.waitFor(() => expect(b.getState().status).toBe('authenticated'))
  })

  it('createBroadcastTabChannel answers null where BroadcastChannel is missing', () => {
    vi.stubGlobal('BroadcastChannel', undefined)
    cleanups.push(() => vi.unstubAllGlobals())
    expect(createBroadcastTabChannel('x')).toBeNull()
  })
})

describe('parseTabMessage', () => {
  it('accepts the versioned envelope', () => {
    expect(parseTabMessage({ v: 1, type: 'changed', generation: 3, tabId: 't', reason: 'refresh' })).toEqual({
      v: 1,
      type: 'changed',
      generation: 3,
      tabId: 't',
      reason: 'refresh',
    })
  })
})
