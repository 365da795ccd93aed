import { StrictMode, useRef } from 'react'
import { act, render, renderHook, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { SessionProvider, useSession } from '../../src/react'
import { makeSession } from '../support/sessions'
import { Status } from '../support/status-view'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

function memoryStore(shared = new Map<string, unknown>()) {
  const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
  stores.push(store)
  return store
}

describe('SessionProvider and useSession', () => {
  it('shows loading, then the hydrated session', async () => {
    const shared = new Map<string, unknown>([
      ['session', { version: 1, generation: 1, ended: false, reason: 'sign-in', session: makeSession() }],
    ])
    const store = memoryStore(shared)
    render(
      <SessionProvider store={store}>
        <Status />
      </SessionProvider>,
    )
    expect(screen.getByText('loading:nobody')).toBeTruthy()
    await screen.findByText('authenticated:alice')
  })

  it('exposes the actions, which re-render consumers', async () => {
    const store = memoryStore()
    const { result } = renderHook(() => useSession(), {
      wrapper: ({ children }) => <SessionProvider store={store}>{children}</SessionProvider>,
    })
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'))
    await act(() => result.current.signIn(makeSession()))
    expect(result.current.status).toBe('authenticated')
    await act(() => result.current.end('user-logout'))
    expect(result.current).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
  })

  it('with a selector, re-renders only when the selected slice changes', async () => {
    const store = memoryStore()
    let statusRenders = 0
    let mfaRenders = 0
    function StatusOnly() {
      const status = useSession((s) => s.status)
      statusRenders += 1
      return <span>{status}</span>
    }
    function MfaOnly() {
      const mfa = useSession(
        (s) => ({ verified: s.session?.isMfaVerified ?? false }),
        (a, b) => a.verified === b.verified,
      )
      mfaRenders += 1
      return <span>mfa:{String(mfa.verified)}</span>
    }
    render(
      <SessionProvider store={store}>
        <StatusOnly />
        <MfaOnly />
      </SessionProvider>,
    )
    await screen.findByText('unauthenticated')
    await act(() => store.signIn(makeSession()))
    const [statusAfterSignIn, mfaAfterSignIn] = [statusRenders, mfaRenders]
    await act(() => store.update(() => ({ tokenType: 'DPoP' })))
    await act(() => store.update(() => ({ accessToken: 'rotated' })))
    expect(statusRenders).toBe(statusAfterSignIn)
    expect(mfaRenders).toBe(mfaAfterSignIn)
    await act(() => store.update({ isMfaVerified: true }))
    expect(mfaRenders).toBe(mfaAfterSignIn + 1)
    expect(statusRenders).toBe(statusAfterSignIn)
    screen.getByText('mfa:true')
  })

  it('throws a clear typed error outside the provider', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect(() => renderHook(() => useSession())).toThrow(
      expect.objectContaining({ code: 'missing-provider', message: expect.stringContaining('<SessionProvider>') }),
    )
    spy.mockRestore()
  })

  it('creates its own store once from options and hydrates once under StrictMode', async () => {
    const shared = new Map<string, unknown>()
    const memory = createMemoryPersistence(shared)
    const reads = vi.fn(memory.read)
    const created: unknown[] = []
    function Probe() {
      const store = useRef(useSession((s) => s.signIn)).current
      created.push(store)
      return <Status />
    }
    render(
      <StrictMode>
        <SessionProvider options={{ persistence: { ...memory, read: reads }, channel: null }}>
          <Probe />
        </SessionProvider>
      </StrictMode>,
    )
    await screen.findByText('unauthenticated:nobody')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(reads).toHaveBeenCalledTimes(1)
    expect(new Set(created).size).toBe(1)
  })
})
