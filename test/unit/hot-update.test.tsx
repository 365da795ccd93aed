import { readFileSync } from 'node:fs'
import { URL as NodeURL, fileURLToPath } from 'node:url'
import { act, render } from '@testing-library/react'
import ts from 'typescript'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore, type SessionStore, type SessionStoreOptions } from '../../src/index'
import { SessionProvider } from '../../src/react'
import { settle } from '../support/fake-clock'

// A bundler's hot update (Vite's, on each edit) runs a module again: a store
// made there is made anew, while the page, its listeners and the old store live on.

const stores: SessionStore[] = []
afterEach(() => stores.splice(0).forEach((store) => store.destroy()))

/** The store's own window listeners: 'online' is one per started store (its wake-ups), none for a stopped one. */
function countOnlineListeners() {
  const live = new Set<unknown>()
  const originalAdd = window.addEventListener
  const originalRemove = window.removeEventListener
  const add = vi.spyOn(window, 'addEventListener')
  const remove = vi.spyOn(window, 'removeEventListener')
  add.mockImplementation(function (this: Window, type: string, listener: unknown, options?: unknown) {
    if (type === 'online') live.add(listener)
    return originalAdd.call(this, type, listener as EventListener, options as AddEventListenerOptions)
  } as never)
  remove.mockImplementation(function (this: Window, type: string, listener: unknown, options?: unknown) {
    if (type === 'online') live.delete(listener)
    return originalRemove.call(this, type, listener as EventListener, options as EventListenerOptions)
  } as never)
  return { live: () => live.size, restore: () => (add.mockRestore(), remove.mockRestore()) }
}

const make = (options: SessionStoreOptions) => {
  const store = createSessionStore({ ...options, persistence: createMemoryPersistence(), channel: null })
  stores.push(store)
  return store
}

/** The README's module, compiled as a bundler would, run once per edit with the `import.meta.hot` a dev server gives it. */
function readmeModule(): (hot: { data: Record<string, unknown> } | undefined) => SessionStore {
  const readme = readFileSync(fileURLToPath(new NodeURL('../../README.md', import.meta.url)), 'utf8')
  const block = /hot updates[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
  if (!block) throw new Error('README.md has no hot-update recipe')
  const source = block.replace(/^import .*$/gm, '').replace(/^export /gm, '').replaceAll('import.meta.hot', 'hot')
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText
  const run = new Function('createSessionStore', 'source', 'hot', `${js}\nreturn store`)
  return (hot) => run(make, undefined, hot) as SessionStore
}

describe('a store made in a module, under hot updates', () => {
  it('started by the module: each run leaves one more started store, unless it follows the README recipe', async () => {
    const listeners = countOnlineListeners()
    try {
      // Without the recipe: the old store stays started beside the new one.
      const naive = () => {
        const store = make({})
        store.start()
        return store
      }
      naive()
      const perStore = listeners.live()
      expect(perStore).toBeGreaterThan(0)
      naive()
      expect(listeners.live()).toBe(2 * perStore)
      stores.splice(0).forEach((store) => store.destroy())
      expect(listeners.live()).toBe(0)

      // The recipe: the same store across runs, started once.
      const runModule = readmeModule()
      const hot = { data: {} }
      const first = runModule(hot)
      const second = runModule(hot)
      const third = runModule(hot)
      expect(second).toBe(first)
      expect(third).toBe(first)
      expect(listeners.live()).toBe(perStore)
      // Without a dev server (a production build), a store is made and started.
      const built = runModule(undefined)
      expect(built).not.toBe(first)
      expect(listeners.live()).toBe(2 * perStore)
    } finally {
      listeners.restore()
    }
  })

  it('given to the provider (not started by the module): the provider stops the old store when given the new one', async () => {
    const listeners = countOnlineListeners()
    try {
      const a = make({})
      const { rerender } = render(<SessionProvider store={a}>{null}</SessionProvider>)
      await act(settle)
      const perStore = listeners.live()
      expect(perStore).toBeGreaterThan(0)
      const b = make({})
      rerender(<SessionProvider store={b}>{null}</SessionProvider>)
      await act(settle)
      expect(listeners.live()).toBe(perStore)
    } finally {
      listeners.restore()
    }
  })
})
