import { afterEach, describe, expect, it } from 'vitest'
import { closableTabs } from '../support/closing-tabs'
import { settle } from '../support/fake-clock'
import { destroyTabs } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

/**
 * A tab whose sign-in could not be stored holds the new session at the stored
 * record's generation (memory only). A hand-off names only that generation, so
 * it must not carry activity between that sign-in and the login it replaced,
 * in either direction: another user's idle time would move.
 */
afterEach(() => {
  destroyTabs()
  sessionStorage.clear()
})

const browser = closableTabs

/** Activity in `closing` (written, or attempted), a later one held back within the interval, then the tab closes. */
async function closeWithActivityHeldBack(b: ReturnType<typeof browser>, closing: Awaited<ReturnType<ReturnType<typeof browser>['tab']>>) {
  await b.clock.advance(5000)
  closing.store.recordActivity()
  await settle(10)
  await b.clock.advance(20_000)
  closing.store.recordActivity()
  closing.close()
  await settle(10)
}

describe('activity handed over across a sign-in not stored', () => {
  it('is not taken by a tab showing a sign-in it could not store', async () => {
    const b = browser()
    const closing = await b.tab()
    const unsaved = await b.tab()
    await closing.store.signIn(makeSession({ sessionId: 'first-user' }, b.clock.now()))
    await settle(10)
    await b.clock.advance(5000)
    unsaved.disk.full = true
    await unsaved.store.signIn(makeSession({ sessionId: 'second-user' }, b.clock.now()))
    await settle(10)
    expect(unsaved.store.getState().session?.sessionId).toBe('second-user')
    const shown = unsaved.store.getState().session!.lastActivityAt
    await closeWithActivityHeldBack(b, closing) // its first activity written
    expect(unsaved.store.getState().session?.sessionId).toBe('second-user')
    expect(unsaved.store.getState().session!.lastActivityAt).toBe(shown)
  })

  it('is not handed over by a tab closing on a sign-in it could not store', async () => {
    const b = browser()
    const other = await b.tab()
    const closing = await b.tab()
    await other.store.signIn(makeSession({ sessionId: 'first-user' }, b.clock.now()))
    await settle(10)
    const shown = other.store.getState().session!.lastActivityAt
    await b.clock.advance(5000)
    closing.disk.full = true
    await closing.store.signIn(makeSession({ sessionId: 'second-user' }, b.clock.now()))
    await settle(10)
    await closeWithActivityHeldBack(b, closing) // its first activity's write fails: held in memory
    expect(other.store.getState().session?.sessionId).toBe('first-user')
    expect(other.store.getState().session!.lastActivityAt).toBe(shown)
  })
})
