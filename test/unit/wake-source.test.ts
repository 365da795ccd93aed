import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWindowWakeSource, type WakeReason } from '../../src/index'
import { startedStore as started, stopStartedStores } from '../support/started-store'
import { makeSession, uniqueDbName } from '../support/sessions'

afterEach(() => {
  stopStartedStores()
  vi.restoreAllMocks()
})

const visibility = (state: DocumentVisibilityState) => vi.spyOn(document, 'visibilityState', 'get').mockReturnValue(state)

describe('the default wake source (window and document events)', () => {
  it('reports focus, a visible page, pageshow, resume and online; not a page turning hidden, nor the pageshow ending a load', () => {
    const reasons: WakeReason[] = []
    const unsubscribe = createWindowWakeSource().subscribe((reason) => reasons.push(reason))
    window.dispatchEvent(new Event('focus'))
    visibility('hidden')
    document.dispatchEvent(new Event('visibilitychange'))
    visibility('visible')
    document.dispatchEvent(new Event('visibilitychange'))
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: false })) // every load ends with one
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })) // a restore from the back/forward cache
    document.dispatchEvent(new Event('resume'))
    window.dispatchEvent(new Event('online'))
    expect(reasons).toEqual(['focus', 'visible', 'pageshow', 'resume', 'online'])

    unsubscribe()
    window.dispatchEvent(new Event('focus'))
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
    document.dispatchEvent(new Event('visibilitychange'))
    expect(reasons).toHaveLength(5)
  })

  // Without tab messages (no BroadcastChannel), these events are how a tab converges.
  it.each([
    ['focus', () => window.dispatchEvent(new Event('focus'))],
    ['visibilitychange', () => (visibility('visible'), document.dispatchEvent(new Event('visibilitychange')))],
    ['pageshow', () => window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))],
  ])('a store with no channel re-reads storage on %s', async (_, fire) => {
    const dbName = uniqueDbName()
    const { store: a } = await started({ dbName })
    const { store: b } = await started({ dbName }) // the default wake source: no `wake` option
    await a.signIn(makeSession())
    expect(b.getState().status).toBe('unauthenticated')
    fire()
    await vi.waitFor(() => expect(b.getState().status).toBe('authenticated'))
  })
})
