import { afterEach, describe, expect, it } from 'vitest'
import { createIdbPersistence, createMemoryLocks, createSessionStore, type SessionSource, type SessionStore } from '../../src/index'
import { makeSession, uniqueDbName } from '../support/sessions'

// Ending a session removes its tokens from storage. metadata.tokenResponse holds whatever else the
// provider's last token answer carried (map-response.ts): providers put other credentials there (an
// upstream IdP's token, a token for another audience), so the tombstone keeps none of it.

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

const extras = { upstream_access_token: 'upstream_secret', session_state: 'abc' }

async function signedIn(dbName: string) {
  const source: SessionSource = { name: 'plain', refresh: async (session) => ({ session }), signOut: async () => {} }
  const store = createSessionStore({ dbName, channel: null, locks: createMemoryLocks(), source })
  stores.push(store)
  store.start()
  await store.whenHydrated()
  await store.signIn(makeSession({ metadata: { protocol: 'oidc', theme: 'dark', tokenResponse: extras } }))
  return store
}

const stored = async (dbName: string) => {
  const persistence = createIdbPersistence({ dbName })
  try {
    return (await persistence.read()) as { ended: boolean; session: { accessToken: string; metadata?: Record<string, unknown> } }
  } finally {
    persistence.close()
  }
}

describe('the tombstone of an ended session', () => {
  it.each([
    ['end()', (store: SessionStore) => store.end('user-logout')],
    ['end() conditional', (store: SessionStore) => store.end('admin-revoke', { onlyIf: () => true })],
    ['logout()', (store: SessionStore) => store.logout({ redirect: false })],
  ])('%s stores no metadata.tokenResponse, and keeps the rest of metadata', async (_, ending) => {
    const dbName = uniqueDbName()
    const store = await signedIn(dbName)
    expect((await stored(dbName)).session.metadata?.tokenResponse).toEqual(extras)
    await ending(store)
    const record = await stored(dbName)
    expect(record).toMatchObject({ ended: true, session: { accessToken: '', metadata: { protocol: 'oidc', theme: 'dark' } } })
    expect(record.session.metadata).not.toHaveProperty('tokenResponse')
    expect(JSON.stringify(record)).not.toContain('upstream_secret')
    // Nor does the tab show it.
    expect(store.getState().session?.metadata).not.toHaveProperty('tokenResponse')
  })
})
