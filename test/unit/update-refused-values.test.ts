import { afterEach, describe, expect, it } from 'vitest'
import { SessionParseError, createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { makeSession } from '../support/sessions'

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

async function signedIn() {
  const shared = new Map<string, unknown>()
  const store = createSessionStore({ persistence: createMemoryPersistence(shared), channel: null })
  stores.push(store)
  await store.signIn(makeSession({ metadata: { theme: 'dark' } }))
  return { store, stored: () => (shared.get('session') as { generation: number }).generation }
}

/**
 * A value the schema refuses rejects with its SessionParseError, also when
 * JSON would drop it: compared as JSON, a patch adding only a function or a
 * symbol looked "stored already" and resolved true, though nothing of it was.
 */
describe('update() with an object patch whose only new value is one JSON drops', () => {
  it.each([
    ['a function', () => {}],
    ['a symbol', Symbol('x')],
  ])('%s in metadata rejects with the SessionParseError naming it, and nothing is written', async (_, value) => {
    const { store, stored } = await signedIn()
    const generation = stored()
    const error = await store.update({ metadata: { theme: 'dark', onExpire: value } }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SessionParseError)
    expect(error).toMatchObject({ code: 'wrong-type', path: 'metadata.onExpire' })
    expect(stored()).toBe(generation)
  })

  it('a patch whose fields are all stored already still resolves true without writing', async () => {
    const { store, stored } = await signedIn()
    const generation = stored()
    expect(await store.update({ metadata: { theme: 'dark' } })).toBe(true)
    expect(stored()).toBe(generation)
  })
})
