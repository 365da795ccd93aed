import {
  createMemoryLocks,
  createSessionStore,
  type Locks,
  type SessionEvent,
  type SessionSource,
  type SessionStore,
  type SessionStoreOptions,
  type WakeReason,
  type WakeSource,
} from '../../src/index'
import { FakeClock, settle } from './fake-clock'
import { FakeTokenServer } from './fake-source'
import { uniqueDbName } from './sessions'

/** Cleanups of every store `browser()` made; run them in afterEach. */
export const browserCleanups: Array<() => void> = []

export class ManualWake implements WakeSource {
  private listeners = new Set<(reason: WakeReason) => void>()
  subscribe(listener: (reason: WakeReason) => void) {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
  fire(reason: WakeReason) {
    this.listeners.forEach((listener) => listener(reason))
  }
}

export const MINUTE = 60_000

/** N tabs: one database, one BroadcastChannel name, one lock manager, one fake clock, one token server. */
/** `sourceOf`: the source each tab uses, made from the browser's token server (default: the server's own). */
export async function browser(
  count: number,
  { sourceOf, ...extra }: Partial<SessionStoreOptions> & { ttlMs?: number; offsetMs?: number; sourceOf?: (server: FakeTokenServer) => SessionSource } = {},
) {
  const clock = new FakeClock(undefined, extra.offsetMs ?? 0)
  const server = new FakeTokenServer(clock, { accessTokenTtlMs: extra.ttlMs ?? 10 * MINUTE })
  const locks: Locks = createMemoryLocks()
  const wake = new ManualWake()
  const dbName = uniqueDbName()
  let online = true
  const tabs = await Promise.all(
    Array.from({ length: count }, async () => {
      const store = createSessionStore({
        dbName,
        clock,
        locks,
        wake,
        source: sourceOf ? sourceOf(server) : server.source(),
        isOnline: () => online,
        refresh: { retryBaseMs: 1000, retryMaxMs: 30_000 },
        ...extra,
      })
      const events: SessionEvent[] = []
      store.on((event) => events.push(event))
      browserCleanups.push(store.start(), () => store.destroy())
      await store.whenHydrated()
      return { store, events }
    }),
  )
  const stores = tabs.map((tab) => tab.store)
  return {
    clock,
    server,
    wake,
    tabs,
    stores,
    setOnline: (value: boolean) => (online = value),
    async signIn() {
      await stores[0]!.completeLogin('https://app.example/callback?code=x')
      await settle()
    },
  }
}

export const tokens = (stores: SessionStore[]) => stores.map((store) => store.getState().session?.accessToken)
export const statuses = (stores: SessionStore[]) => stores.map((store) => store.getState().status)
