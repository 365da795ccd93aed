import { afterEach, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { failable, failingReads, noWake } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'
import { startedStore as started, stopStartedStores, trackStore } from '../support/started-store'

afterEach(() => {
  stopStartedStores()
  vi.unstubAllGlobals()
})

const v1Record = () => ({ version: 1, generation: 3, ended: false, reason: 'sign-in', session: makeSession(), epoch: 'e1' })
const brokenMigrate = () => {
  throw new Error('migration bug')
}

it('on a tab whose migrate failed, a sign-in kept in memory (write failed) stays through re-reads and lands on retry', async () => {
  const shared = new Map<string, unknown>([['session', v1Record()]])
  const { persistence, disk } = failable(createMemoryPersistence(shared))
  const clock = new FakeClock()
  const { store } = await started({ persistence, version: 2, migrate: brokenMigrate, clock })
  expect(store.getState().error?.code).toBe('storage-migrate-failed')
  const fresh = makeSession()
  disk.full = true
  await store.signIn(fresh)
  disk.full = false
  await store.reconcile() // a focus, or an old tab's message: the record migrate fails on is read again
  expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: fresh.sessionId } })
  await clock.advance(5_000) // the retry of the change held in memory
  expect(shared.get('session')).toMatchObject({ version: 2, session: { sessionId: fresh.sessionId } })
  expect(store.getState().error).toBeNull()
})

it('storage-read-failed goes once a later read succeeds, also when it finds no record', async () => {
  const { store } = await started({ persistence: failingReads(createMemoryPersistence()) })
  expect(store.getState().error?.code).toBe('storage-read-failed')
  await store.reconcile()
  expect(store.getState()).toMatchObject({ status: 'unauthenticated', error: null })
})

it('an app listener that throws while the stored session is adopted: the refresh timer is still armed and refreshes', async () => {
  vi.stubGlobal('queueMicrotask', (callback: () => void) => {
    try {
      callback()
    } catch {
      // the app's error, rethrown as uncaught by the store
    }
  })
  const clock = new FakeClock()
  const server = new FakeTokenServer(clock)
  const shared = new Map<string, unknown>()
  const options = () => ({ persistence: createMemoryPersistence(shared), channel: null, wake: noWake, clock, source: server.source(), locks: createMemoryLocks() })
  const earlier = trackStore(createSessionStore(options()))
  await earlier.signIn(server.signInSession())
  earlier.destroy()
  const store = trackStore(createSessionStore(options()))
  let calls = 0
  store.subscribe(() => {
    calls += 1
    if (calls === 1) throw new Error('app listener bug')
  })
  store.start()
  await store.whenHydrated()
  expect(store.getState().status).toBe('authenticated')
  expect(store.nextRefreshAt()).not.toBeNull()
  await clock.advance(10 * 60_000)
  expect(server.refreshes).toBe(1)
})
