import { createMemoryPersistence } from '../../src/index'
import { FakeClock } from './fake-clock'
import { startedTab } from './fake-tabs'

const MINUTE = 60_000

/** One started tab on the fake clock, signed in now to a day-long session (idle tests: only activity moves). */
export async function signedInTab() {
  const clock = new FakeClock()
  const { store } = await startedTab({ clock, persistence: createMemoryPersistence() })
  const at = new Date(clock.now()).toISOString()
  await store.signIn({
    sessionId: 's1', status: 'active', user: { id: 'u1' }, accessToken: 'at-1',
    initiatedAt: at, expiresAt: new Date(clock.now() + 24 * 60 * MINUTE).toISOString(), lastActivityAt: at, deviceInfo: {}, isMfaVerified: false,
  })
  return { clock, store }
}
