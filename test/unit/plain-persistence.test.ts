import { afterEach, describe, expect, it } from 'vitest'
import { createSessionStore, type SessionPersistence, type SessionStore } from '../../src/index'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

/**
 * An app's own persistence in plain JavaScript over a synchronous store (a
 * Map here; localStorage, a webview's key-value store): read and update
 * answer values, not Promises, and update may throw at once (a full disk).
 */
function synchronousPersistence(shared: Map<string, unknown>, failWrites = false): SessionPersistence {
  return {
    kind: 'sync',
    read: () => shared.get('session'),
    readQuarantine: () => shared.get('session:quarantine'),
    update: (decide: (current: unknown) => { next?: unknown; quarantine?: unknown; result: unknown }) => {
      if (failWrites) throw new DOMException('full', 'QuotaExceededError')
      const decision = decide(shared.get('session'))
      if (decision.quarantine !== undefined) shared.set('session:quarantine', decision.quarantine)
      if ('next' in decision) shared.set('session', decision.next)
      return decision.result
    },
  } as unknown as SessionPersistence
}

describe("an app's synchronous persistence, with a newer app version's record stored (a deploy with this tab open)", () => {
  it.each([false, true])('hydration settles with storage-future-version, and the store keeps working (writes fail: %s)', async (failWrites) => {
    // Before: the quarantine copy's write (update(...).catch) threw a
    // TypeError, or the write's own error, out of hydration: whenHydrated(),
    // and every method waiting on it, rejected with that untyped error for the page's life.
    const shared = new Map<string, unknown>([['session', { version: 2, generation: 4, ended: false, reason: 'sign-in', session: makeSession() }]])
    const problems: unknown[] = []
    const onProblem = (error: unknown) => problems.push(error)
    process.on('unhandledRejection', onProblem)
    try {
      const store = createSessionStore({ persistence: synchronousPersistence(shared, failWrites), channel: null })
      stores.push(store)
      store.start()
      await store.whenHydrated()
      expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: { code: 'storage-future-version' } })
      await expect(store.clear()).resolves.toBeUndefined()
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      process.off('unhandledRejection', onProblem)
    }
    expect(problems).toEqual([])
  })
})
