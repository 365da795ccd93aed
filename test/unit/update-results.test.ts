import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence, type AuthenticationSession } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

describe('update() tells the app what landed', () => {
  it.each([
    ['naming its session to be safe', (s: AuthenticationSession) => ({ sessionId: s.sessionId, accessToken: 'at-from-my-exchange' })],
    ['spread from the current session', (s: AuthenticationSession) => ({ ...s, accessToken: 'at-from-my-exchange' })],
  ])('an object patch that changes nothing but a credential (%s) resolves false and writes nothing', async (_, patch) => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await store.signIn(makeSession({ accessToken: 'at-1' }, clock.now()))
    const result = await store.update(patch(store.getState().session!))
    const stored = shared.get('session') as { generation: number; session: AuthenticationSession }
    // What the user sees: update() resolves true, so the app believes its new access token is stored and used, but
    // the old token is still there (getAccessToken() keeps handing it out) and a no-op write bumped the generation
    // (every tab re-reads). Correct (store-types.ts update() doc, README "an object naming only credentials resolves
    // false"): nothing is left to change once the credentials are dropped, so it resolves false and writes nothing.
    expect({ result, generation: stored.generation, accessToken: stored.session.accessToken }).toEqual({ result: false, generation: 1, accessToken: 'at-1' })
  })
})

describe('the shown lastActivityAt', () => {
  it('an update() that does not name lastActivityAt does not move the shown lastActivityAt back (idle time jumps)', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock, activityWriteIntervalMs: 60_000 })
    const t = clock.now()
    await store.signIn(makeSession({ lastActivityAt: new Date(t).toISOString() }, t))
    store.recordActivity(t + 5_000) // written (first one)
    await settle()
    store.recordActivity(t + 40_000) // shown only: within the write interval
    expect(store.getState().session!.lastActivityAt).toBe(new Date(t + 40_000).toISOString())
    expect(await store.update({ ipAddress: '192.0.2.9' })).toBe(true)
    // What the user sees: the app's idle timer (derived().idleMinutes) jumps 35 s forward after an unrelated patch:
    // the activity shown a moment ago is replaced by the older stored one, although the patch never named
    // lastActivityAt. Correct: a patch never moves lastActivityAt back, neither stored nor shown; the activity this
    // tab already recorded rides along with the write (or at least stays shown).
    expect(store.getState().session!.lastActivityAt).toBe(new Date(t + 40_000).toISOString())
  })
})

describe('update() with nothing to change', () => {
  it('an object patch whose fields are stored already resolves true and writes nothing', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await store.signIn(makeSession({ isMfaVerified: true }, clock.now()))
    // The value asked for is what storage holds: true (it is stored), and no write wakes every tab for nothing.
    expect(await store.update({ isMfaVerified: true })).toBe(true)
    expect(await store.update({ ...store.getState().session! })).toBe(true)
    expect((shared.get('session') as { generation: number }).generation).toBe(1)
  })
})

describe('the shown lastActivityAt, across tabs', () => {
  it('a record of the same session written by another tab keeps the later activity this tab shows', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const channel = bus()
    const options = { persistence: createMemoryPersistence(shared), clock, activityWriteIntervalMs: 60_000 }
    const { store: a } = await startedTab({ ...options, channel: channel() })
    const { store: b } = await startedTab({ ...options, persistence: createMemoryPersistence(shared), channel: channel() })
    const t = clock.now()
    await a.signIn(makeSession({ lastActivityAt: new Date(t).toISOString() }, t))
    await settle()
    a.recordActivity(t + 5_000) // written
    await settle()
    a.recordActivity(t + 40_000) // shown only, within the write interval
    expect(await b.update({ ipAddress: '192.0.2.9' })).toBe(true)
    await settle()
    // a adopted b's record (the new IP) without losing the activity it has seen.
    expect(a.getState().session).toMatchObject({ ipAddress: '192.0.2.9', lastActivityAt: new Date(t + 40_000).toISOString() })
  })
})
