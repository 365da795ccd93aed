import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryLocks, createMemoryPersistence } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'

afterEach(() => destroyTabs())

// The README's 401 recipe: the API refused a token that had not expired
// (revoked at the provider), so the app forces a refresh and retries. With
// `refresh({ force: true })`, every tab that got the 401 refreshed in turn,
// each rotating the tokens again: N tabs, N refreshes for one refused token.
// `refresh({ refused: token })` refreshes only while that token is the stored one.
describe('refresh({ refused: token })', () => {
  async function tabsSignedIn(count: number) {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const locks = createMemoryLocks()
    const tabs = []
    for (let i = 0; i < count; i += 1) {
      tabs.push((await startedTab({ persistence: createMemoryPersistence(shared), clock, locks, channel: null, source: server.source() })).store)
    }
    await tabs[0]!.signIn(server.signInSession())
    await Promise.all(tabs.map((tab) => tab.reconcile()))
    return { server, tabs, token: await tabs[0]!.getAccessToken() }
  }

  it('three tabs refused the same token at once: one refresh, and every tab then hands out the new token', async () => {
    const { server, tabs, token } = await tabsSignedIn(3)
    await Promise.all(tabs.map((tab) => tab.refresh({ refused: token })))
    expect(server.refreshes).toBe(1)
    const handedOut = await Promise.all(tabs.map((tab) => tab.getAccessToken()))
    expect(new Set(handedOut).size).toBe(1)
    expect(handedOut[0]).not.toBe(token)
  })

  it('one after the other, a tab that has not yet read the new token does not refresh again', async () => {
    const { server, tabs, token } = await tabsSignedIn(2)
    await tabs[0]!.refresh({ refused: token })
    await tabs[1]!.refresh({ refused: token })
    expect(server.refreshes).toBe(1)
    expect(await tabs[1]!.getAccessToken()).toBe(await tabs[0]!.getAccessToken())
  })

  it('refreshes even when not due, while the refused token is still the stored one', async () => {
    const { server, tabs, token } = await tabsSignedIn(1)
    await tabs[0]!.refresh({ refused: token })
    expect(server.refreshes).toBe(1)
    // The new token refused in turn: refreshed again.
    await tabs[0]!.refresh({ refused: await tabs[0]!.getAccessToken() })
    expect(server.refreshes).toBe(2)
  })

  it('in one tab, a late 401 for an older token does not swallow the refusal of the current one', async () => {
    const { server, tabs, token: old } = await tabsSignedIn(1)
    await tabs[0]!.refresh({ force: true })
    const current = await tabs[0]!.getAccessToken()
    await Promise.all([tabs[0]!.refresh({ refused: old }), tabs[0]!.refresh({ refused: current })])
    expect(server.refreshes).toBe(2)
    expect(await tabs[0]!.getAccessToken()).not.toBe(current)
  })

  it('a force made while a refused-token refresh is in flight still refreshes, even if that one found its token replaced', async () => {
    const { server, tabs, token: old } = await tabsSignedIn(1)
    await tabs[0]!.refresh({ force: true })
    await Promise.all([tabs[0]!.refresh({ refused: old }), tabs[0]!.refresh({ force: true })])
    expect(server.refreshes).toBe(2)
  })

  it('force still refreshes every time; a refused token that is not a string is an invalid-argument', async () => {
    const { server, tabs, token } = await tabsSignedIn(2)
    await tabs[0]!.refresh({ force: true })
    await tabs[1]!.refresh({ force: true })
    expect(server.refreshes).toBe(2)
    await expect(tabs[0]!.refresh({ refused: 42 as unknown as string })).rejects.toMatchObject({ code: 'invalid-argument' })
    expect(token).toBeTruthy()
  })
  // A page's requests answered 401 together: each awaits refresh({ refused }) with the same token.
  // Each waiting its turn made a refresh of its own while the token stayed (the provider failing):
  // N calls back to back past the backoff, the last caller waiting out N timeouts.
  it('in one tab, calls for the same refused token share one refresh, also when it fails', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const inner = server.source()
    const refresh = vi.fn(inner.refresh)
    const { store } = await startedTab({ persistence: createMemoryPersistence(), clock, locks: createMemoryLocks(), channel: null, source: { ...inner, refresh } })
    await store.signIn(server.signInSession())
    const token = await store.getAccessToken()
    server.setDown(true)
    const answers = await Promise.allSettled([1, 2, 3, 4].map(() => store.refresh({ refused: token })))
    expect(answers.map((answer) => answer.status === 'rejected' && (answer.reason as { code?: string }).code)).toEqual(Array(4).fill('refresh-network'))
    expect(refresh).toHaveBeenCalledTimes(1)
    // A force in flight refreshes whatever token is stored: a refused call joins it too.
    server.setDown(false)
    await Promise.all([store.refresh({ force: true }), store.refresh({ refused: token })])
    expect(server.refreshes).toBe(1)
  })
})
