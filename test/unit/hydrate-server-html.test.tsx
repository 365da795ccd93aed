import { act } from '@testing-library/react'
import { hydrateRoot, type Root } from 'react-dom/client'
import { renderToString } from 'react-dom/server'
import { afterEach, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore } from '../../src/index'
import { SessionProvider, useSession } from '../../src/react'
import { makeSession } from '../support/sessions'

// Server rendering (Next.js, Remix, a Vite SSR app) renders `loading`; the
// client's store has often read the session by the time React hydrates. The
// first client render must still match the server's HTML, or React throws the
// tree away with a hydration error and renders it again from scratch.

function Status() {
  const status = useSession((view) => view.status)
  const username = useSession((view) => view.session?.user.username ?? '-')
  return (
    <p>
      {status}:{username}
    </p>
  )
}

let root: Root | null = null
let store: SessionStore | null = null
afterEach(() => {
  act(() => root?.unmount())
  store?.destroy()
  document.body.replaceChildren()
})

async function hydrateAfterServer(prepare: (store: SessionStore) => Promise<unknown>) {
  const container = document.createElement('div')
  container.innerHTML = renderToString(
    <SessionProvider>
      <Status />
    </SessionProvider>,
  )
  document.body.append(container)
  const serverHtml = container.innerHTML
  store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  await prepare(store)
  const recoverable: unknown[] = []
  const consoleError = vi.spyOn(console, 'error').mockImplementation(() => {})
  try {
    await act(async () => {
      root = hydrateRoot(
        container,
        <SessionProvider store={store!}>
          <Status />
        </SessionProvider>,
        { onRecoverableError: (error) => recoverable.push(error) },
      )
    })
    return { serverHtml, text: container.textContent, recoverable, consoleErrors: consoleError.mock.calls }
  } finally {
    consoleError.mockRestore()
  }
}

it('a client store already signed in hydrates the server HTML without a mismatch, then shows the session', async () => {
  const result = await hydrateAfterServer((client) => client.signIn(makeSession({ user: { id: 'u1', username: 'alice' } })))
  expect(result.serverHtml).toBe('<p>loading<!-- -->:<!-- -->-</p>')
  expect(result.recoverable).toEqual([])
  expect(result.consoleErrors).toEqual([])
  expect(result.text).toBe('authenticated:alice')
})

it('a client store already signed out hydrates without a mismatch, then shows signed out', async () => {
  const result = await hydrateAfterServer((client) => client.whenHydrated())
  expect(result.recoverable).toEqual([])
  expect(result.consoleErrors).toEqual([])
  expect(result.text).toBe('unauthenticated:-')
})
