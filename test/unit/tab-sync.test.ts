import { afterEach, describe, expect, it, vi } from 'vitest'
import { get, createStore as createIdbStore } from 'idb-keyval'
import {
  createBroadcastTabChannel,
  createIdbPersistence,
  createSessionStore,
  parseTabMessage,
  type SessionStore,
  type WakeReason,
  type WakeSource,
} from '../../src/index'
import { makeSession, uniqueDbName } from '../support/sessions'
import { tabCleanups, tabs } from '../support/tab-stores'

const cleanups = tabCleanups
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))

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
    await stores[1]!.update(() => ({ accessToken: 'rotated', isMfaVerified: true }))
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
    expect(await stores[1]!.update(() => ({ tokenType: 'DPoP' }))).toBe(true)
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
    await stores[0]!.update(() => ({ accessToken: 'new_secret' }))
    await stores[0]!.end('user-logout')
    await vi.waitFor(() => expect(seen).toHaveLength(4))
    expect(JSON.stringify(seen)).not.toMatch(/secret|accessToken|refresh/)
    const epoch = (await get('session', createIdbStore(dbName, 'sessions')))?.epoch
    expect(epoch).toEqual(expect.any(String))
    expect(seen[0]).toEqual({ v: 1, type: 'changed', generation: 1, epoch, tabId: stores[0]!.tabId, reason: 'sign-in' })
    expect(seen[2]).toEqual({
      v: 1,
      type: 'ending',
      generation: 2,
      epoch,
      tabId: stores[0]!.tabId,
      revokeReason: 'user-logout',
      revokedAt: expect.any(String),
      loginGeneration: 1, // an unconditional logout names the login it ends
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
      { v: 1, type: 'changed', generation: 9, epoch: 42, tabId: 'x', reason: 'update' },
      { v: 1, type: 'ending', generation: 9, epoch: 'e'.repeat(65), tabId: 'x', revokeReason: 'user-logout', revokedAt: '2026-11-23T12:00:00Z' },
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
      ['bad-field', 9],
      ['bad-field', 10],
    ])
    expect(list[0]!.store.getState().status).toBe('unauthenticated')
  })

  it('a message about the record a tab holds (same generation and epoch) is not re-read; another epoch is', async () => {
    const dbName = uniqueDbName()
    const inner = createIdbPersistence({ dbName })
    let reads = 0
    const counted = { ...inner, read: () => ((reads += 1), inner.read()) }
    const store = createSessionStore({ dbName, persistence: counted })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await store.signIn(makeSession())
    const { epoch } = (await get('session', createIdbStore(dbName, 'sessions'))) as { epoch: string }
    const other = new BroadcastChannel(`authsession:${dbName}:session`)
    cleanups.push(() => other.close())
    reads = 0
    other.postMessage({ v: 1, type: 'changed', generation: 1, epoch, tabId: 'other', reason: 'update' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(reads).toBe(0)
    // Same number, other epoch: storage was wiped and written anew elsewhere.
    other.postMessage({ v: 1, type: 'changed', generation: 1, epoch: 'another', tabId: 'other', reason: 'sign-in' })
    await vi.waitFor(() => expect(reads).toBe(1))
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
