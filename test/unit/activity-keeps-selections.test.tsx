import { act, render, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { SessionStore } from '../../src/index'
import { SessionProvider, useSession } from '../../src/react'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

// DESIGN invariant 6: only components that select idle state re-render on activity. Each activity write
// is read back from IndexedDB (a structured clone) in every tab, so a selection of an object the write did
// not change (the user, the device) was a new object each time, and its component re-rendered.
describe('an activity write keeps what it did not change', () => {
  it("no re-render, in the writing tab or another, of a component selecting the session's user", async () => {
    const dbName = `keep-selections-${Math.random().toString(36).slice(2)}`
    const channel = bus()
    const a = await startedTab({ dbName, channel: channel(), activityWriteIntervalMs: 10 })
    const b = await startedTab({ dbName, channel: channel(), activityWriteIntervalMs: 10 })
    await a.store.signIn(makeSession({ lastActivityAt: new Date(Date.now() - 60_000).toISOString() }))
    await waitFor(() => expect(b.store.getState().status).toBe('authenticated'))

    const renders = new Map<SessionStore, number>()
    function User({ store }: { store: SessionStore }) {
      const user = useSession((s) => s.session?.user)
      renders.set(store, (renders.get(store) ?? 0) + 1)
      return <p>{user?.username}</p>
    }
    for (const { store } of [a, b]) {
      render(
        <SessionProvider store={store}>
          <User store={store} />
        </SessionProvider>,
      )
    }
    const before = { a: a.store.getState().session!.user, b: b.store.getState().session!.user }
    expect([renders.get(a.store), renders.get(b.store)]).toEqual([1, 1])

    for (let i = 0; i < 3; i += 1) {
      const at = Date.now() + 1000 * i - 3000 // each a second past the last, never in the future
      act(() => a.store.recordActivity(at))
      const shown = new Date(at).toISOString()
      await waitFor(() => expect(b.store.getState().session?.lastActivityAt).toBe(shown))
      await waitFor(() => expect(a.store.getState().session?.lastActivityAt).toBe(shown))
    }
    // Written and read back by both tabs...
    expect(a.store.getState().session!.lastActivityAt).toBe(b.store.getState().session!.lastActivityAt)
    // ...and the user is the object each tab showed before: nothing re-rendered.
    expect(a.store.getState().session!.user).toBe(before.a)
    expect(b.store.getState().session!.user).toBe(before.b)
    expect([renders.get(a.store), renders.get(b.store)]).toEqual([1, 1])
  })
})
