import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence } from '../../src/index'
import { FakeClock, settle } from '../support/fake-clock'
import { FakeTokenServer } from '../support/fake-source'
import { destroyTabs, failable, startedTab } from '../support/fake-tabs'
import { webStorage, tearable } from '../support/torn-pages'
import { makeSession } from '../support/sessions'

afterEach(destroyTabs)

const JOURNAL_KEY = 'authsession:ending:authsession:session'



const stored = (shared: Map<string, unknown>) => shared.get('session') as { generation: number; ended: boolean; session: Record<string, unknown> }

describe('a logout survives the page that asked for it', () => {
  it("end() not awaited, the page goes away mid-write: the tab's next page finishes the logout", async () => {
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { persistence, page } = tearable(createMemoryPersistence(shared))
    const { store: first } = await startedTab({ persistence, logoutJournal: journal })
    await first.signIn(makeSession())
    page.torn = true
    void first.end('user-logout')
    await settle()
    expect(stored(shared).ended).toBe(false) // the tombstone never landed
    expect(journal.items.size).toBe(1)
    first.destroy()

    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal })
    // Shown ended from the first render after hydration, never authenticated.
    expect(next.getState()).toMatchObject({ status: 'unauthenticated', session: { status: 'revoked', revokeReason: 'user-logout' } })
    await vi.waitFor(() => expect(stored(shared).ended).toBe(true))
    expect(stored(shared)).toMatchObject({ ended: true, session: { revokeReason: 'user-logout' } })
    expect(stored(shared).session.refreshToken).toBeUndefined()
    await vi.waitFor(() => expect(journal.items.size).toBe(0))
  })

  it('without the journal (null), the same torn write leaves the session live: what the journal is for', async () => {
    const shared = new Map<string, unknown>()
    const { persistence, page } = tearable(createMemoryPersistence(shared))
    const { store: first } = await startedTab({ persistence, logoutJournal: null })
    await first.signIn(makeSession())
    page.torn = true
    void first.end('user-logout')
    await settle()
    first.destroy()
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    expect(next.getState().status).toBe('authenticated')
  })

  it('end() notes the logout while it is written and removes the note once stored', async () => {
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal })
    const session = makeSession()
    await store.signIn(session)
    const ending = store.end('idle-timeout')
    const [noted] = JSON.parse(journal.getItem(JOURNAL_KEY)!)
    expect(noted).toMatchObject({ sessionId: session.sessionId, generation: 1, revokeReason: 'idle-timeout' })
    expect(JSON.stringify(noted)).not.toContain(session.accessToken) // no tokens in the note
    await ending
    expect(journal.items.size).toBe(0)
    expect(stored(shared).ended).toBe(true)
  })

  it('a new tab opened while another is still writing its logout: both end the same record, one tombstone lands', async () => {
    const shared = new Map<string, unknown>()
    const journal = webStorage() // localStorage: every tab of the origin reads the note
    const memory = createMemoryPersistence(shared)
    let release!: () => void
    const gate = { closed: false, opened: new Promise<void>((resolve) => (release = resolve)) }
    const held: typeof memory = { ...memory, update: async (decide) => (gate.closed && (await gate.opened), memory.update(decide)) }
    const { store: ending } = await startedTab({ persistence: held, logoutJournal: journal })
    await ending.signIn(makeSession())
    gate.closed = true
    const ended = ending.end('user-logout')
    await settle()
    expect(journal.items.size).toBe(1)

    const { store: opened } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal })
    expect(opened.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'user-logout' } })
    await vi.waitFor(() => expect(stored(shared)).toMatchObject({ generation: 2, ended: true }))
    release()
    await ended
    // The first tab's write found the record already ended: no second tombstone, no error.
    expect(stored(shared)).toMatchObject({ generation: 2, ended: true, session: { revokeReason: 'user-logout' } })
    expect(ending.getState()).toMatchObject({ status: 'unauthenticated', error: null })
    expect(journal.items.size).toBe(0)
  })

  it('a failed write keeps the note (the next page tries again); the logout is kept in memory', async () => {
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { persistence, disk } = failable(createMemoryPersistence(shared))
    const { store } = await startedTab({ persistence, logoutJournal: journal })
    await store.signIn(makeSession())
    disk.full = true
    await store.end('user-logout')
    expect(store.getState().status).toBe('unauthenticated')
    expect(journal.items.size).toBe(1)
  })

  it('a note ends only the exact record it names: a session refreshed since stays signed in', async () => {
    const clock = new FakeClock()
    const server = new FakeTokenServer(clock)
    const shared = new Map<string, unknown>()
    const journal = webStorage()
    const { store: first } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal, clock, source: server.source() })
    const session = server.signInSession()
    await first.signIn(session)
    journal.setItem(JOURNAL_KEY, JSON.stringify({ sessionId: session.sessionId, generation: 1, revokeReason: 'user-logout', revokedAt: new Date(clock.now()).toISOString() }))
    await first.refresh({ force: true }) // generation 2: not the record the note names
    first.destroy()
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal, clock })
    expect(next.getState().status).toBe('authenticated')
    expect(stored(shared)).toMatchObject({ generation: 2, ended: false })
    expect(journal.items.size).toBe(0)
  })

  it.each([
    ['not JSON', '{oops'],
    ['a reason outside the schema', JSON.stringify({ sessionId: 's', generation: 1, revokeReason: 'because', revokedAt: '2026-11-23T12:00:00Z' })],
    ['a generation that is not a number', JSON.stringify({ sessionId: 's', generation: '1', revokeReason: 'user-logout', revokedAt: '2026-11-23T12:00:00Z' })],
    ['a bad date', JSON.stringify({ sessionId: 's', generation: 1, revokeReason: 'user-logout', revokedAt: 'yesterday' })],
  ])('a tampered note (%s) is dropped and ends nothing', async (_, raw) => {
    const shared = new Map<string, unknown>()
    const session = makeSession({ sessionId: 's' })
    const { store: first } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    await first.signIn(session)
    const journal = webStorage()
    journal.setItem(JOURNAL_KEY, raw)
    const { store: next } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: journal })
    expect(next.getState().status).toBe('authenticated')
    expect(stored(shared).ended).toBe(false)
    expect(journal.items.size).toBe(0)
  })

  it('storage that throws (blocked, sandboxed) never stops a logout', async () => {
    const shared = new Map<string, unknown>()
    const broken = {
      getItem: () => {
        throw new DOMException('blocked', 'SecurityError')
      },
      setItem: () => {
        throw new DOMException('blocked', 'SecurityError')
      },
      removeItem: () => {
        throw new DOMException('blocked', 'SecurityError')
      },
    }
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: broken })
    await store.signIn(makeSession())
    await store.end('user-logout')
    expect(stored(shared).ended).toBe(true)
  })
})

describe('while its own announced logout waits to be written', () => {
  it("the tab's other writes cannot keep the session live, and the logout lands", async () => {
    const shared = new Map<string, unknown>()
    const { store } = await startedTab({ persistence: createMemoryPersistence(shared), logoutJournal: null })
    await store.signIn(makeSession())
    const ending = store.end('user-logout')
    // During the grace before the tombstone write (a visible page), a patch is refused.
    expect(await store.update({ metadata: { theme: 'dark' } })).toBe(false)
    await ending
    expect(stored(shared)).toMatchObject({ generation: 2, ended: true })
    expect(store.getState().status).toBe('unauthenticated')
  })
})
