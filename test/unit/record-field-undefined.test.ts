import { afterEach, expect, it } from 'vitest'
import { createMemoryPersistence, parseSession } from '../../src/index'
import { FakeClock } from '../support/fake-clock'
import { destroyTabs, startedTab } from '../support/fake-tabs'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

// The record's optional fields are typed `?: T | undefined` (an app under
// exactOptionalPropertyTypes passes what its server answered): what the
// types let through must mean something at runtime, and the same thing in
// every tab. Undefined is "not there", as JSON would carry it.
it('parseSession leaves an undefined optional field out, nested ones too', () => {
  const parsed = parseSession(makeSession({ refreshToken: undefined, user: { id: 'u1', email: undefined }, location: { city: undefined } }))
  expect(['refreshToken' in parsed, 'email' in parsed.user, parsed.location]).toEqual([false, false, {}])
})

it("a patch's undefined removes the stored field, in every tab (how an optional field is cleared)", async () => {
  const clock = new FakeClock()
  const shared = new Map<string, unknown>()
  const { store } = await startedTab({ persistence: createMemoryPersistence(shared), clock })
  await store.signIn(makeSession({ mfaVerifiedAt: '2024-11-22T08:15:30Z', ipAddress: '203.0.113.45', metadata: { step: 'up', theme: 'dark' } }, clock.now()))
  expect(await store.update((stored) => ({ mfaVerifiedAt: undefined, metadata: { ...stored.metadata, step: undefined } }))).toBe(true)
  expect(await store.update({ ipAddress: undefined })).toBe(true)
  const stored = (shared.get('session') as { session: Record<string, unknown> }).session
  for (const session of [stored, store.getState().session as unknown as Record<string, unknown>]) {
    expect(['mfaVerifiedAt' in session, 'ipAddress' in session, session.metadata]).toEqual([false, false, { theme: 'dark' }])
  }
})
