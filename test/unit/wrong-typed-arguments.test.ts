import { cleanup, render } from '@testing-library/react'
import { Component, createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AuthSessionError,
  createDefaultPersistence,
  createIdbPersistence,
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  deriveSessionFields,
  durationMinutes,
  idleMinutes,
  isExpired,
  type SessionSource,
  type SessionStore,
} from '../../src/index'
import { SessionProvider } from '../../src/react'
import { makeSession } from '../support/sessions'

// A sweep of the public API with arguments of the wrong type (from JavaScript, or values read at runtime):
// each is refused with a typed invalid-argument, never a bare TypeError or a silent misreading, and a
// refused call changes nothing, shown or stored.

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

/** What a call threw or rejected with: its code, 'untyped' for an error without one, or 'none'. */
async function failure(call: () => unknown): Promise<string> {
  try {
    await call()
    return 'none'
  } catch (error) {
    return error instanceof AuthSessionError ? error.code : `untyped ${String(error)}`
  }
}

async function signedIn() {
  const shared = new Map<string, unknown>()
  const journal = new Map<string, string>()
  const calls: string[] = []
  const source: SessionSource = {
    name: 'counting',
    refresh: async (session) => (calls.push('refresh'), { session }),
    signOut: async () => void calls.push('signOut'),
  }
  const store = createSessionStore({
    persistence: createMemoryPersistence(shared),
    channel: null,
    locks: createMemoryLocks(),
    source,
    logoutJournal: { getItem: (k) => journal.get(k) ?? null, setItem: (k, v) => void journal.set(k, v), removeItem: (k) => void journal.delete(k) },
  })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession())
  calls.length = 0
  const snapshot = () => ({ state: store.getState(), stored: structuredClone(shared.get('session')), journal: [...journal], calls: [...calls] })
  return { store, snapshot }
}

const wrong = [null, 42, 'idle-timeout', true, [], () => true]

describe('store actions', () => {
  it.each([
    ...wrong.map((options) => [options]),
    [{ expectedGeneration: '1' }],
    [{ expectedGeneration: null }],
    [{ expectedGeneration: 1.5 }],
    [{ expectedGeneration: Number.NaN }],
    [{ onlyIf: 'yes' }],
    [{ onlyIf: null }],
    [{ onlyIf: true }],
  ] as unknown[][])('end(reason, %j) rejects with invalid-argument, and nothing is ended, announced or noted', async (options) => {
    const { store, snapshot } = await signedIn()
    const before = snapshot()
    expect(await failure(() => store.end('user-logout', options as never))).toBe('invalid-argument')
    expect(snapshot()).toEqual(before)
    expect(store.getState()).toBe(before.state)
  })

  it.each([[null], ['force'], [42], [[]], [{ force: 'yes' }], [{ force: 1 }]])('refresh(%j) rejects with invalid-argument, and the source is not asked', async (options) => {
    const { store, snapshot } = await signedIn()
    const before = snapshot()
    expect(await failure(() => store.refresh(options as never))).toBe('invalid-argument')
    expect(snapshot()).toEqual(before)
  })

  // The OIDC source redirects unless redirect is exactly false: `redirect: 'false'` (an env variable) would leave the page.
  it.each([[{ redirect: 'false' }], [{ redirect: 0 }], [{ redirect: null }]])('logout(%j) rejects with invalid-argument, and nothing is ended', async (options) => {
    const { store, snapshot } = await signedIn()
    const before = snapshot()
    expect(await failure(() => store.logout(options as never))).toBe('invalid-argument')
    expect(snapshot()).toEqual(before)
  })

  // Already refused before this sweep; here for the other half of the rule: a refused call changes nothing.
  it.each([
    ['signIn(null)', (store: SessionStore) => store.signIn(null as never)],
    ['signIn(a revoked session)', (store: SessionStore) => store.signIn(makeSession({ status: 'revoked' }))],
    ['update(42)', (store: SessionStore) => store.update(42 as never)],
    ['update(a status change)', (store: SessionStore) => store.update({ status: 'expired' })],
    ['recordActivity(a Date)', (store: SessionStore) => store.recordActivity(new Date() as never)],
    ['end(a reason outside the schema)', (store: SessionStore) => store.end('logout' as never)],
    ['logout(a reason given as a string)', (store: SessionStore) => store.logout('idle-timeout' as never)],
    ['login({ returnTo: 42 })', (store: SessionStore) => store.login({ returnTo: 42 } as never)],
    ['completeLogin(a URL object)', (store: SessionStore) => store.completeLogin(new URL('https://app.example/cb') as never)],
  ])('%s is refused with a typed error, and nothing is shown, stored, noted or asked differently', async (_, call) => {
    const { store, snapshot } = await signedIn()
    const before = snapshot()
    expect(await failure(() => call(store))).not.toMatch(/^(none|untyped)/)
    expect(snapshot()).toEqual(before)
  })

  // Accepted, a listener that is not a function failed later, on every change, as an uncaught TypeError far from its cause.
  it.each([[null], [undefined], [42], [{ handleEvent() {} }]])('on(%j) and subscribe(%j) throw invalid-argument', async (listener) => {
    const { store } = await signedIn()
    expect(await failure(() => store.on(listener as never))).toBe('invalid-argument')
    expect(await failure(() => store.subscribe(listener as never))).toBe('invalid-argument')
  })
})

describe('createSessionStore options', () => {
  it.each([
    [null],
    [42],
    ['my-app'],
    [[]],
    [{ key: 42 }],
    [{ dbName: {} }],
    [{ openTimeoutMs: '3000' }],
    [{ openTimeoutMs: -1 }],
    [{ activityWriteIntervalMs: '60s' }],
    [{ activityWriteIntervalMs: Number.NaN }],
    [{ refresh: 60_000 }],
    [{ refresh: { leadMs: '60000' } }],
    [{ refresh: { leadFraction: 5 } }],
    [{ refresh: { timeoutMs: Number.NaN } }],
    [{ refresh: { retryBaseMs: -5 } }],
    [{ source: 42 }],
    [{ source: {} }],
    [{ source: { refresh: async () => ({}), signOut: 'yes' } }],
    [{ persistence: 42 }],
    [{ persistence: {} }],
    [{ clock: 42 }],
    [{ clock: { now: Date.now } }],
    [{ locks: 42 }],
    [{ locks: {} }],
    [{ wake: 42 }],
    [{ wake: {} }],
    [{ channel: 42 }],
    [{ channel: {} }],
    [{ logoutJournal: 42 }],
    [{ logoutJournal: {} }],
    [{ isOnline: true }],
  ])('%j throws invalid-argument at creation', async (options) => {
    expect(await failure(() => createSessionStore(options as never))).toBe('invalid-argument')
  })

  it('defaults given as undefined or null (where null means default or off) are still taken', () => {
    for (const options of [undefined, {}, { refresh: {} }, { channel: null, logoutJournal: null, persistence: undefined, clock: undefined, refresh: undefined }]) {
      const store = createSessionStore(options)
      stores.push(store)
      expect(store.getState().status).toBe('loading')
    }
  })
})

describe('persistence factories', () => {
  it.each([[null], [42], ['authsession'], [{ dbName: 42 }], [{ key: {} }], [{ storeName: 1 }], [{ openTimeoutMs: '3000' }]])('createIdbPersistence(%j) and createDefaultPersistence(%j) throw invalid-argument', async (options) => {
    expect(await failure(() => createIdbPersistence(options as never))).toBe('invalid-argument')
    expect(await failure(() => createDefaultPersistence(options as never))).toBe('invalid-argument')
  })

  it.each([[[null]], [[42]], [[{}]], [[new Map(), 42]], [[new Map(), null]]])('createMemoryPersistence(...%j) throws invalid-argument', async (args) => {
    expect(await failure(() => createMemoryPersistence(...(args as [never, never])))).toBe('invalid-argument')
  })
})

describe('the calculated fields outside a store', () => {
  const session = makeSession()
  it.each([[null], [undefined], [42], ['session'], [{}], [{ ...session, expiresAt: 'soon' }]])('with a session %j, each throws invalid-argument', async (bad) => {
    expect(await failure(() => deriveSessionFields(bad as never, Date.now()))).toBe('invalid-argument')
    expect(await failure(() => isExpired(bad as never, Date.now()))).toBe('invalid-argument')
    expect(await failure(() => durationMinutes(bad as never, Date.now()))).toBe('invalid-argument')
    if (!(bad && typeof bad === 'object' && 'lastActivityAt' in bad)) expect(await failure(() => idleMinutes(bad as never, Date.now()))).toBe('invalid-argument')
  })

  it.each([['now'], [new Date()], [Number.NaN]])('with a now of %j, each throws invalid-argument', async (now) => {
    for (const fn of [deriveSessionFields, isExpired, durationMinutes, idleMinutes]) {
      expect(await failure(() => fn(session, now as never))).toBe('invalid-argument')
    }
  })

  it('deriveSessionFields with a clock skew that is not a number throws invalid-argument (it joined as a string: never expired)', async () => {
    const expired = makeSession({ expiresAt: new Date(Date.now() - 1000).toISOString() })
    expect(await failure(() => deriveSessionFields(expired, Date.now(), '0' as never))).toBe('invalid-argument')
  })
})

describe('SessionProvider props', () => {
  afterEach(cleanup)

  it.each([
    ['options that are not an object', { options: 'my-app' }],
    ['options of the wrong type', { options: { clock: Date } }],
    ["a store of another library's kind", { store: { getState: () => ({}), subscribe: () => () => {} } }],
    ['the store factory, not called', { store: createSessionStore }],
  ])('%s throw invalid-argument as it renders', (_, props) => {
    const thrown: unknown[] = []
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      render(createElement(Catch, { thrown }, createElement(SessionProvider, props as never) as ReactNode))
    } finally {
      quiet.mockRestore()
    }
    expect(thrown).toEqual([expect.objectContaining({ code: 'invalid-argument' })])
  })
})

class Catch extends Component<{ thrown: unknown[]; children?: ReactNode }, { failed: boolean }> {
  override state = { failed: false }
  static getDerivedStateFromError = () => ({ failed: true })
  override componentDidCatch(error: unknown) {
    this.props.thrown.push(error)
  }
  override render() {
    return this.state.failed ? null : this.props.children
  }
}
