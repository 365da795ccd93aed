import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

/** An OAuth-like source: each callback URL carries a one-time code, and each completion is a sign-in of its own. */
function oauthLike() {
  const redeemed: string[] = []
  const source: SessionSource = {
    name: 'oauth-like',
    singleUseCallbacks: true,
    // What oidc-client-ts does with the URL: it parses it, so a URL or Location object works there.
    completeSignIn: async (url) => {
      const code = new URL(url).searchParams.get('code') ?? 'none'
      redeemed.push(code)
      return { session: makeSession({ sessionId: `signed-in-with-${code}`, isMfaVerified: code === 'step-up' }) }
    },
    refresh: async () => {
      throw new Error('not used')
    },
  }
  return { source, redeemed }
}

async function started(shared: Map<string, unknown>, source: SessionSource) {
  const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null, source })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  return store
}

/** From JavaScript, or a value read at runtime: completeLogin(url) takes the callback URL as a string. */
describe('completeLogin() given something other than a string', () => {
  it.each([
    ['null', null],
    ['a number', 42],
    ['an object', {}],
  ])('%s: rejects with invalid-argument (not a TypeError), and nothing is redeemed', async (_, url) => {
    const { source, redeemed } = oauthLike()
    const store = await started(new Map(), source)
    const error = await store.completeLogin(url as unknown as string).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(AuthSessionError)
    expect(error).toMatchObject({ code: 'invalid-argument' })
    expect(redeemed).toEqual([])
    expect(store.getState().status).toBe('unauthenticated')
  })

  it('a URL object (or window.location): never taken for another callback already completed, so a step-up is not silently dropped', async () => {
    // Before: every non-string had the same fingerprint, so the page after a
    // step-up's redirect, still signed in from the first callback, found "its"
    // callback completed and resolved with the old session: the step-up code
    // was never redeemed and the user kept the session without MFA.
    const shared = new Map<string, unknown>()
    const first = oauthLike()
    const page1 = await started(shared, first.source)
    // The same app code on both callback pages (completeLogin(new URL(location.href)), or completeLogin(location)).
    await page1.completeLogin(new URL('https://app.example/callback?code=first&state=1') as unknown as string).catch(() => {})
    page1.destroy()
    const second = oauthLike()
    const page2 = await started(shared, second.source)
    const outcome = await page2.completeLogin(new URL('https://app.example/callback?code=step-up&state=2') as unknown as string).then(
      ({ session }) => session.sessionId,
      (error: { code?: string }) => error.code,
    )
    // Either a clear refusal, or the step-up really completed; never the old session.
    expect(outcome === 'invalid-argument' || outcome === 'signed-in-with-step-up').toBe(true)
  })
})
