import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence } from '../../src/index'
import { continuesLogin } from '../../src/core/login-lineage'
import { decodeRecord, type StoredRecord } from '../../src/core/stored-record'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

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
    ['the announced record itself', record(3, 1), { generation: 3, epoch: 'e1' }, true],
    ['a later write of the same login', record(5, 2), { generation: 3, epoch: 'e1' }, true],
    ['a login that began at the announced generation', record(5, 3), { generation: 3, epoch: 'e1' }, true],
    ['a new login since (a sign-in after it)', record(5, 4), { generation: 3, epoch: 'e1' }, false],
    ['an older record than the one announced', record(2, 1), { generation: 3, epoch: 'e1' }, false],
    ['another epoch (storage wiped and written anew)', record(5, 1, { epoch: 'e2' }), { generation: 3, epoch: 'e1' }, false],
    ['a later record without a login generation (written before it existed)', record(5, undefined), { generation: 3, epoch: 'e1' }, false],
    ['a later record, announced without an epoch (an earlier library version)', record(5, 1), { generation: 3 }, false],
    ['the exact record, announced without an epoch', record(3, 1), { generation: 3 }, true],
    ['a tombstone', record(5, 1, { ended: true }), { generation: 3, epoch: 'e1' }, false],
    ['a cleared record', record(5, 1, { session: null }), { generation: 3, epoch: 'e1' }, false],
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
    store.recordActivity(clock.now() + 1000)
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
    expect(decoded).toMatchObject({ kind: 'record', record: { generation: 2, loginGeneration: undefined } })
  })

  it('read back when valid', () => {
    const decoded = decodeRecord({ version: 1, generation: 2, session: makeSession(), ended: false, reason: 'update', loginGeneration: 1 }, 1)
    expect(decoded).toMatchObject({ kind: 'record', record: { loginGeneration: 1 } })
  })
})
