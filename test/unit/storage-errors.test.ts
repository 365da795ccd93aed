import { afterEach, describe, expect, it, vi } from 'vitest'
import { set, createStore as createIdbStore } from 'idb-keyval'
import {
  createIdbPersistence,
  createMemoryPersistence,
  type SessionPersistence,
} from '../../src/index'
import { idbRaw, startedStore as started, stopStartedStores } from '../support/started-store'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(() => {
  stopStartedStores()
  vi.unstubAllGlobals()
})

describe('bad stored records', () => {
  it.each([
    ['not an object', 42, 42],
    ['a bare string (maybe a token stored by mistake)', 'eyJ.garbage', '[string, 11 chars]'],
    ['no generation', { version: 1, session: null, ended: false }, undefined],
    ['a session that does not parse', { version: 1, generation: 3, ended: false, session: { sessionId: 1 } }, undefined],
    [
      'credentials under names nobody predicted',
      { v: 9, tokens: ['rt_secret'], authorization: 'Bearer at_secret', key: { kty: 'EC', d: 'private_secret' } },
      { v: 9, tokens: ['[string, 9 chars]'], authorization: '[string, 16 chars]', key: { kty: '[string, 2 chars]', d: '[string, 14 chars]' } },
    ],
  ])('a corrupt record (%s) is quarantined, not deleted, and the store starts signed out', async (_, corrupt, kept) => {
    const dbName = uniqueDbName()
    await set('session', corrupt, createIdbStore(dbName, 'sessions'))
    const { store, events } = await started({ dbName })
    expect(store.getState().status).toBe('unauthenticated')
    expect(store.getState().error).toMatchObject({ code: 'storage-corrupt' })
    expect(events).toContainEqual({ type: 'error', error: expect.objectContaining({ code: 'storage-corrupt' }) })
    expect(await idbRaw(dbName, 'session:quarantine')).toEqual(kept ?? corrupt)
    expect(await idbRaw(dbName)).toMatchObject({ session: null, ended: false, reason: 'repair' })
    // and the store is usable afterwards
    await store.signIn(makeSession())
    expect(store.getState().status).toBe('authenticated')
  })

  it('a quarantined record keeps its shape, numbers, flags and kinds, and no string that could be a secret', async () => {
    const dbName = uniqueDbName()
    const { sessionId: _dropped, ...broken } = makeSession()
    const corrupt = { version: 1, generation: 2, ended: false, session: broken }
    await set('session', corrupt, createIdbStore(dbName, 'sessions'))
    const { store } = await started({ dbName })
    expect(store.getState().error).toMatchObject({ code: 'storage-corrupt' })
    const kept = (await idbRaw(dbName, 'session:quarantine')) as { session: Record<string, unknown> }
    expect(kept).toMatchObject({ version: 1, generation: 2, ended: false })
    expect(kept.session).toMatchObject({
      '@type': 'AuthenticationSession',
      status: 'active',
      expiresAt: broken.expiresAt,
      isMfaVerified: false,
      accessToken: `[string, ${broken.accessToken.length} chars]`,
      user: { username: '[string, 5 chars]' },
    })
    expect(Object.keys(kept.session).sort()).toEqual(Object.keys(broken).sort())
    expect(JSON.stringify(kept)).not.toContain('secret')
  })

  it('a record from a future schema version is left to the newer app: typed error, copy kept aside, never overwritten', async () => {
    const dbName = uniqueDbName()
    const future = { version: 9, generation: 4, ended: false, session: { shape: 'unknown', accessToken: 'v9_secret' } }
    await set('session', future, createIdbStore(dbName, 'sessions'))
    const { store, events } = await started({ dbName })
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-future-version' } })
    expect(events).toContainEqual({ type: 'error', error: expect.objectContaining({ code: 'storage-future-version' }) })
    // An old tab during a deploy cannot sign in over it either: the write is refused with the same typed error.
    await store.signIn(makeSession())
    expect(await idbRaw(dbName)).toEqual(future)
    // A copy for diagnosis, without its tokens.
    expect(await idbRaw(dbName, 'session:quarantine')).toEqual({ ...future, session: { shape: '[string, 7 chars]', accessToken: '[string, 9 chars]' } })
    expect(store.getState().error).toMatchObject({ code: 'storage-future-version' })
  })

  it('an old-version tab never signs out a tab of the newer version (mixed deploy)', async () => {
    const shared = new Map<string, unknown>()
    const oldTab = await started({ persistence: createMemoryPersistence(shared), version: 1 })
    const newTab = await started({ persistence: createMemoryPersistence(shared), version: 2, migrate: (session) => session })
    await oldTab.store.signIn(makeSession())
    await newTab.store.reconcile() // migrates the v1 record
    await newTab.store.update({ isMfaVerified: true }) // now stored as v2
    await oldTab.store.reconcile() // what a "changed" message or a focus does
    expect(oldTab.store.getState()).toMatchObject({ status: 'unauthenticated', session: null, error: { code: 'storage-future-version' } })
    await newTab.store.reconcile()
    expect(newTab.store.getState()).toMatchObject({ status: 'authenticated', session: { isMfaVerified: true } })
    expect(JSON.stringify(shared.get('session:quarantine'))).not.toContain('secret')
  })

  it('migrates a record written with an older version', async () => {
    const dbName = uniqueDbName()
    const { sessionId, ...rest } = makeSession()
    await set('session', { version: 1, generation: 2, ended: false, session: { ...rest, sid: sessionId } }, createIdbStore(dbName, 'sessions'))
    const migrate = vi.fn((old: unknown, from: number) => {
      expect(from).toBe(1)
      const { sid, ...others } = old as { sid: string }
      return { ...others, sessionId: sid }
    })
    const { store } = await started({ dbName, version: 2, migrate })
    expect(migrate).toHaveBeenCalledOnce()
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId } })
  })
})

describe('storage failures', () => {
  it('falls back to memory when indexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined)
    const { store, events } = await started({})
    expect(events).toContainEqual({ type: 'storage-unavailable', error: expect.objectContaining({ code: 'storage-unavailable' }) })
    await store.signIn(makeSession())
    expect(store.getState().status).toBe('authenticated')
  })

  it('falls back to memory when open throws', async () => {
    vi.stubGlobal('indexedDB', {
      open: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError')
      },
    })
    const { store, events } = await started({})
    expect(events.map((e) => e.type)).toContain('storage-unavailable')
    await store.signIn(makeSession())
    expect(store.getState().status).toBe('authenticated')
  })

  it('falls back to memory when open never answers', async () => {
    vi.stubGlobal('indexedDB', { open: () => ({}) })
    const { store, events } = await started({ openTimeoutMs: 50 })
    expect(events).toContainEqual({
      type: 'storage-unavailable',
      error: expect.objectContaining({ code: 'storage-unavailable', message: expect.stringContaining('50 ms') }),
    })
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('a quota error on write is typed, and the in-memory session is kept', async () => {
    const memory = createMemoryPersistence()
    const full: SessionPersistence = {
      ...memory,
      update: async () => {
        throw new DOMException('Quota exceeded', 'QuotaExceededError')
      },
    }
    const { store, events } = await started({ persistence: full })
    const session = makeSession()
    await store.signIn(session)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session, error: { code: 'storage-quota' } })
    expect(events).toContainEqual({ type: 'error', error: expect.objectContaining({ code: 'storage-quota' }) })
    await store.end('user-logout')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout', accessToken: '' } })
    // ...and the logout holds in memory too: no token is handed out any more.
    await expect(store.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
  })

  it('a value that cannot be stored is a typed parse error', async () => {
    const { store } = await started({ persistence: createMemoryPersistence() })
    await expect(store.signIn({ ...makeSession(), metadata: { callback: () => 1 } })).rejects.toMatchObject({
      name: 'SessionParseError',
      code: 'wrong-type',
    })
  })

  it('idb persistence reads what it wrote, atomically per key', async () => {
    const persistence = createIdbPersistence({ dbName: uniqueDbName(), key: 'k' })
    expect(await persistence.read()).toBeUndefined()
    const result = await persistence.update((current) => ({ next: { n: 1 }, result: current }))
    expect(result).toBeUndefined()
    expect(await persistence.read()).toEqual({ n: 1 })
    await persistence.update(() => ({ quarantine: 'bad', result: null }))
    expect(await persistence.readQuarantine()).toBe('bad')
    expect(await persistence.read()).toEqual({ n: 1 })
  })
})
