import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryLocks, createMemoryPersistence, RefreshError, type SessionPersistence, type SessionSource } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { announceLogout, bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { tearable } from '../support/torn-pages'
import { FakeTokenServer } from '../support/fake-source'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

/** a and b hear each other; c (no channel, or its messages not read yet) writes behind their backs. */
async function threeTabs() {
  const clock = new FakeClock()
  const shared = new Map<string, unknown>()
  const channel = bus()
  const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
  const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
  const { store: c } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
  return { clock, shared, a, b, c }
}

/** The announcing tab's write was refused; two seconds on, no other tab has written it either. */
async function refusedThenNotConfirmed(clock: FakeClock, shared: Map<string, unknown>) {
  expect(shared.get('session')).toMatchObject({ ended: false })
  await clock.advance(2500)
  await settle()
  expect(shared.get('session')).toMatchObject({ ended: false })
}

describe('a tab confirming an announced logout writes exactly what was announced', () => {
  it('a late confirm never ends a re-login into the same IdP session (same sid and auth_time)', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { store: a } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
    const first = makeSession()
    await a.signIn(first)
    await settle()
    await a.end('user-logout') // announces, tombstone lands
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    expect(shared.get('session')).toMatchObject({ ended: true })
    // SSO re-login: same sid and auth_time (initiatedAt), new tokens.
    await a.signIn({ ...first, accessToken: 'at_new', refreshToken: 'rt_new', status: 'active' })
    await settle()
    expect(b.getState().status).toBe('authenticated')
    await clock.advance(2500) // b's confirm timer fires
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: false })
  })

  it('a conditional end (onlyIf) refused in storage is not written by the confirming tab', async () => {
    const { clock, shared, a, b, c } = await threeTabs()
    await a.signIn(makeSession({ lastActivityAt: new Date(clock.now() - 30 * 60_000).toISOString() }, clock.now()))
    await settle()
    await c.reconcile()
    const idleSince = clock.now() - 15 * 60_000
    await c.update({ lastActivityAt: new Date(clock.now()).toISOString() }) // the user is active in c
    // a decides idle-timeout on what it holds; storage says otherwise, so a's own write is refused.
    await a.end('idle-timeout', { onlyIf: (s) => Date.parse(s.lastActivityAt) < idleSince })
    await settle()
    await refusedThenNotConfirmed(clock, shared)
    expect(b.getState().status).toBe('authenticated') // shown signed out for a moment, then the truth again
  })

  it('an end for an expected generation refused in storage is not written by the confirming tab', async () => {
    const { clock, shared, a, b, c } = await threeTabs()
    await a.signIn(makeSession({}, clock.now()))
    await settle()
    await c.reconcile()
    await c.update({ ipAddress: '192.0.2.9' })
    await a.end('admin-revoke', { expectedGeneration: 1 })
    await settle()
    await refusedThenNotConfirmed(clock, shared)
    expect(b.getState().status).toBe('authenticated')
  })

  it('a conditional end is never applied to a later record of the login, even by a tab that already holds it', async () => {
    const { clock, shared, a, b, c } = await threeTabs()
    await a.signIn(makeSession({}, clock.now()))
    await settle()
    await c.reconcile()
    await c.update({ ipAddress: '192.0.2.9' }) // generation 2
    await b.reconcile() // b holds generation 2; a still 1
    const shown: string[] = []
    b.subscribe((state) => void shown.push(state.status))
    await a.end('admin-revoke', { expectedGeneration: 1 }) // announced for generation 1, naming no login
    await settle()
    await refusedThenNotConfirmed(clock, shared)
    expect(shown).not.toContain('unauthenticated')
  })
})

/** Memory storage whose writes for `reason` wait (an IndexedDB transaction that opens a little later than asked) until `open()`. */
function lateTransactions(shared: Map<string, unknown>, reason: string) {
  const memory = createMemoryPersistence(shared)
  const waiting: Array<() => void> = []
  const persistence: SessionPersistence = {
    ...memory,
    update: async (decide) => {
      const probe = decide(shared.get('session')) as { next?: { reason?: string } }
      if (probe.next?.reason === reason) await new Promise<void>((resolve) => waiting.push(resolve))
      return memory.update(decide)
    },
  }
  return { persistence, waiting, open: () => waiting.splice(0).forEach((resolve) => resolve()) }
}

/** a announces a logout from generation 1 after c (unheard by a and b) stored generation 2 of the same login; a's own write never lands. */
async function staleAnnouncer() {
  const clock = new FakeClock()
  const shared = new Map<string, unknown>()
  const channel = bus()
  const { persistence, page } = tearable(createMemoryPersistence(shared))
  const { store: a } = await startedTab({ persistence, channel: channel(), clock, logoutJournal: null })
  const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock })
  const { store: c } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
  await a.signIn(makeSession({}, clock.now()))
  await settle()
  await c.reconcile()
  await c.update({ ipAddress: '192.0.2.9' }) // generation 2: same login
  return { clock, shared, a, b, c, endTorn: async () => ((page.torn = true), void a.end('user-logout'), await settle()) }
}

describe('a logout announced from an older generation of the same login', () => {
  it('is confirmed over the later record when the announcing tab never writes it', async () => {
    const { clock, shared, b, endTorn } = await staleAnnouncer()
    await endTorn()
    expect(b.getState().status).toBe('unauthenticated')
    await clock.advance(2500) // b's confirm: storage holds generation 2 of the login that was ended
    await settle()
    expect(shared.get('session')).toMatchObject({ generation: 3, ended: true, session: { revokeReason: 'user-logout', ipAddress: '192.0.2.9' } })
    expect(b.getState().status).toBe('unauthenticated')
  })

  it('applies in a tab that already holds the later record, and stays shown while that tab catches up', async () => {
    const { clock, shared, b, endTorn } = await staleAnnouncer()
    const shown: string[] = []
    b.subscribe((state) => void shown.push(state.status))
    await endTorn() // b still holds generation 1
    await b.reconcile() // b reads generation 2 of the same login: still shown ended
    expect(b.getState().status).toBe('unauthenticated')
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ ended: true })
    expect(shown).not.toContain('authenticated')
  })

  it('is applied by a tab that read the later record before the announcement came', async () => {
    const { clock, shared, b, endTorn } = await staleAnnouncer()
    await b.reconcile() // b holds generation 2, a still 1
    await endTorn()
    expect(b.getState().status).toBe('unauthenticated')
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ generation: 3, ended: true })
  })

  it("a tab's own write decided just before the announcement and landing after it is shown ended too, and no further write goes through", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const memory = createMemoryPersistence(shared)
    let slow: Promise<void> | null = null
    let release!: () => void
    // The write is stored at once; its answer reaches the tab late (a transaction finishing slowly).
    const late: SessionPersistence = {
      ...memory,
      update: async (decide) => {
        const result = await memory.update(decide)
        if (slow) await slow
        return result
      },
    }
    const { store: b } = await startedTab({ persistence: late, channel: channel(), clock, logoutJournal: null })
    await b.signIn(makeSession({}, clock.now()))
    await settle()
    const announced = shared.get('session') as { generation: number; epoch: string; loginGeneration: number }
    slow = new Promise<void>((resolve) => (release = resolve))
    const updating = b.update({ ipAddress: '192.0.2.5' }) // stored as generation 2
    await settle()
    channel().post({ v: 1, type: 'ending', generation: announced.generation, epoch: announced.epoch, loginGeneration: announced.loginGeneration, tabId: 'closing', revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() })
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    slow = null
    release()
    await updating
    await settle()
    expect(b.getState().status).toBe('unauthenticated') // its own generation 2 is of the login being ended
    expect(await b.update({ ipAddress: '192.0.2.6' })).toBe(false) // no write may keep it live meanwhile
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ generation: 3, ended: true, session: { ipAddress: '192.0.2.5' } })
  })

  it("ends a write of the same login stored between the confirm's read and its write (judged in the transaction)", async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const memory = createMemoryPersistence(shared)
    let overtake = false
    // Another tab's activity lands just before b's next write: the confirm's.
    const overtaken: SessionPersistence = {
      ...memory,
      update: (decide) => {
        const current = shared.get('session') as { generation: number }
        if (overtake) shared.set('session', { ...current, generation: current.generation + 1, reason: 'activity' })
        overtake = false
        return memory.update(decide)
      },
    }
    const { persistence, page } = tearable(createMemoryPersistence(shared))
    const { store: a } = await startedTab({ persistence, channel: channel(), clock, logoutJournal: null })
    const { store: b } = await startedTab({ persistence: overtaken, channel: channel(), clock })
    await a.signIn(makeSession({}, clock.now()))
    await settle()
    page.torn = true
    void a.end('user-logout')
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    overtake = true
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ generation: 3, ended: true, session: { revokeReason: 'user-logout' } })
    expect(b.getState().status).toBe('unauthenticated')
  })

  it('never ends a new login stored since, even into the same IdP session', async () => {
    const { clock, shared, b, c, endTorn } = await staleAnnouncer()
    await endTorn()
    await c.signIn({ ...c.getState().session!, accessToken: 'at_again', refreshToken: 'rt_again' }) // generation 3, a new login
    await clock.advance(2500)
    await settle()
    expect(shared.get('session')).toMatchObject({ generation: 3, ended: false, session: { accessToken: 'at_again' } })
    expect(b.getState().status).toBe('authenticated')
  })
})

describe('no write moves the generation under an announced logout', () => {
  it('an activity write asked for just before another tab announced its logout does not cancel that logout', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const { persistence, waiting, open } = lateTransactions(shared, 'activity')
    const { store: b } = await startedTab({ persistence, channel: channel(), clock, locks: createMemoryLocks() })
    await b.signIn(makeSession({}, clock.now()))
    await settle()
    b.recordActivity(clock.now() + 5000) // the user moves the mouse in tab b
    await settle()
    expect(waiting.length).toBe(1) // b asked for the activity write; the transaction has not opened yet
    announceLogout(channel(), shared, clock.serverNow()) // the user logs out in tab a, which closes before its tombstone is written
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    open()
    await settle()
    await clock.advance(2500) // b's confirm of the announced logout
    await settle()
    // What the user sees: they clicked "Sign out" in tab a, tab b showed signed out for 2 s and then came back signed
    // in, with the tokens still in IndexedDB (every tab and every reload is signed in again). Correct: like a refresh
    // answer and update(), the activity write is not made while another tab's announced logout waits for its
    // tombstone, so the confirm writes the tombstone and the user stays signed out.
    expect({ status: b.getState().status, ended: (shared.get('session') as { ended: boolean }).ended }).toEqual({ status: 'unauthenticated', ended: true })
  })

  it('a transient refresh failure while another tab announced its logout does not cancel that logout (backoff write)', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const channel = bus()
    let failNow: (() => void) | null = null
    const source: SessionSource = {
      ...server.source(),
      // A request on the wire that ends in a network error after the announcement.
      refresh: () => new Promise((_, reject) => (failNow = () => reject(new RefreshError('refresh-network', 'connection reset')))),
    }
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), channel: channel(), clock, locks: createMemoryLocks(), source })
    await b.signIn(server.signInSession())
    await settle()
    const refreshing = b.refresh({ force: true }).catch(() => {})
    await settle()
    expect(failNow).not.toBeNull()
    announceLogout(channel(), shared, clock.serverNow()) // tab a logs out and closes before its tombstone lands
    await settle()
    expect(b.getState().status).toBe('unauthenticated')
    failNow!()
    await refreshing
    await settle()
    await clock.advance(2500) // b's confirm
    await settle()
    // What the user sees: signed out for 2 s in tab b, then signed in again (the backoff write moved the generation,
    // so the confirm no longer matches the announced record and gives up). Correct: the backoff is not written while
    // an announced logout is pending (as refresh answers are not), the tombstone lands, and the user stays signed out.
    expect({ status: b.getState().status, ended: (shared.get('session') as { ended: boolean }).ended }).toEqual({ status: 'unauthenticated', ended: true })
  })
})
