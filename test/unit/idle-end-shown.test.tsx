import { act, cleanup, render, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdleTimeout, createMemoryPersistence, createSessionStore, type AuthenticationSession, type IdleTimeout, type SessionStore } from '../../src/index'
import { RequireSession, SessionProvider, useIdlePrompt, useSession } from '../../src/react'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { browser, browserCleanups, MINUTE } from '../support/refresh-browser'
import { makeSession } from '../support/sessions'

// An idle timeout is shown as decided the moment a tracker makes it, by the
// store itself (idle-end.ts): everything that reads the store agrees, not only
// a guard. Storage stays the truth: an end refused there shows the session again.

const stops: Array<() => void> = []
const stores: SessionStore[] = []
afterEach(() => {
  cleanup()
  stops.splice(0).forEach((stop) => stop())
  stores.splice(0).forEach((store) => store.destroy())
  browserCleanups.splice(0).forEach((each) => each())
  destroyTabs()
  sessionStorage.clear()
})

const TIMEOUT = 10 * MINUTE

function started(store: SessionStore, options: Partial<Parameters<typeof createIdleTimeout>[1]> = {}): IdleTimeout {
  const idle = createIdleTimeout(store, { timeoutMs: TIMEOUT, promptMs: 2 * MINUTE, activityEvents: false, ...options })
  stops.push(idle.start())
  return idle
}

/** A record an earlier page stored, its last activity `idleMs` ago; the store of the page that reads it (not started). */
async function storedRecord(idleMs: number) {
  const shared = new Map<string, unknown>()
  const earlier = onShared(shared)
  earlier.start()
  await earlier.signIn(makeSession({ lastActivityAt: new Date(Date.now() - idleMs).toISOString() }))
  const sessionId = earlier.getState().session!.sessionId
  earlier.destroy()
  return { store: onShared(shared), sessionId }
}
/** A store on `shared` storage, alone (no tab messages), destroyed after the test. */
function onShared(shared: Map<string, unknown>) {
  const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
  stores.push(store)
  return store
}

/** One signed-in tab timed out, its app action waiting (`confirm()` lets it end the session). */
async function timedOutWithActionWaiting() {
  const b = await browser(1, { ttlMs: 60 * MINUTE })
  await b.signIn()
  const store = b.stores[0]!
  const idleId = store.getState().session!.sessionId
  let release = () => {}
  const onTimeout = async (given: SessionStore) => (await new Promise<void>((resolve) => (release = resolve)), await given.end('idle-timeout'))
  started(store, { onTimeout })
  b.clock.sleep(TIMEOUT + 1000)
  b.wake.fire('visible')
  await settle(4)
  return { b, store, idleId, confirm: () => release() }
}

describe('a page opened after the idle timeout', () => {
  it("a header outside any guard never renders the idle user's name", async () => {
    const { store } = await storedRecord(30 * MINUTE)
    const names: Array<string | undefined> = []
    function Header() {
      const user = useSession((view) => view.session?.user.name ?? null)
      const status = useSession((view) => view.status)
      names.push(status === 'authenticated' ? (user ?? '(no name)') : undefined)
      return <p>{status}</p>
    }
    function Prompt() {
      useIdlePrompt({ timeoutMs: TIMEOUT, promptMs: 2 * MINUTE })
      return null
    }
    render(
      <SessionProvider store={store}>
        <Header />
        <Prompt />
        <RequireSession>
          <p>secret</p>
        </RequireSession>
      </SessionProvider>,
    )
    await waitFor(() => expect(store.getState().session?.revokeReason).toBe('idle-timeout'))
    await act(async () => {})
    expect(names.filter((name) => name !== undefined)).toEqual([])
    expect(screen.getByText('unauthenticated')).toBeTruthy()
  })

  it('app listeners subscribed after the tracker never see it signed in, and getAccessToken() is refused from the first read', async () => {
    const { store } = await storedRecord(30 * MINUTE)
    let finish = () => {}
    const idle = started(store, { onTimeout: () => new Promise<void>((resolve) => (finish = resolve)) })
    const seen: string[] = []
    store.subscribe((state) => seen.push(state.status))
    stops.push(store.start())
    await store.whenHydrated()
    expect(idle.getState().phase).toBe('timed-out')
    await expect(store.getAccessToken()).rejects.toMatchObject({ code: 'not-authenticated' })
    expect(seen).not.toContain('authenticated')
    finish()
    await settle(10)
    expect(store.getState().status).toBe('authenticated') // the app's action kept it: shown again
    expect(idle.getState().phase).toBe('timed-out') // until new activity
  })

  // The previous page of this tab noted activity it could not store before it went away (activity-note.ts): it
  // is shown from the first read, so a tracker never times out on the older stored activity alone.
  it("the previous page's noted activity, later than the stored one, is shown from the first read: never timed out", async () => {
    const { store, sessionId } = await storedRecord(30 * MINUTE)
    const at = Date.now() - 2 * MINUTE
    sessionStorage.setItem('authsession:activity:authsession:session', JSON.stringify({ sessionId, at }))
    const idle = started(store)
    const phases: string[] = []
    idle.subscribe(() => phases.push(idle.getState().phase))
    const seen: string[] = []
    store.subscribe((state) => seen.push(state.status))
    stops.push(store.start())
    await store.whenHydrated()
    await settle(10)
    expect(store.getState().status).toBe('authenticated')
    expect(Date.parse(store.getState().session!.lastActivityAt)).toBe(at)
    expect(phases).not.toContain('timed-out')
    expect(seen).not.toContain('unauthenticated')
    await store.reconcile()
    expect(Date.parse(store.getState().session!.lastActivityAt)).toBe(at) // written, not only shown
  })
})

describe('an idle end refused, or made elsewhere', () => {
  it('a tab deciding on stale activity shows the session again, with the activity another tab stored', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const stale = (await startedTab({ clock, persistence: createMemoryPersistence(shared) })).store
    const active = (await startedTab({ clock, persistence: createMemoryPersistence(shared) })).store
    await stale.signIn(server.signInSession())
    await active.reconcile()
    const idle = started(stale)
    await clock.advance(TIMEOUT - MINUTE)
    active.recordActivity() // written (the first write of that tab), and the stale tab is not told
    await settle()
    const seen: string[] = []
    stale.subscribe((state) => seen.push(state.status))
    await clock.advance(2 * MINUTE)
    await settle(10)
    expect(seen).toContain('unauthenticated') // decided on what it showed
    expect(stale.getState().status).toBe('authenticated')
    expect(stale.getState().session!.lastActivityAt).toBe(active.getState().session!.lastActivityAt)
    expect(idle.getState().phase).toBe('active')
    await active.reconcile()
    expect(active.getState().status).toBe('authenticated')
  })

  it("onTimeout 'logout' in every tab: one end stored, and the provider told once", async () => {
    const signedOut: AuthenticationSession[] = []
    const b = await browser(3, {
      ttlMs: 60 * MINUTE,
      sourceOf: (server) => ({ ...server.source(), signOut: async (session) => void signedOut.push(session) }),
    })
    await b.signIn()
    const trackers = b.stores.map((store) => started(store, { onTimeout: 'logout' }))
    // Every tab times out in the same task (a machine woken after its sleep): none has read another's end yet.
    b.clock.sleep(TIMEOUT + 1000)
    b.wake.fire('visible')
    expect(trackers.map((idle) => idle.getState().phase)).toEqual(['timed-out', 'timed-out', 'timed-out'])
    await settle(20)
    expect(b.stores.map((store) => store.getState().session?.revokeReason)).toEqual(['idle-timeout', 'idle-timeout', 'idle-timeout'])
    expect(trackers.map((idle) => idle.getState().phase)).toEqual(['inactive', 'inactive', 'inactive'])
    expect(signedOut).toHaveLength(1)
    expect(signedOut[0]!.accessToken).not.toBe('') // the live session's tokens, not a shown tombstone's
  })

  it('two trackers of one store (two prompts): the action runs once', async () => {
    const b = await browser(1, { ttlMs: 60 * MINUTE })
    await b.signIn()
    const store = b.stores[0]!
    let timeouts = 0
    const onTimeout = async (given: SessionStore) => ((timeouts += 1), await given.end('idle-timeout'))
    started(store, { onTimeout })
    started(store, { onTimeout })
    b.clock.sleep(TIMEOUT + 1000)
    b.wake.fire('visible')
    await settle(10)
    expect(store.getState().session?.revokeReason).toBe('idle-timeout')
    expect(timeouts).toBe(1)
  })

  // An end stored changes neither the status shown (already signed out) nor the activity: a tracker that did not
  // decide must still hear that the action settled, or it stays 'timed-out' over an ended session for good.
  it('every tracker of the store is inactive once the end is stored, not only the one that decided', async () => {
    const b = await browser(1, { ttlMs: 60 * MINUTE })
    await b.signIn()
    const store = b.stores[0]!
    const trackers = [started(store), started(store)]
    b.clock.sleep(TIMEOUT + 1000)
    b.wake.fire('visible')
    await settle(10)
    expect(store.getState().session).toMatchObject({ revokeReason: 'idle-timeout', accessToken: '' })
    expect(trackers.map((idle) => idle.getState().phase)).toEqual(['inactive', 'inactive'])
  })

  it('a tracker started while the end is shown (a prompt remounted) is inactive once the end is stored', async () => {
    const { store, confirm } = await timedOutWithActionWaiting()
    const late = started(store)
    expect(late.getState().phase).toBe('timed-out')
    confirm()
    await settle(10)
    expect(store.getState().session?.revokeReason).toBe('idle-timeout')
    expect(late.getState().phase).toBe('inactive')
  })

  // Shown signed out before an action of the app's has ended anything: its signed-out screen offers a sign-in,
  // which the action's end('idle-timeout'), called later, must not end.
  it("a sign-in made while an action of the app's runs is not ended by that action's end()", async () => {
    const { b, store, idleId, confirm } = await timedOutWithActionWaiting()
    expect(store.getState().status).toBe('unauthenticated')
    await store.signIn(b.server.signInSession())
    const signedIn = store.getState().session!
    expect(signedIn.sessionId).not.toBe(idleId)
    confirm()
    await settle(10)
    expect(store.getState()).toMatchObject({ status: 'authenticated', session: { sessionId: signedIn.sessionId } })
    await store.reconcile()
    expect(store.getState().status).toBe('authenticated')
  })
})
