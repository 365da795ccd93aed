import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { IdleTimeoutAction, SessionStore } from '../../src/index'
import { SessionProvider, useIdlePrompt } from '../../src/react'
import { destroyTabs } from '../support/fake-tabs'
import { signedInTab } from '../support/signed-in-tab'

afterEach(() => {
  cleanup()
  destroyTabs()
  vi.restoreAllMocks()
})

const MINUTE = 60_000


let renders = 0
/** The README's prompt, counting its renders; options inline, as an app writes them. */
function Prompt({ onTimeout = 'end' }: { onTimeout?: IdleTimeoutAction }) {
  const { prompting, remainingSeconds, stay } = useIdlePrompt({ timeoutMs: 10 * MINUTE, promptMs: 2 * MINUTE, onTimeout, activityEvents: ['pointerdown', 'keydown'] })
  renders += 1
  if (!prompting) return null
  return (
    <p role="alertdialog">
      Signing out in {remainingSeconds} s. <button onClick={stay}>Stay signed in</button>
    </p>
  )
}

const inProvider = (store: SessionStore, ui: React.ReactNode) => <SessionProvider store={store}>{ui}</SessionProvider>

describe('useIdlePrompt', () => {
  it('renders on phase changes and once a second in the prompt, never on activity while active; stay closes the prompt', async () => {
    const { clock, store } = await signedInTab()
    renders = 0
    render(inProvider(store, <Prompt />))
    await act(async () => {})
    const mounted = renders

    for (let i = 0; i < 30; i += 1) {
      await act(() => clock.advance(1000))
      act(() => store.recordActivity()) // shown each second: the store's state changes every time
    }
    expect(store.getState().session!.lastActivityAt).toBe(new Date(clock.now()).toISOString())
    expect(renders).toBe(mounted)

    await act(() => clock.advance(8 * MINUTE))
    expect(screen.getByRole('alertdialog').textContent).toContain('Signing out in 120 s')
    for (let i = 0; i < 5; i += 1) await act(() => clock.advance(1000)) // one act a second: React 18 batches a whole act
    expect(screen.getByRole('alertdialog').textContent).toContain('Signing out in 115 s')
    expect(renders).toBe(mounted + 6)

    fireEvent.click(screen.getByText('Stay signed in'))
    expect(screen.queryByRole('alertdialog')).toBeNull()
    await act(() => clock.advance(8 * MINUTE - 1000))
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(store.getState().status).toBe('authenticated')
  })

  it('under StrictMode: one set of listeners and timers, and one end at the timeout', async () => {
    const { clock, store } = await signedInTab()
    const added = vi.spyOn(window, 'addEventListener')
    const removed = vi.spyOn(window, 'removeEventListener')
    const end = vi.spyOn(store, 'end')
    const view = render(<StrictMode>{inProvider(store, <Prompt />)}</StrictMode>)
    await act(async () => {})
    const ours = (spy: typeof added) => spy.mock.calls.filter(([type]) => type === 'pointerdown').length
    expect(ours(added)).toBe(1)
    expect(ours(removed)).toBe(0)

    await act(() => clock.advance(10 * MINUTE))
    expect(end).toHaveBeenCalledTimes(1)
    expect(end).toHaveBeenCalledWith('idle-timeout')
    expect(store.getState()).toMatchObject({ status: 'unauthenticated', session: { revokeReason: 'idle-timeout' } })

    view.unmount()
    await act(async () => {})
    expect(ours(removed)).toBe(1)
  })

  it('a new inline options object (and onTimeout) each render keeps the tracker; the latest onTimeout runs', async () => {
    const { clock, store } = await signedInTab()
    const added = vi.spyOn(window, 'addEventListener')
    const first = vi.fn()
    const second = vi.fn()
    const view = render(inProvider(store, <Prompt onTimeout={first} />))
    await act(async () => {})
    await act(() => clock.advance(9 * MINUTE))
    view.rerender(inProvider(store, <Prompt onTimeout={second} />))
    await act(async () => {})
    expect(added.mock.calls.filter(([type]) => type === 'pointerdown')).toHaveLength(1)
    expect(screen.getByRole('alertdialog').textContent).toContain('Signing out in 60 s') // the countdown went on

    await act(() => clock.advance(MINUTE))
    expect(first).not.toHaveBeenCalled()
    expect(second).toHaveBeenCalledWith(store)
  })

  // Every tracker listened with the same function (store.recordActivity) and flags, which the window keeps
  // once: the old tracker's late stop removed the listener the new one (or a second component's) relied on.
  it('a changed timeout (a new tracker) still hears input, as does a second prompt once the first unmounts', async () => {
    const { clock, store } = await signedInTab()
    const shown = () => store.getState().session!.lastActivityAt
    function Timed({ minutes }: { minutes: number }) {
      useIdlePrompt({ timeoutMs: minutes * MINUTE, promptMs: MINUTE, activityEvents: ['keydown'] })
      return null
    }
    const view = render(inProvider(store, <Timed minutes={10} />))
    await act(async () => {})
    view.rerender(inProvider(store, <Timed minutes={20} />)) // e.g. the server's setting, read after the first render
    await act(async () => {})
    await act(() => clock.advance(5000))
    fireEvent.keyDown(document.body)
    expect(shown()).toBe(new Date(clock.now()).toISOString())

    view.rerender(inProvider(store, <><Timed minutes={20} /><Timed minutes={20} /></>))
    await act(async () => {})
    view.rerender(inProvider(store, <Timed minutes={20} />))
    await act(async () => {})
    await act(() => clock.advance(5000))
    fireEvent.keyDown(document.body)
    expect(shown()).toBe(new Date(clock.now()).toISOString())

    await act(() => clock.advance(19 * MINUTE)) // the user typing in this tab keeps it signed in
    fireEvent.keyDown(document.body)
    await act(() => clock.advance(2 * MINUTE))
    expect(store.getState().status).toBe('authenticated')
  })

  it('bad options throw invalid-argument in render', async () => {
    const { store } = await signedInTab()
    vi.spyOn(console, 'error').mockImplementation(() => {}) // React reports the render error
    function Bad() {
      useIdlePrompt({ timeoutMs: 1000, promptMs: 5000 })
      return null
    }
    expect(() => render(inProvider(store, <Bad />))).toThrow(expect.objectContaining({ code: 'invalid-argument' }))
  })
})
