import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, expect, it } from 'vitest'
import type { IdleTimeoutAction } from '../../src/index'
import { RequireSession, SessionProvider, useIdlePrompt } from '../../src/react'
import { settle } from '../support/fake-clock'
import { destroyTabs } from '../support/fake-tabs'
import { signedInTab } from '../support/signed-in-tab'

afterEach(() => {
  cleanup()
  destroyTabs()
})
const MINUTE = 60_000
function Prompt({ onTimeout }: { onTimeout: IdleTimeoutAction }) {
  useIdlePrompt({ timeoutMs: 10 * MINUTE, promptMs: 2 * MINUTE, onTimeout, activityEvents: false })
  return null
}
let mounts = 0
function Secret() {
  mounts += 1
  return <p>secret</p>
}
// An open tab whose user went idle, the idle prompt rendered inside the
// guard's children: the timeout hides the children and the prompt with them.
// The prompt's tracker stopping must not bring the idle session back: once,
// the protected children were mounted again (their data fetched again, shown
// to the idle session) until the end was stored.
it('an open tab that times out with the prompt inside the guard: onTimeout once, the children never mounted again', async () => {
  const { clock, store } = await signedInTab()
  let timeouts = 0
  render(
    <SessionProvider store={store}>
      <RequireSession loading={<p>loading</p>}>
        <Prompt onTimeout={async (s) => ((timeouts += 1), await s.end('idle-timeout'))} />
        <Secret />
      </RequireSession>
    </SessionProvider>,
  )
  await act(async () => {})
  expect(screen.getByText('secret')).toBeTruthy()
  await act(() => clock.advance(10 * MINUTE + 1000))
  for (let i = 0; i < 5; i++) await act(() => settle())
  expect(screen.getByText(/Signed out/)).toBeTruthy()
  expect(timeouts).toBe(1)
  expect(mounts).toBe(1)
})
