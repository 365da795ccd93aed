import { afterEach, describe, expect, it } from 'vitest'
import {
  AuthSessionError,
  createMemoryLocks,
  createMemoryPersistence,
  createSessionStore,
  type RevokeReason,
  type SessionEvent,
  type SessionSource,
  type SessionStore,
} from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession, uniqueDbName } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  destroyTabs()
})

async function signedIn(options: Parameters<typeof createSessionStore>[0] = { persistence: createMemoryPersistence() }) {
  const store = createSessionStore({ channel: null, ...options })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession())
  return store
}

/** What a call threw or rejected with: its code, 'untyped' without one, or 'none'. */
async function failure(call: () => unknown): Promise<string> {
  try {
    await call()
    return 'none'
  } catch (error) {
    return (error as { code?: string }).code ?? 'untyped'
  }
}

describe('arguments an app may get wrong (from JavaScript, or read at runtime)', () => {
  it('end() with a reason outside the schema is refused with a typed error, and nothing is written', async () => {
    const dbName = uniqueDbName()
    const a = await signedIn({ dbName })
    const b = createSessionStore({ dbName, channel: null })
    stores.push(b)
    b.start()
    await b.whenHydrated()
    expect(await failure(() => a.end('logout' as RevokeReason))).toBe('not-in-union')
    await b.reconcile()
    // Stored, that reason would read back as a corrupt record in every tab.
    expect(b.getState()).toMatchObject({ status: 'authenticated', error: null })
    expect(a.getState().status).toBe('authenticated')
  })

  // Past 9999 a date has no 4-digit ISO-8601 form: stored, it would read back as corrupt in every tab.
  it.each([Number.NaN, Number.POSITIVE_INFINITY, 1e20, Date.UTC(10000, 0, 1), -62_167_219_200_001])('recordActivity(%s) throws invalid-argument, and the session is unchanged', async (at) => {
    const store = await signedIn()
    const before = store.getState().session
    expect(await failure(() => store.recordActivity(at))).toBe('invalid-argument')
    expect(store.getState().session).toBe(before)
  })

  // lastActivityAt only moves forward: a time in the future (another device's clock, seconds taken for
  // milliseconds) would hold idle time at 0 in every tab until then, and keep an idle timeout from firing.
  it('recordActivity(a time in the future) records now, in this tab and in storage', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, channel: null })
    await store.signIn(makeSession({ lastActivityAt: new Date(clock.now()).toISOString() }, clock.now()))
    clock.sleep(5000)
    store.recordActivity(clock.now() + 3_600_000)
    await settle()
    const now = new Date(clock.now()).toISOString()
    expect(store.getState().session!.lastActivityAt).toBe(now)
    expect((shared.get('session') as { session: { lastActivityAt: string } }).session.lastActivityAt).toBe(now)
    clock.sleep(120_000)
    expect(store.derived()!.idleMinutes).toBeCloseTo(2, 5)
  })

  it.each([
    ['empty', ''],
    ['129 characters long', 'x'.repeat(129)],
  ])('a tabId that is %s is refused at creation (other tabs would drop its messages)', (_, tabId) => {
    expect(() => createSessionStore({ tabId, channel: null })).toThrow(AuthSessionError)
    expect(() => createSessionStore({ tabId, channel: null })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })

  it("an app's own longer tabId (prefix + two UUIDs) still lets the other tabs follow its sign-in and logout", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const tabId = `my-accounting-app:${crypto.randomUUID()}:${crypto.randomUUID()}`
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, tabId })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const rejected: SessionEvent[] = []
    b.on((event) => void (event.type === 'message-rejected' && rejected.push(event)))
    await a.signIn(makeSession({}, clock.now()))
    await settle()
    expect(b.getState().status).toBe('authenticated')
    await a.end('user-logout')
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    expect(rejected).toEqual([])
  })
})

describe('values a source may get wrong', () => {
  it('a clock skew that is not a number (a Date header CORS hid) is ignored: logout still works', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    const source: SessionSource = {
      ...inner,
      completeSignIn: async (url) => ({ ...(await inner.completeSignIn!(url)), clockSkewMs: Date.parse(null as unknown as string) - clock.now() }),
    }
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), locks: createMemoryLocks(), clock, source })
    await store.completeLogin('https://app.example/cb?code=1')
    expect(store.getState().status).toBe('authenticated')
    await expect(store.logout({ redirect: false })).resolves.toBeUndefined()
    expect(store.getState().status).toBe('unauthenticated')
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokedAt: new Date(clock.now()).toISOString() } })
  })
})

describe('update() with a patch it cannot apply', () => {
  it.each([undefined, null, 'isMfaVerified', 42])('%s is refused with invalid-argument, nothing written', async (patch) => {
    const shared = new Map<string, unknown>()
    const store = await signedIn({ persistence: createMemoryPersistence(shared) })
    await expect(store.update(patch as never)).rejects.toMatchObject({ name: 'AuthSessionError', code: 'invalid-argument' })
    expect(shared.get('session')).toMatchObject({ generation: 1 })
  })

  it.each([
    ['an object', () => ({ status: 'revoked' as const, revokeReason: 'user-logout' as const })],
    ['a function', () => () => ({ status: 'revoked' as const })],
  ])('%s patch cannot end the session behind end()\'s back (tokens would stay stored)', async (_, patch) => {
    const shared = new Map<string, unknown>()
    const store = await signedIn({ persistence: createMemoryPersistence(shared) })
    await expect(store.update(patch())).rejects.toMatchObject({ code: 'invalid-argument' })
    expect(shared.get('session')).toMatchObject({ generation: 1, session: { status: 'active' } })
    expect(store.getState().status).toBe('authenticated')
  })
})
