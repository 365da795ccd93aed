import { afterEach, describe, expect, it } from 'vitest'
import { createSessionStore, type SessionStore } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'
import { uniqueDbName } from '../support/sessions'

const cleanups = browserCleanups
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()))

describe('getAccessToken', () => {
  it('returns the current token while it is valid', async () => {
    const b = await browser(1)
    await b.signIn()
    expect(await b.stores[0]!.getAccessToken()).toBe(b.stores[0]!.getState().session!.accessToken)
    expect(b.server.refreshes).toBe(0)
  })

  it('many callers in many tabs with an expired token share one refresh', async () => {
    const b = await browser(3)
    await b.signIn()
    b.clock.sleep(11 * MINUTE)
    const results = await Promise.all(b.stores.flatMap((store) => [1, 2, 3, 4].map(() => store.getAccessToken())))
    expect(b.server.refreshes).toBe(1)
    expect(new Set(results).size).toBe(1)
  })

  it('rejects with not-authenticated when signed out', async () => {
    const b = await browser(1)
    await expect(b.stores[0]!.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
  })
})

describe('source actions', () => {
  it('logout ends the session in every tab first, then signs out at the provider', async () => {
    const b = await browser(2)
    await b.signIn()
    const calls: string[] = []
    const store = createSessionStore({
      dbName: uniqueDbName(),
      channel: null,
      source: {
        name: 'spy',
        refresh: async () => {
          throw new Error('unused')
        },
        completeSignIn: async () => ({ session: b.server.signInSession() }),
        signOut: async (session) => {
          calls.push(`${store.getState().status}:${session.sessionId}`)
        },
      },
    })
    cleanups.push(store.start(), () => store.destroy())
    const { session } = await store.completeLogin('x')
    await store.logout()
    expect(calls).toEqual([`unauthenticated:${session.sessionId}`])
  })

  it('logout called before hydration finishes still signs out at the provider', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const dbName = uniqueDbName()
    const first = createSessionStore({ dbName, channel: null, source: server.source() })
    cleanups.push(() => first.destroy())
    await first.completeLogin('cb')
    const signedOut: string[] = []
    const store = createSessionStore({
      dbName,
      channel: null,
      source: { ...server.source(), signOut: async (session) => void signedOut.push(session.sessionId) },
    })
    cleanups.push(store.start(), () => store.destroy())
    await store.logout() // no await of hydration by the caller
    expect(signedOut).toEqual([first.getState().session!.sessionId])
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('a store without a source says so with a typed error', async () => {
    const store = createSessionStore({ dbName: uniqueDbName(), channel: null })
    cleanups.push(() => store.destroy())
    await expect(store.login()).rejects.toMatchObject({ code: 'no-source' })
    await expect(store.refresh()).rejects.toMatchObject({ code: 'no-source' })
  })

  it('completeLogin refuses a malformed session from the provider and stores nothing', async () => {
    const store = createSessionStore({
      dbName: uniqueDbName(),
      channel: null,
      source: { name: 'bad', refresh: async () => ({}) as never, completeSignIn: async () => ({ session: { accessToken: 1 } as never }) },
    })
    cleanups.push(store.start(), () => store.destroy())
    await store.whenHydrated()
    await expect(store.completeLogin('x')).rejects.toMatchObject({ code: 'sign-in-failed', cause: { name: 'SessionParseError', path: 'user' } })
    expect(store.getState().status).toBe('unauthenticated')
  })
})
