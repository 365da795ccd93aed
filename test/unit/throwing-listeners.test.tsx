import { act, render, screen } from '@testing-library/react'
import { StrictMode, version as reactVersion } from 'react'
import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore, type SessionStoreOptions } from '../../src/index'
import { SessionProvider, useSession } from '../../src/react'
import { settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'
import { catchUncaught } from '../support/catch-uncaught'

const stores: SessionStore[] = []
afterEach(() => {
  stores.splice(0).forEach((store) => store.destroy())
  destroyTabs()
})

const signedInStorage = () => new Map<string, unknown>([['session', { version: 1, generation: 1, ended: false, reason: 'sign-in', session: makeSession() }]])

function Status() {
  const { status, session } = useSession()
  return <p>{`${status}:${session?.user.username ?? 'nobody'}`}</p>
}

describe("an app's store.subscribe listener that throws", () => {
  it('does not keep React from showing the hydrated session', async () => {
    const store = createSessionStore({ persistence: createMemoryPersistence(signedInStorage()), channel: null })
    stores.push(store)
    const bug = new Error('app listener bug')
    let thrown = false
    store.subscribe(() => {
      if (thrown) return
      thrown = true
      throw bug
    })
    const errors = catchUncaught()
    render(<SessionProvider store={store}><Status /></SessionProvider>)
    await act(() => settle(5))
    errors.stop()
    expect(screen.getByRole('paragraph').textContent).toBe('authenticated:alice')
    expect(errors.caught).toEqual([bug])
  })

  it('does not make the write reject or the tree miss it, and the other tabs are told', async () => {
    const shared = signedInStorage()
    const channels = bus()
    const a = await startedTab({ persistence: createMemoryPersistence(shared), channel: channels() })
    const b = await startedTab({ persistence: createMemoryPersistence(shared), channel: channels() })
    // Subscribed before React's own listener; it assumes there is a session.
    a.store.subscribe((state) => void state.session!.user.username)
    render(<SessionProvider store={a.store}><Status /></SessionProvider>)
    await screen.findByText('authenticated:alice')
    const errors = catchUncaught()
    let outcome = 'resolved'
    await act(async () => {
      await a.store.clear().catch(() => (outcome = 'rejected'))
      await settle(10)
    })
    errors.stop()
    expect(outcome).toBe('resolved')
    expect(screen.getByRole('paragraph').textContent).toBe('unauthenticated:nobody')
    expect(errors.caught).toHaveLength(1)
    expect(shared.get('session')).toMatchObject({ session: null })
    expect(b.store.getState().status).toBe('unauthenticated')
  })
})

it('store.subscribe keeps zustand\'s set semantics: one listener subscribed twice is called once, one unsubscribe removes it', async () => {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  stores.push(store)
  let calls = 0
  const listener = () => void (calls += 1)
  const first = store.subscribe(listener)
  store.subscribe(listener)
  await store.whenHydrated()
  expect(calls).toBe(1)
  first()
  await store.signIn(makeSession())
  expect(calls).toBe(1)
})

it('a listener after one that changed the state meanwhile gets the newest state, as zustand gives it', async () => {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  stores.push(store)
  await store.whenHydrated()
  await store.signIn(makeSession())
  const at = Date.parse(store.getState().session!.lastActivityAt)
  let nudged = false
  store.subscribe(() => {
    if (nudged) return
    nudged = true
    store.recordActivity(at + 5_000)
  })
  const seen: string[] = []
  store.subscribe((state) => void seen.push(state.session!.lastActivityAt))
  store.recordActivity(at + 2_000)
  expect(seen.at(-1)).toBe(store.getState().session!.lastActivityAt)
})

it('SessionProvider makes and starts one store under StrictMode (React 18 may make a second, never started)', async () => {
  let reads = 0
  const memory = createMemoryPersistence()
  let storageReads = 0
  const options = new Proxy<SessionStoreOptions>(
    { persistence: { ...memory, read: () => ((storageReads += 1), memory.read()) }, channel: null },
    {
      get(target, property) {
        if (property === 'key') reads += 1 // read by each createSessionStore
        return target[property as keyof SessionStoreOptions]
      },
    },
  )
  // How often one store reads the option (checked, then used).
  createSessionStore(options).destroy()
  const perStore = reads
  reads = 0
  render(<StrictMode><SessionProvider options={options}><Status /></SessionProvider></StrictMode>)
  await screen.findByText('unauthenticated:nobody')
  await new Promise((resolve) => setTimeout(resolve, 20))
  // React 19 keeps the first render's ref through StrictMode's second render;
  // React 18 throws that render away with its ref, so its store is made twice.
  expect(reads).toBe(perStore * (reactVersion.startsWith('18.') ? 2 : 1))
  // Either way only one store starts: storage is read once.
  expect(storageReads).toBe(1)
})
