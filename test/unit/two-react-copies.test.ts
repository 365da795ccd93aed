// @vitest-environment node
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, it, vi } from 'vitest'
import { createMemoryPersistence, createSessionStore } from '../../src/index'

/**
 * Two apps on one page (micro-frontends), each bundling its own React and its
 * own copy of authsession/react. The context is shared on globalThis so that
 * the ESM and CommonJS builds of one app meet; it must not hand one React's
 * context object to another React, whose renderer cannot use it (React 18
 * takes a React 19 context for a consumer; React 19 rejects React 18's
 * Provider), nor let two renderers write one context's current value.
 */
const react18 = fileURLToPath(new URL('../react18/node_modules/', import.meta.url))
const require18 = createRequire(react18)
const installed = existsSync(`${react18}react/package.json`)

afterEach(() => {
  vi.doUnmock('react')
  vi.doUnmock('react/jsx-runtime')
  vi.doUnmock('react/jsx-dev-runtime')
  vi.resetModules()
})

it.skipIf(!installed)("a copy on React 18 works beside one on React 19 loaded first (each React gets its own context)", async () => {
  // The React 19 app's copy loads first and claims the global key.
  const on19 = await import('../../src/react')
  const { renderToString: render19 } = await import('react-dom/server')
  const { createElement: h19 } = await import('react')

  // The React 18 app's copy: the same source, bound to the other React.
  vi.resetModules()
  const React18 = require18('react') as typeof import('react')
  vi.doMock('react', () => ({ ...React18, default: React18 }))
  vi.doMock('react/jsx-runtime', () => require18('react/jsx-runtime'))
  vi.doMock('react/jsx-dev-runtime', () => require18('react/jsx-dev-runtime'))
  const on18 = await import('../../src/react')
  const { renderToString: render18 } = require18('react-dom/server') as typeof import('react-dom/server')
  expect(React18.version).toMatch(/^18\./)

  const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null })
  const status = (lib: typeof on19) => () => lib.useSession((state) => state.status)
  const tryRender = (fn: () => string) => {
    try {
      return fn()
    } catch (error) {
      return `error: ${(error as Error).message}`
    }
  }
  expect(tryRender(() => render18(React18.createElement(on18.SessionProvider, { store }, React18.createElement(status(on18)))))).toBe('loading')
  expect(tryRender(() => render19(h19(on19.SessionProvider, { store }, h19(status(on19)))))).toBe('loading')
  store.destroy()
})
