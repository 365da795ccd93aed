import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, type AuthenticationSession, type SessionSource } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

const MINUTE = 60_000

describe('refresh answers from a buggy custom source', () => {
  it('a partial answer (only the new access token and its expiry) keeps the refresh token, token type and scopes', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const sent: Array<string | undefined> = []
    // A non-rotating provider behind a custom source that forgot to spread the old session into its answer.
    const source: SessionSource = {
      name: 'custom',
      refresh: async (session) => {
        sent.push(session.refreshToken)
        return { session: { accessToken: `at-${sent.length + 1}`, expiresAt: new Date(clock.serverNow() + 10 * MINUTE).toISOString() } as AuthenticationSession }
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source })
    await store.signIn(makeSession({ accessToken: 'at-1', refreshToken: 'rt-1', tokenType: 'Bearer', scopes: ['openid', 'api'] }, clock.now()))
    await store.refresh({ force: true }).catch((error) => expect(error).toMatchObject({ code: 'refresh-server', providerError: 'invalid_session' }))
    const stored = (shared.get('session') as { session: AuthenticationSession }).session
    // What the user sees: the answer's new access token is taken (as promised), but the refresh token, token type and
    // scopes the answer never mentioned are deleted from the record; the next refresh sends no refresh token at all
    // (the OIDC source ends the session for that: the user is signed out). Correct (README: "its valid fields (the new
    // tokens) are stored with a backoff, the invalid one keeps its old value"): fields the answer does not carry keep
    // their stored values.
    expect({ accessToken: stored.accessToken, refreshToken: stored.refreshToken, tokenType: stored.tokenType, scopes: stored.scopes }).toEqual({
      accessToken: 'at-2',
      refreshToken: 'rt-1',
      tokenType: 'Bearer',
      scopes: ['openid', 'api'],
    })
  })

  it('an answer that is not a SourceResult at all (undefined) fails as a typed transient RefreshError with a backoff, not a TypeError loop', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    let calls = 0
    const source: SessionSource = {
      name: 'custom',
      // A custom source that forgot its `return`; after 30 calls it hangs, so the test ends either way.
      refresh: async () => {
        calls += 1
        if (calls > 30) return new Promise(() => {})
        return undefined as never
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, locks: createMemoryLocks(), source })
    const now = clock.now()
    await store.signIn(makeSession({ expiresAt: new Date(now + 2 * MINUTE).toISOString() }, now))
    clock.sleep(3 * MINUTE) // the access token has expired
    const error = await store.getAccessToken().catch((caught: unknown) => caught)
    const callsAfterFirst = calls
    await clock.advance(1000) // one second of the scheduler's own retries
    // What the user sees: getAccessToken() rejects with a plain TypeError ("Cannot read properties of undefined"),
    // no refresh-failed event, no backoff: the scheduler re-arms at 0 ms and calls the provider again and again (a
    // request storm). Correct: a RefreshError (refresh-server / invalid_session, like any invalid answer) and the
    // usual exponential backoff (first retry after >= 500 ms with the default retryBaseMs of 1000).
    expect({
      error: `${(error as Error).name}: ${(error as { code?: string }).code}`,
      providerCallsInTheNextSecond: calls - callsAfterFirst,
    }).toEqual({ error: 'RefreshError: refresh-server', providerCallsInTheNextSecond: expect.toSatisfy((n: number) => n <= 2) })
  })
})
