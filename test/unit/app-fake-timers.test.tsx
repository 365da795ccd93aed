import { act, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore, type WakeSource } from '../../src/index'
import { SessionProvider, useSession } from '../../src/react'
import { makeSession } from '../support/sessions'

/**
 * An app's own test suite installs fake timers before it renders, as apps
 * with idle timers do. Jest's (29, "modern", its default) fake every timer
 * function it finds, queueMicrotask and performance included; Vitest's
 * default leaves queueMicrotask real. Nothing the store does at start, stop
 * or sign-out may then wait for a timer the test never advances.
 */
const JEST_DEFAULT_FAKES = ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'performance'] as const

const made: SessionStore[] = []
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
  made.splice(0).forEach((store) => store.destroy())
})

/** Lets promise jobs run (never timers): what `await` in a test does under fake timers. */
const settleJobs = async () => {
  for (let i = 0; i < 50; i += 1) await Promise.resolve()
}

function Status() {
  return <p>{useSession((s) => s.status)}</p>
}

describe("an app's tests under fake timers", () => {
  it("Jest's default fake timers: unmounting the provider stops its store (no window listeners left answering later tests)", async () => {
    vi.useFakeTimers({ toFake: [...JEST_DEFAULT_FAKES] })
    let subscribed = 0
    const wake: WakeSource = { subscribe: () => ((subscribed += 1), () => void (subscribed -= 1)) }
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null, wake })
    made.push(store)
    const view = render(
      <SessionProvider store={store}>
        <Status />
      </SessionProvider>,
    )
    await act(() => store.whenHydrated())
    expect(view.container.textContent).toBe('unauthenticated')
    expect(subscribed).toBe(1)
    view.unmount()
    await settleJobs()
    expect(subscribed).toBe(0)
  })

  it.each([
    ['channel: null', { channel: null }],
    ['no BroadcastChannel (Jest with jsdom)', { stubBroadcastChannel: true }],
  ])('logout() in a visible page with no tab to hear it (%s) finishes without advancing the timers', async (_, how) => {
    vi.useFakeTimers()
    if ('stubBroadcastChannel' in how) vi.stubGlobal('BroadcastChannel', undefined)
    const store = createSessionStore({ persistence: createMemoryPersistence(), ...('channel' in how ? { channel: how.channel } : {}) })
    made.push(store)
    const view = render(
      <SessionProvider store={store}>
        <Status />
      </SessionProvider>,
    )
    await act(() => store.signIn(makeSession()))
    expect(document.visibilityState).toBe('visible') // a visible page is the one that would wait a grace for the other tabs
    let done = false
    await act(async () => {
      void store.logout().then(() => (done = true))
      await settleJobs()
    })
    expect({ done, shown: view.container.textContent }).toEqual({ done: true, shown: 'unauthenticated' })
  })
})
