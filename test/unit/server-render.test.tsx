// @vitest-environment node
import { afterEach, expect, it } from 'vitest'

const watched = ['window', 'document', 'navigator', 'indexedDB', 'localStorage', 'BroadcastChannel'] as const
const saved = new Map<string, PropertyDescriptor | undefined>()
afterEach(() => {
  for (const name of watched) {
    const descriptor = saved.get(name)
    if (descriptor) Object.defineProperty(globalThis, name, descriptor)
    else delete (globalThis as Record<string, unknown>)[name]
  }
})

function trapBrowserGlobals(): string[] {
  const touched: string[] = []
  for (const name of watched) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name))
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name)
        return undefined
      },
    })
  }
  return touched
}

it('importing the entry points and rendering the provider on the server touches no browser global', async () => {
  const touched = trapBrowserGlobals()
  // React's own import-time probing is not ours to judge: load it first.
  const { renderToString } = await import('react-dom/server')
  const { createElement } = await import('react')
  touched.length = 0
  // Imported after the traps are set, so import-time access would be caught.
  await import('../../src/index')
  const { SessionProvider, useSession } = await import('../../src/react')
  expect(touched).toEqual([])

  function Status() {
    const { status } = useSession()
    return createElement('p', null, `status:${status}`)
  }
  const html = renderToString(createElement(SessionProvider, null, createElement(Status)))
  expect(html).toBe('<p>status:loading</p>')
  expect(touched).toEqual([])
})

it('RequireSession renders its loading fallback on the server, not its children, and touches no browser global', async () => {
  const touched = trapBrowserGlobals()
  const { renderToString } = await import('react-dom/server')
  const { createElement } = await import('react')
  touched.length = 0
  const { RequireSession, SessionProvider } = await import('../../src/react')
  const guarded = createElement(RequireSession, { loading: createElement('p', null, 'wait') }, createElement('p', null, 'secret'))
  expect(renderToString(createElement(SessionProvider, null, guarded))).toBe('<p>wait</p>')
  // The default fallback is nothing at all.
  expect(renderToString(createElement(SessionProvider, null, createElement(RequireSession, null, 'secret')))).toBe('')
  expect(touched).toEqual([])
})
