import { afterEach, describe, expect, it } from 'vitest'
import { createMemoryPersistence } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { bus, destroyTabs, startedTab } from '../support/fake-tabs'
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
})
