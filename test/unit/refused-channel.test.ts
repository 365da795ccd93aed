import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore, type TabChannel } from '../../src/index'
import { makeSession } from '../support/sessions'
import { catchUncaught } from '../support/catch-uncaught'

const stores: SessionStore[] = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
})

/** Unhandled rejections and uncaught errors while `act` runs (and a little after). */
async function problemsDuring(act: () => Promise<void>): Promise<unknown[]> {
  const problems: unknown[] = []
  const onProblem = (error: unknown) => problems.push(error)
  process.on('unhandledRejection', onProblem)
  try {
    await act()
    await new Promise((resolve) => setTimeout(resolve, 50))
  } finally {
    process.off('unhandledRejection', onProblem)
  }
  return problems
}

/** A tab message is a hint (tabs converge on wake-ups without one): a channel that cannot be used must not stop the store's own work. */
describe('a tab channel that cannot be made or used', () => {
  it("BroadcastChannel's constructor throws (Firefox with cookies blocked): start() works, and sign-in and logout land", async () => {
    // Before: start() threw the SecurityError, signIn() rejected with it after
    // its write landed, and end() rejected before writing the tombstone: signed in still.
    vi.stubGlobal(
      'BroadcastChannel',
      class {
        constructor() {
          throw new DOMException('The operation is insecure.', 'SecurityError')
        }
      },
    )
    const shared = new Map<string, unknown>()
    const store = createSessionStore({ persistence: createMemoryPersistence(shared) })
    stores.push(store)
    const problems = await problemsDuring(async () => {
      expect(() => store.start()).not.toThrow()
      await store.whenHydrated()
      await store.signIn(makeSession())
      expect(store.getState().status).toBe('authenticated')
      await store.end('user-logout')
    })
    expect(problems).toEqual([])
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    expect(shared.get('session')).toMatchObject({ ended: true })
  })

  it("a custom channel whose post throws (a closed port): writes land and resolve, a logout is stored, nothing rejects unhandled", async () => {
    const posted: unknown[] = []
    const channel: TabChannel = {
      post: (message) => {
        posted.push(message)
        throw new Error('port closed')
      },
      subscribe: () => () => {},
      close: () => {},
    }
    const shared = new Map<string, unknown>()
    const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel, activityWriteIntervalMs: 0 })
    stores.push(store)
    // The channel's error, rethrown in a microtask as uncaught: kept out of the test run's own report.
    const { caught: uncaught } = catchUncaught()
    const problems = await problemsDuring(async () => {
      store.start()
      await store.whenHydrated()
      await store.signIn(makeSession({ lastActivityAt: new Date(Date.now() - 60_000).toISOString() }))
      expect(await store.update({ metadata: { theme: 'dark' } })).toBe(true)
      store.recordActivity() // written at once (interval 0), in the background
      await new Promise((resolve) => setTimeout(resolve, 20))
      await store.end('user-logout')
    })
    expect(problems).toEqual([])
    expect(posted.length).toBeGreaterThan(0)
    expect(shared.get('session')).toMatchObject({ ended: true, session: { revokeReason: 'user-logout', metadata: { theme: 'dark' } } })
    expect(store.getState().status).toBe('unauthenticated')
    // The channel's own error is not hidden: it surfaces as uncaught, on its own (as a throwing listener's does).
    expect(uncaught.length).toBeGreaterThan(0)
    expect(uncaught.every((error) => (error as Error).message === 'port closed')).toBe(true)
  })
})
