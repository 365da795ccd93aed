import { cleanup, renderHook } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthSessionError, createMemoryPersistence, createSessionStore } from '../../src/index'
import { createOidcSource, mapTokenResponse } from '../../src/oidc'
import { SessionProvider, useSession } from '../../src/react'

// The sweep of wrong-typed-arguments.test.ts, for authsession/oidc and the React hooks: a typed
// invalid-argument where a bare TypeError came, or a value was silently misread.

afterEach(cleanup)

const code = (call: () => unknown) => {
  try {
    call()
    return 'none'
  } catch (error) {
    return error instanceof AuthSessionError ? error.code : `untyped ${String(error)}`
  }
}

const settings = { authority: 'https://id.example', client_id: 'spa', redirect_uri: 'https://app.example/cb' }

describe('createOidcSource', () => {
  it.each([[null], [undefined], ['https://id.example']])('settings %j throw invalid-argument', (bad) => {
    expect(code(() => createOidcSource(bad as never))).toBe('invalid-argument')
  })

  // 'ten' set every request's timeout to NaN: oidc-client-ts then aborted each one at once.
  it.each([[null], [42], [{ requestTimeoutSeconds: 'ten' }], [{ defaultLifetimeSeconds: -1 }], [{ navigate: '/signed-out' }], [{ deviceInfo: { userAgent: 'x' } }], [{ providerName: 7 }], [{ now: 0 }]])(
    'options %j throw invalid-argument',
    (bad) => {
      expect(code(() => createOidcSource(settings, bad as never))).toBe('invalid-argument')
    },
  )
})

describe('mapTokenResponse (for custom adapters)', () => {
  const context = { now: Date.now(), deviceInfo: () => ({ userAgent: 'test' }), providerName: 'idp' }
  const response = { access_token: 'at', expires_at: Math.floor(Date.now() / 1000) + 300, profile: { sub: 'u1' } }
  it.each([[null], [undefined], ['at']])('a response %j throws invalid-argument', (bad) => {
    expect(code(() => mapTokenResponse(bad as never, context))).toBe('invalid-argument')
  })

  it.each([[null], [undefined], [{ ...context, now: 'now' }], [{ ...context, now: undefined }], [{ ...context, deviceInfo: undefined }], [{ ...context, sentAt: new Date() }], [{ ...context, knownSkewMs: '0' }]])(
    'a context %j throws invalid-argument',
    (bad) => {
      expect(code(() => mapTokenResponse(response as never, bad as never))).toBe('invalid-argument')
    },
  )

  it('the valid call still maps', () => {
    expect(mapTokenResponse(response as never, context).session).toMatchObject({ accessToken: 'at', user: { id: 'u1' } })
  })
})

describe('useSession', () => {
  const wrapper = ({ children }: { children?: ReactNode }) => {
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
    return <SessionProvider store={store}>{children}</SessionProvider>
  }
  // Before: the selector was called in render ("selector is not a function"), and equalityFn on the next change.
  it.each([
    ['a selector given as a key', ['status']],
    ['a null selector', [null]],
    ['an equality function that is not one', [(view: { status: string }) => view.status, 'shallow']],
  ])('%s throws invalid-argument', (_, args) => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(() => renderHook(() => (useSession as (...a: unknown[]) => unknown)(...args), { wrapper })).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
    } finally {
      quiet.mockRestore()
    }
  })
})
