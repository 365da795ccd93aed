import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryPersistence, type AuthenticationSession } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

type Raw = { generation: number; epoch?: string; ended: boolean; session: AuthenticationSession }

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
    clock.sleep(5_000)
    store.recordActivity() // written (first one)
    await settle()
    clock.sleep(35_000)
    store.recordActivity() // shown only: within the write interval
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
    clock.sleep(5_000)
    a.recordActivity() // written
    await settle()
    clock.sleep(35_000)
    a.recordActivity() // shown only, within the write interval
    expect(await b.update({ ipAddress: '192.0.2.9' })).toBe(true)
    await settle()
    // a adopted b's record (the new IP) without losing the activity it has seen.
    expect(a.getState().session).toMatchObject({ ipAddress: '192.0.2.9', lastActivityAt: new Date(t + 40_000).toISOString() })
  })
})

describe('update() with a function patch', () => {
  it('a function patch that mutates and returns nothing rejects with a typed error', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await store.signIn(makeSession({}, clock.now()))
    // A common (immer-style) mistake: `update((s) => { s.ipAddress = '…' })`, returning undefined.
    const outcome = await store.update((() => undefined) as never).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
    // What the user sees: update() rejects with a bare TypeError "Cannot read properties of undefined (reading
    // 'sessionId')" from inside the library, with no `code`. README: "Errors are classes with a stable code";
    // update() "rejects with invalid-argument for a patch that is neither an object nor a function".
    // Correct: a function patch whose result is not an object rejects with AuthSessionError 'invalid-argument'.
    expect('error' in outcome && outcome.error instanceof AuthSessionError).toBe(true)
    expect(outcome).toMatchObject({ error: { code: 'invalid-argument' } })
  })
})

describe('update() with an empty object', () => {
  it('update({}) changes nothing: resolves true and writes nothing', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    await store.signIn(makeSession({}, clock.now()))
    expect(await store.update({})).toBe(true)
    // What the user sees: `update({})` (e.g. `update(pickChanged(form))` with nothing changed) writes a new
    // generation and wakes every tab to re-read; a conditional end({ expectedGeneration }) decided just before is
    // then refused. README/store-types: "An object whose fields are all stored already resolves true without
    // writing" (every field of {} is stored already). Correct: generation stays 1.
    expect((shared.get('session') as Raw).generation).toBe(1)
  })
})

describe('a function patch that moves lastActivityAt back', () => {
  it('the tab shows what update() stored', async () => {
    const clock = new FakeClock()
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
    const t = clock.now()
    await store.signIn(makeSession({ lastActivityAt: new Date(t).toISOString() }, t))
    const earlier = new Date(t - 10 * 60_000).toISOString()
    expect(await store.update(() => ({ lastActivityAt: earlier }))).toBe(true)
    // What the user sees: update() resolved true and storage (and every other tab) holds `earlier`, but this tab
    // keeps showing the old lastActivityAt (withShownActivity treats it as unwritten activity), so idleMinutes
    // differs between tabs, with nothing to fix it. Correct: the tab shows the record it just wrote.
    expect({ stored: (shared.get('session') as Raw).session.lastActivityAt, shown: store.getState().session!.lastActivityAt }).toEqual({ stored: earlier, shown: earlier })
  })
})
