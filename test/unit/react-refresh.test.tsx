import { StrictMode, useEffect, useState } from 'react'
import { act, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import { createMemoryLocks, createSessionStore, type RevokeReason, type SessionStore } from '../../src/index'
import { SessionProvider, useAccessToken, useSession, type SessionView } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { uniqueDbName } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

function ApiCaller() {
  const getAccessToken = useAccessToken()
  const [token, setToken] = useState('')
  useEffect(() => {
    // Runs at mount only (getAccessToken is one function for the store's life): a
    // consumer that mounts with the providers; the refreshes counted are the scheduler's.
    getAccessToken().then(setToken, () => {})
  }, [getAccessToken])
  return <p>token:{token}</p>
}

describe('React with a refreshing source', () => {
  it('under StrictMode, with several providers on one store, makes exactly one refresh per window', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock, { accessTokenTtlMs: 60_000 })
    const store = createSessionStore({ dbName: uniqueDbName(), clock, locks: createMemoryLocks(), channel: null, source: server.source() })
    stores.push(store)
    render(
      <StrictMode>
        <SessionProvider store={store}>
          <ApiCaller />
        </SessionProvider>
        <SessionProvider store={store}>
          <ApiCaller />
        </SessionProvider>
      </StrictMode>,
    )
    await act(async () => {
      await store.whenHydrated()
      await store.completeLogin('cb')
      await settle()
    })
    for (let window = 1; window <= 3; window += 1) {
      await act(() => clock.advance(60_000))
    }
    expect(server.refreshes).toBe(3)
    expect(server.invalidGrants).toBe(0)
    expect(store.getState().status).toBe('authenticated')
  })

  it('useAccessToken resolves to a token valid now', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const store = createSessionStore({ dbName: uniqueDbName(), clock, channel: null, source: server.source() })
    stores.push(store)
    await store.completeLogin('cb')
    render(
      <SessionProvider store={store}>
        <ApiCaller />
      </SessionProvider>,
    )
    await screen.findByText(`token:${store.getState().session!.accessToken}`)
  })

  it('has precise public types', () => {
    expectTypeOf(useAccessToken).returns.toEqualTypeOf<() => Promise<string>>()
    expectTypeOf(() => useSession()).returns.toEqualTypeOf<SessionView>()
    expectTypeOf<SessionView['status']>().toEqualTypeOf<'loading' | 'authenticated' | 'unauthenticated'>()
    expectTypeOf(() => useSession((s) => s.session?.isMfaVerified)).returns.toEqualTypeOf<boolean | undefined>()
    expectTypeOf<SessionView['end']>().parameter(0).toEqualTypeOf<RevokeReason>()
  })
})
