import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryPersistence, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

function recordingSource() {
  const started: unknown[] = []
  const signedOut: unknown[] = []
  const source: SessionSource = {
    name: 'recording',
    startSignIn: async (options) => void started.push(options),
    refresh: async () => {
      throw new Error('not used')
    },
    signOut: async (_, options) => void signedOut.push(options),
  }
  return { source, started, signedOut }
}

async function signedIn() {
  const recorded = recordingSource()
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, source: recorded.source })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession())
  return { store, ...recorded }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AuthSessionError ? error.code : `untyped ${String(error)}`),
  )

/** From JavaScript, or values read at runtime: options that would be silently misread are refused. */
describe('login() and logout() options of the wrong type', () => {
  it.each([
    // Misread as no options: the user came back to the start page, not the one asked for.
    ['a return path given as a string', '/dashboard'],
    ['returnTo that is not a string', { returnTo: 42 }],
    // The OIDC source would send one parameter per character ("0=a&1=c..."): the step-up silently not asked for.
    ['extraParams as a query string', { extraParams: 'acr_values=mfa' }],
    ['extraParams as an array', { extraParams: ['acr_values', 'mfa'] }],
  ])('login() with %s rejects with invalid-argument, and no sign-in starts', async (_, options) => {
    const { store, started } = await signedIn()
    expect(await codeOf(store.login(options as never))).toBe('invalid-argument')
    expect(started).toEqual([])
  })

  it('logout() with a reason given as a string rejects with invalid-argument, and nothing is ended', async () => {
    // Before: read as no options, the session ended as user-logout, not the reason the app gave.
    const { store, signedOut } = await signedIn()
    expect(await codeOf(store.logout('idle-timeout' as never))).toBe('invalid-argument')
    expect(store.getState().status).toBe('authenticated')
    expect(signedOut).toEqual([])
  })

  it('options that are fine still work: none, an object, or a click event passed by onClick={login}', async () => {
    const { store, started, signedOut } = await signedIn()
    const click = { type: 'click', target: null, preventDefault() {} }
    for (const options of [undefined, { returnTo: '/x', extraParams: { acr_values: 'mfa' } }, click]) {
      expect(await codeOf(store.login(options as never))).toBe('resolved')
    }
    expect(started).toHaveLength(3)
    expect(await codeOf(store.logout(click as never))).toBe('resolved')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    expect(signedOut).toHaveLength(1)
  })
})
