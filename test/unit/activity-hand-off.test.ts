import { afterEach, describe, expect, it } from 'vitest'
import { closableTabs } from '../support/closing-tabs'
import { settle } from '../support/fake-clock'
import { destroyTabs } from '../support/fake-tabs'
import { MINUTE } from '../support/refresh-browser'
import { makeSession } from '../support/sessions'

/**
 * A tab closed with activity it has not stored: its write, begun as the page
 * goes, never gets its read's answer. No next page of that tab will write it
 * (a reload's would, activity-reload.test.ts), so it hands the activity to the
 * other tabs on the channel as it goes; one of them stores it. Without that,
 * their idle time would run up to a write interval ahead of the user's.
 */
afterEach(() => {
  destroyTabs()
  sessionStorage.clear()
})

type Browser = ReturnType<typeof closableTabs>
const browser = closableTabs

/** Signed in, with activity written in `closing` and a later one held back (within the write interval). */
async function heldBack(b: Browser, closing: Awaited<ReturnType<Browser['tab']>>) {
  await closing.store.signIn(makeSession({}, b.clock.now()))
  await settle(10)
  await b.clock.advance(5000)
  closing.store.recordActivity() // written at once
  await settle(10)
  await b.clock.advance(20_000)
  closing.store.recordActivity() // held back
  const last = closing.store.getState().session!.lastActivityAt
  expect(b.stored()!.session!.lastActivityAt).not.toBe(last)
  return last
}

describe('activity handed over by a closing tab', () => {
  it('is shown by the other tabs at once and stored by one of them', async () => {
    const b = browser()
    const closing = await b.tab()
    const others = [await b.tab(), await b.tab()]
    const last = await heldBack(b, closing)
    await b.clock.advance(1000)
    closing.close()
    await settle(10)
    for (const other of others) expect(other.store.getState().session?.lastActivityAt).toBe(last)
    // Stored at once (the other tabs had written nothing within the interval), so it outlives them too.
    expect(b.stored()!.session!.lastActivityAt).toBe(last)
    const writes = others.flatMap((other) => other.events).filter((event) => event.type === 'change' && event.source === 'local' && event.reason === 'activity')
    expect(writes).toHaveLength(1)
  })

  it('is stored within the write interval by a tab that wrote its own activity just before', async () => {
    const b = browser()
    const closing = await b.tab()
    const other = await b.tab()
    await closing.store.signIn(makeSession({}, b.clock.now()))
    await settle(10)
    await b.clock.advance(5000)
    other.store.recordActivity() // the other tab's write: its next one waits an interval
    await settle(10)
    await b.clock.advance(20_000)
    closing.store.recordActivity() // written: the closing tab's first
    await settle(10)
    await b.clock.advance(10_000)
    closing.store.recordActivity() // held back
    const last = closing.store.getState().session!.lastActivityAt
    closing.close()
    await settle(10)
    expect(other.store.getState().session?.lastActivityAt).toBe(last)
    await b.clock.advance(MINUTE)
    await settle(10)
    expect(b.stored()!.session!.lastActivityAt).toBe(last)
  })

  it('nothing is posted by a tab that closes with its activity stored', async () => {
    const b = browser()
    const posted: unknown[] = []
    const closingChannel = b.channels()
    const closing = await b.tab({ ...closingChannel, post: (message) => (posted.push(message), closingChannel.post(message)) })
    await b.tab()
    await closing.store.signIn(makeSession({}, b.clock.now()))
    await settle(10)
    await b.clock.advance(5000)
    closing.store.recordActivity()
    await settle(10)
    closing.close()
    expect(posted.filter((message) => (message as { type: string }).type === 'activity')).toEqual([])
  })

  it('applies to a later record of the same login, read first if not held yet, and never to another login', async () => {
    const b = browser()
    const hand = b.channels()
    const other = await b.tab()
    await other.store.signIn(makeSession({}, b.clock.now()))
    await settle(10)
    const first = b.stored()!
    const at = (ms: number) => new Date(ms).toISOString()
    await b.clock.advance(10_000)
    const sent = b.clock.now() - 2000
    hand.post({ v: 1, type: 'activity', generation: first.generation + 5, tabId: 'gone', at: at(sent) })
    await settle(10)
    expect(other.store.getState().session?.lastActivityAt).not.toBe(at(sent)) // no such record: nothing applied
    // Named from a record this tab has not read: a tab without the channel wrote it.
    const silent = await b.tab(null)
    await silent.store.update({ metadata: { plan: 'pro' } })
    expect(b.stored()!.generation).toBe(first.generation + 1)
    expect(other.store.getState().session?.metadata).toBeUndefined()
    hand.post({ v: 1, type: 'activity', generation: first.generation + 1, tabId: 'gone', at: at(sent) })
    await settle(10)
    expect(other.store.getState().session?.lastActivityAt).toBe(at(sent))
    expect(other.store.getState().session?.metadata).toEqual({ plan: 'pro' })

    // A new sign-in: a message about the record of the login before is not about this one.
    await other.store.signIn(makeSession({}, b.clock.now()))
    await settle(10)
    const shown = other.store.getState().session!.lastActivityAt
    await b.clock.advance(5000)
    hand.post({ v: 1, type: 'activity', generation: first.generation, tabId: 'gone', at: at(b.clock.now()) })
    await settle(10)
    expect(other.store.getState().session!.lastActivityAt).toBe(shown)
  })

  it('a message with a time in the future is taken as now; a malformed one is refused and counted', async () => {
    const b = browser()
    const hand = b.channels()
    const other = await b.tab()
    await other.store.signIn(makeSession({}, b.clock.now()))
    await settle(10)
    const { generation } = b.stored()!
    await b.clock.advance(10_000)
    hand.post({ v: 1, type: 'activity', generation, tabId: 'gone', at: new Date(b.clock.now() + 3_600_000).toISOString() })
    await settle(10)
    expect(other.store.getState().session?.lastActivityAt).toBe(new Date(b.clock.now()).toISOString())
    hand.post({ v: 1, type: 'activity', generation, tabId: 'gone', at: 'yesterday' })
    hand.post({ v: 1, type: 'activity', generation, tabId: 'gone', at: new Date(b.clock.now()).toISOString(), accessToken: 'x' })
    await settle(10)
    const rejected = other.events.filter((event) => event.type === 'message-rejected')
    expect(rejected.map((event) => event.type === 'message-rejected' && event.reason)).toEqual(['bad-field', 'unexpected-field'])
  })
})
