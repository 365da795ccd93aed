import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence } from '../../src/index'
import { continuesLogin } from '../../src/core/login-lineage'
import { storeInternals } from '../../src/core/store'
import { decodeRecord, type StoredRecord } from '../../src/core/stored-record'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'
import { webStorage } from '../support/torn-pages'

afterEach(destroyTabs)

const JOURNAL_KEY = 'authsession:ending:authsession:session'

const record = (generation: number, loginGeneration: number | undefined, extra: Partial<StoredRecord> = {}): StoredRecord => ({
  version: 1,
  generation,
  session: makeSession(),
  ended: false,
  reason: 'update',
  epoch: 'e1',
  loginGeneration,
  ...extra,
})

describe('continuesLogin: does a logout decided at one generation apply to this record?', () => {
  it.each([
    ['the announced record itself', record(3, 1), { generation: 3, epoch: 'e1', loginGeneration: 1 }, true],
    ['the announced record, for a conditional end (no login named)', record(3, 1), { generation: 3, epoch: 'e1' }, true],
    ['a later write of the same login', record(5, 2), { generation: 3, epoch: 'e1', loginGeneration: 2 }, true],
    ['a later write of the same login, for a conditional end', record(5, 2), { generation: 3, epoch: 'e1' }, false],
    ['a new login since (a sign-in after it)', record(5, 4), { generation: 3, epoch: 'e1', loginGeneration: 2 }, false],
    ['a later record naming another login', record(5, 1), { generation: 3, epoch: 'e1', loginGeneration: 2 }, false],
    ['an older record than the one announced', record(2, 1), { generation: 3, epoch: 'e1', loginGeneration: 1 }, false],
    ['another epoch (storage wiped and written anew)', record(5, 1, { epoch: 'e2' }), { generation: 3, epoch: 'e1', loginGeneration: 1 }, false],
    ['a later record without a login generation (written before it existed)', record(5, undefined), { generation: 3, epoch: 'e1', loginGeneration: 1 }, false],
    ['a later record, announced without an epoch (an earlier library version)', record(5, 1), { generation: 3, loginGeneration: 1 }, false],
    ['the exact record, announced without an epoch', record(3, 1), { generation: 3 }, true],
    ['a tombstone', record(5, 1, { ended: true }), { generation: 3, epoch: 'e1', loginGeneration: 1 }, false],
    ['a cleared record', record(5, 1, { session: null }), { generation: 3, epoch: 'e1', loginGeneration: 1 }, false],
  ])('%s', (_, stored, at, expected) => {
    expect(continuesLogin(stored, at)).toBe(expected)
  })
})

describe('the stored login generation', () => {
  const loginGeneration = (shared: Map<string, unknown>) => (shared.get('session') as StoredRecord).loginGeneration

  it('is set by a sign-in and kept by updates, activity and refreshes; a new sign-in (even with the same sessionId) starts again', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, source: server.source(), activityWriteIntervalMs: 0 })
    const session = server.signInSession()
    await store.signIn(session)
    expect(shared.get('session')).toMatchObject({ generation: 1, loginGeneration: 1 })
    await store.update({ ipAddress: '192.0.2.1' })
    clock.sleep(1000)
    store.recordActivity()
    await settle()
    await store.refresh({ force: true })
    expect(shared.get('session')).toMatchObject({ loginGeneration: 1 })
    expect((shared.get('session') as StoredRecord).generation).toBeGreaterThanOrEqual(4)
    const before = (shared.get('session') as StoredRecord).generation
    await store.signIn({ ...store.getState().session!, accessToken: 'at_again' })
    expect(loginGeneration(shared)).toBe(before + 1)
  })

  it.each([
    ['not a number', 'one'],
    ['zero', 0],
    ['a fraction', 1.5],
    ['above the generation (cannot be true)', 9],
  ])('read back as absent when %s: a bad value never widens what a logout ends', (_, value) => {
    const decoded = decodeRecord({ version: 1, generation: 2, session: makeSession(), ended: false, reason: 'update', loginGeneration: value }, 1)
    expect(decoded).toMatchObject({ generation: 2, loginGeneration: undefined })
  })

  it('read back when valid', () => {
    const decoded = decodeRecord({ version: 1, generation: 2, session: makeSession(), ended: false, reason: 'update', loginGeneration: 1 }, 1)
    expect(decoded).toMatchObject({ loginGeneration: 1 })
  })
})

describe('what a login generation cannot be fooled by', () => {
  it('an unsaved sign-in folded into a later write starts a new login, whatever number it carried from the memory fallback', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { store: x } = await startedTab({ persistence: createMemoryPersistence(shared), clock, logoutJournal: null })
    const s = makeSession({}, clock.now())
    await x.signIn(s)
    await x.update({ ipAddress: '192.0.2.1' })
    const before = shared.get('session') as StoredRecord // generation 2, login 1
    await x.end('user-logout') // generation 3
    // A leftover note from an earlier page, naming login 1.
    journal.setItem(JOURNAL_KEY, JSON.stringify({ sessionId: s.sessionId, generation: 2, epoch: before.epoch, loginGeneration: 1, revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() }))
    const { store: y } = await startedTab({ persistence: createMemoryPersistence(shared), clock, logoutJournal: null })
    // What rejoin-storage.ts holds back after a failed write: a sign-in made on the memory fallback, with memory's numbers.
    storeInternals(y).holdLocally({ session: { ...s, accessToken: 'at_again', refreshToken: 'rt_again' }, ended: false, reason: 'sign-in', epoch: 'memory-epoch', loginGeneration: 1 })
    expect(await y.update({ ipAddress: '192.0.2.3' })).toBe(true) // lands with the held sign-in folded in
    expect(shared.get('session')).toMatchObject({ generation: 4, loginGeneration: 4, ended: false, session: { accessToken: 'at_again' } })
    const { store: z } = await startedTab({ persistence: createMemoryPersistence(shared), clock, logoutJournal: journal })
    await settle()
    expect(z.getState().status).toBe('authenticated')
    expect(shared.get('session')).toMatchObject({ ended: false })
  })

  it.each([
    ['a later write of the same login: that record is ended', 'activity', { ended: true, status: 'unauthenticated', pending: false }],
    ['a new sign-in into the same IdP session: it stands, and the page shows it with its writes free', 'sign-in', { ended: false, status: 'authenticated', pending: false }],
  ] as const)("a noted logout whose record another tab moved on just before this page's write, with %s", async (_, written, expected) => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { store: b } = await startedTab({ persistence: createMemoryPersistence(shared), clock, logoutJournal: null })
    await b.signIn(makeSession({}, clock.now()))
    const noted = shared.get('session') as StoredRecord
    journal.setItem(JOURNAL_KEY, JSON.stringify({ sessionId: noted.session!.sessionId, generation: 1, epoch: noted.epoch, loginGeneration: 1, revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() }))
    const memory = createMemoryPersistence(shared)
    let first = true
    // Between this page's first read and its first write, another tab stores generation 2.
    const overtaken: typeof memory = {
      ...memory,
      update: (decide) => {
        const current = shared.get('session') as StoredRecord
        if (first) shared.set('session', { ...current, generation: 2, reason: written, loginGeneration: written === 'sign-in' ? 2 : 1 })
        first = false
        return memory.update(decide)
      },
    }
    const { store: a } = await startedTab({ persistence: overtaken, clock, logoutJournal: journal })
    await settle(10)
    const stored = shared.get('session') as StoredRecord
    expect({ ended: stored.ended, status: a.getState().status, pending: storeInternals(a).logoutPending() }).toEqual(expected)
    if (!stored.ended) expect(await a.update({ ipAddress: '192.0.2.7' })).toBe(true)
  })
})
