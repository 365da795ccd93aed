import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionPersistence, type SessionStore } from '../../src/index'
import { settle } from '../support/fake-clock'
import { bus, destroyTabs, noWake, startedTab } from '../support/fake-tabs'
import { webStorage } from '../support/torn-pages'
import { createLogoutJournal, type JournaledLogout } from '../../src/core/logout-journal'
import { makeSession } from '../support/sessions'

/** Where a logout is noted when localStorage refuses it, and what a logout does when nothing takes the note. */
const extra: SessionStore[] = []
afterEach(() => {
  destroyTabs()
  extra.splice(0).forEach((store) => store.destroy())
  vi.unstubAllGlobals()
})

describe('a logout note no storage takes', () => {
  const full = () => ({ ...webStorage(), setItem: () => { throw new DOMException('full', 'QuotaExceededError') } })

  it('localStorage full: the note goes to sessionStorage, and the next page of the tab finishes the logout', async () => {
    const local = full()
    const session = webStorage()
    vi.stubGlobal('localStorage', local)
    vi.stubGlobal('sessionStorage', session)
    const shared = new Map<string, unknown>()
    let torn = false
    const memory = createMemoryPersistence(shared)
    const tearable: SessionPersistence = { ...memory, update: (decide) => (torn ? new Promise(() => {}) : memory.update(decide)) }
    const { store: first } = await startedTab({ persistence: tearable })
    await first.signIn(makeSession())
    torn = true // the page goes away mid-write
    void first.end('user-logout')
    await settle()
    expect(session.items.size).toBe(1)
    first.destroy()
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared) })
    expect(next.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await vi.waitFor(() => expect(shared.get('session')).toMatchObject({ ended: true }))
    expect(session.items.size).toBe(0)
  })

  it('a note that dies with the tab (none, or only in sessionStorage): the tombstone write starts at once, with no grace', async () => {
    const starts = async (logoutJournal: ReturnType<typeof webStorage> | null | undefined) => {
      const memory = createMemoryPersistence()
      let writes = 0
      const counted: SessionPersistence = { ...memory, update: (decide) => ((writes += 1), memory.update(decide)) }
      // A channel: the grace is for the other tabs to hear the announcement (none without one).
      const store = createSessionStore({ persistence: counted, channel: bus()(), wake: noWake, logoutJournal })
      extra.push(store)
      store.start()
      await store.signIn(makeSession())
      const before = writes
      const ending = store.end('user-logout')
      for (let i = 0; i < 10; i += 1) await Promise.resolve()
      const startedAtOnce = writes > before
      await ending
      return startedAtOnce
    }
    expect(document.visibilityState).toBe('visible') // a visible tab waits the grace when it has noted the logout
    expect(await starts(webStorage())).toBe(false)
    expect(await starts(full())).toBe(true)
    expect(await starts(null)).toBe(true)
    vi.stubGlobal('localStorage', full())
    vi.stubGlobal('sessionStorage', webStorage())
    expect(await starts(undefined)).toBe(true) // the default journal, noted in sessionStorage only
    vi.stubGlobal('localStorage', webStorage())
    expect(await starts(undefined)).toBe(false) // noted in localStorage
  })
})

describe('the default journal across localStorage and sessionStorage', () => {
  const entry = (sessionId: string): JournaledLogout => ({ sessionId, generation: 1, revokeReason: 'user-logout', revokedAt: '2026-12-04T12:00:00Z' })

  it('settles an entry wherever it was noted, and takes each entry once from both', () => {
    const local = webStorage()
    const session = webStorage()
    let localFull = true
    vi.stubGlobal('localStorage', { ...local, setItem: (key: string, value: string) => (localFull ? (() => { throw new DOMException('full', 'QuotaExceededError') })() : local.setItem(key, value)) })
    vi.stubGlobal('sessionStorage', session)
    const journal = createLogoutJournal('db:session', undefined)
    expect(journal.note(entry('a'))).toBe(false) // sessionStorage only: outlives a reload, not the tab
    localFull = false
    expect(journal.note(entry('b'))).toBe(true)
    journal.settle(entry('a'))
    expect([...session.items.values()]).toEqual([])
    expect(journal.note(entry('c'))).toBe(true)
    session.setItem('authsession:ending:db:session', JSON.stringify([entry('b'), entry('d')])) // b in both
    expect(journal.take().map((taken) => taken.sessionId).sort()).toEqual(['b', 'c', 'd'])
    expect(local.items.size + session.items.size).toBe(0)
  })
})
