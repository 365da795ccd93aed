import { afterEach, describe, expect, it } from 'vitest'
import { AuthSessionError, createMemoryPersistence, createSessionStore, deriveSessionFields, type SessionStore } from '../../src/index'
import { caught } from '../support/caught'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

const expired = () => makeSession({ expiresAt: new Date(Date.now() - 60_000).toISOString() })

/** From JavaScript: `now` is ms since 1970, as recordActivity(at) takes it. */
describe('derived(now) / deriveSessionFields(session, now) given a time that is not one', () => {
  it.each([
    // A Date: `now + clockSkewMs` concatenated strings, so an expired session read as not expired.
    ['a Date', new Date()],
    ['a string', '2026-01-01T00:00:00Z'],
    ['NaN', Number.NaN],
  ])('%s throws invalid-argument instead of answering isExpired: false', async (_, now) => {
    const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
    stores.push(store)
    await store.signIn(expired())
    for (const act of [() => store.derived(now as unknown as number), () => deriveSessionFields(expired(), now as unknown as number)]) {
      const error = caught(act)
      expect(error).toBeInstanceOf(AuthSessionError)
      expect(error).toMatchObject({ code: 'invalid-argument' })
    }
    expect(store.derived()).toMatchObject({ isExpired: true })
  })
})
