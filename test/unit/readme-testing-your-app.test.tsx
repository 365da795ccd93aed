import { readFileSync } from 'node:fs'
import { URL as NodeURL, fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, test, vi } from 'vitest'

// README: begin
import { act, fireEvent, render, screen } from '@testing-library/react'
import type { ReactNode } from 'react'
import { createMemoryPersistence, createSessionStore, type AuthenticationSession } from '../../src/index'
import { SessionProvider } from '../../src/react'
import { Header } from '../support/quick-start-header' // the quick start's

/** The fields a session must have; add those your components read. */
export const alice: AuthenticationSession = {
  sessionId: 's1', status: 'active', user: { id: 'u1', username: 'alice' }, accessToken: 'at-1',
  initiatedAt: '2026-01-01T00:00:00Z', expiresAt: '2099-01-01T00:00:00Z',
  lastActivityAt: '2026-01-01T00:00:00Z', deviceInfo: {}, isMfaVerified: false,
}

/** Renders `ui` signed in as `session` (signed out for null); memory only, no tab messages. */
export async function renderWithSession(ui: ReactNode, session: AuthenticationSession | null = alice) {
  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  await (session ? store.signIn(session) : store.whenHydrated())
  return { store, ...render(<SessionProvider store={store}>{ui}</SessionProvider>) }
}
// README: pause

/**
 * The README's "Testing your app" recipe, run as an app's test suite runs
 * it: with real timers, Vitest's default fake timers, and what Jest 29 fakes
 * by default (queueMicrotask and performance too), each installed before
 * anything renders.
 */
const TIMERS = {
  real: () => {},
  'vi.useFakeTimers()': () => void vi.useFakeTimers(),
  "Jest's default fakes": () =>
    void vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'performance'] }),
}

describe.each(Object.keys(TIMERS) as Array<keyof typeof TIMERS>)('the README recipe, timers: %s', (timers) => {
  beforeEach(() => TIMERS[timers]())
  afterEach(() => {
    vi.useRealTimers()
    localStorage.clear()
  })

  // README: resume
  test('signs out', async () => {
    const { store } = await renderWithSession(<Header />) // Header from the quick start
    fireEvent.click(screen.getByText('Sign out alice'))
    await act(async () => {}) // the store's work is promise jobs: one act lets it land
    expect(screen.getByText('Sign in')).toBeTruthy()
    store.destroy()
  })
  // README: end

  it('renders signed out for null, with no error, and leaves no logout note behind', async () => {
    const { store } = await renderWithSession(<Header />, null)
    expect(screen.getByText('Sign in')).toBeTruthy()
    expect(store.getState().error).toBeNull()
    store.destroy()
    const signedIn = await renderWithSession(<Header />)
    fireEvent.click(screen.getByText('Sign out alice'))
    await act(async () => {})
    expect({ notes: localStorage.length, status: signedIn.store.getState().status }).toEqual({ notes: 0, status: 'unauthenticated' })
    signedIn.store.destroy()
  })
})

// Made by Node's URL (jsdom replaces the global one, which fileURLToPath refuses).
const root = fileURLToPath(new NodeURL('../..', import.meta.url))

it('is the code README.md shows under "Testing your app"', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8')
  const section = readme.slice(readme.indexOf('### Testing your app'), readme.indexOf('## What it guarantees'))
  const shown = /```tsx\n([\s\S]*?)```/.exec(section)?.[1]
  const own = readFileSync(`${root}test/unit/readme-testing-your-app.test.tsx`, 'utf8')
  const between = (from: string, to: string) => own.slice(own.indexOf(from) + from.length + 1, own.indexOf(to))
  const dedent = (text: string) => text.replace(/^ {2}/gm, '')
  const here = (between('// README: begin', '// README: pause') + '\n' + dedent(between('// README: resume', '  // README: end')))
    .replaceAll("'../../src/index'", "'authsession'")
    .replaceAll("'../../src/react'", "'authsession/react'")
    .replaceAll("'../support/quick-start-header'", "'./app'")
  expect(here).toBe(shown)
})
