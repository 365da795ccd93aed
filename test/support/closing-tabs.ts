import { createMemoryLocks, createMemoryPersistence, createSessionStore, type SessionEvent, type TabChannel, type WakeSource } from '../../src/index'
import { FakeClock } from './fake-clock'
import { bus, failable, trackTab } from './fake-tabs'
import { MINUTE } from './refresh-browser'
import { uniqueDbName } from './sessions'
import { tearable } from './torn-pages'

/** What activity-hand-off tests read of the stored record. */
export type StoredActivity = { generation: number; session: { lastActivityAt: string; sessionId: string } | null }

/**
 * Tabs of one browser that can be closed: one storage, lock manager, clock and
 * channel bus; each tab with its own wake source (its page's hide and unload),
 * a disk that can fill (`disk.full`), and writes torn once it closes. Destroy
 * them in afterEach with destroyTabs().
 */
export function closableTabs() {
  const shared = new Map<string, unknown>()
  const clock = new FakeClock()
  const dbName = uniqueDbName()
  const locks = createMemoryLocks()
  const channels = bus()
  const tab = async (channel: TabChannel | null = channels()) => {
    const { persistence: torn, page } = tearable(createMemoryPersistence(shared))
    const { persistence, disk } = failable(torn)
    let hidden: ((unloading?: boolean) => void) | undefined
    const wake: WakeSource = { subscribe: () => () => {}, subscribeHidden: (listener) => ((hidden = listener), () => (hidden = undefined)) }
    const store = trackTab(createSessionStore({ dbName, persistence, locks, clock, wake, channel, logoutJournal: null, activityWriteIntervalMs: MINUTE }))
    const events: SessionEvent[] = []
    store.on((event) => events.push(event))
    store.start()
    await store.whenHydrated()
    /** Closes the tab: a pagehide that does not keep the page, its writes never answered from then on. */
    const close = () => {
      page.torn = true
      hidden?.(true)
      store.destroy()
    }
    return { store, events, disk, close }
  }
  const stored = () => shared.get('session') as StoredActivity | undefined
  return { clock, tab, stored, channels }
}
