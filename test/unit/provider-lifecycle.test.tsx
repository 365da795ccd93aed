import { StrictMode, createElement as h, useEffect, useState } from 'react'
import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { SessionProvider, useSession, useSessionStore } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { makeSession } from '../support/sessions'
import { Status } from '../support/status-view'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

describe('a provider and the store it is given', () => {
  it('a provider mounting a store after destroy() does not restart it (no refresh, no window listeners)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60_000 })
    const store = createSessionStore({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source: server.source() })
    stores.push(store)
    await store.completeLogin('cb')
    store.destroy() // "Stops everything now and closes the tab channel."
    const added: string[] = []
    const spy = vi.spyOn(window, 'addEventListener').mockImplementation(((type: string) => void added.push(type)) as never)
    render(
      <SessionProvider store={store}>
        <Status />
      </SessionProvider>,
    )
    await act(() => clock.advance(120_000))
    spy.mockRestore()
    expect({ refreshes: server.refreshes, windowListeners: added, timers: clock.pending() }).toEqual({ refreshes: 0, windowListeners: [], timers: 0 })
  })

  it('StrictMode, the app owns the store and destroys it in its cleanup: the store is not left half-alive', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60_000 })
    let store!: SessionStore
    function Root() {
      const [own] = useState(() => createSessionStore({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source: server.source() }))
      store = own
      useEffect(() => () => own.destroy(), [own])
      return (
        <SessionProvider store={own}>
          <Status />
        </SessionProvider>
      )
    }
    render(
      <StrictMode>
        <Root />
      </StrictMode>,
    )
    stores.push(store)
    await screen.findByText('unauthenticated:nobody')
    await act(async () => { await store.completeLogin('cb'); await settle() })
    await act(() => clock.advance(120_000))
    // Destroyed (by StrictMode's simulated unmount) yet refreshing on its timer, with tab announcements and the
    // unsaved-answer safety nets switched off. Either it is stopped for good, or it is fully alive; here: stopped.
    expect(server.refreshes).toBe(0)
  })

  it('SessionProvider switched from store={a} to options uses a store built from those options', async () => {
    const a = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
    stores.push(a)
    const shared = new Map<string, unknown>([['session', { version: 1, generation: 1, ended: false, reason: 'sign-in', session: makeSession() }]])
    const App = ({ custom }: { custom?: SessionStore }) =>
      custom ? (
        <SessionProvider store={custom}>
          <Status />
        </SessionProvider>
      ) : (
        <SessionProvider options={{ persistence: createMemoryPersistence(shared), channel: null }}>
          <Status />
        </SessionProvider>
      )
    const { rerender } = render(<App custom={a} />)
    await screen.findByText('unauthenticated:nobody')
    rerender(<App />)
    await screen.findByText('authenticated:alice')
  })
  it('under StrictMode, SessionProvider switched from store={a} to options uses one store built from those options, started', async () => {
    const a = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
    stores.push(a)
    const shared = new Map<string, unknown>([['session', { version: 1, generation: 1, ended: false, reason: 'sign-in', session: makeSession() }]])
    let made = 0
    const seen = new Set<unknown>()
    const options = { persistence: createMemoryPersistence(shared), channel: null, get wake() { made += 1; return { subscribe: () => () => {} } } }
    // How often one store reads the option (checked, then used).
    createSessionStore(options).destroy()
    const perStore = made
    made = 0
    function Status() {
      const { status } = useSession()
      seen.add(useSessionStore())
      return h('p', null, status)
    }
    const App = ({ custom }: { custom?: SessionStore }) =>
      custom ? h(SessionProvider, { store: custom }, h(Status)) : h(SessionProvider, { options }, h(Status))
    const { rerender } = render(h(StrictMode, null, h(App, { custom: a })))
    await screen.findByText('unauthenticated')
    rerender(h(StrictMode, null, h(App)))
    await screen.findByText('authenticated')
    await act(() => settle())
    rerender(h(StrictMode, null, h(App)))
    await act(() => settle())
    expect(screen.getByText('authenticated')).toBeTruthy()
    expect(seen.size).toBe(2)
    expect(made).toBe(perStore)
  })
})
