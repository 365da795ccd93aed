import { createSessionStore, type SessionEvent } from '../../src/index'
import { uniqueDbName } from './sessions'

/** Cleanups of the stores `tabs()` made; run them in afterEach. */
export const tabCleanups: Array<() => void> = []

/** N stores on one database and one BroadcastChannel name, like N tabs (Node's BroadcastChannel crosses instances). */
export async function tabs(count: number, dbName = uniqueDbName()) {
  const list = await Promise.all(
    Array.from({ length: count }, async () => {
      const store = createSessionStore({ dbName })
      const events: SessionEvent[] = []
      store.on((event) => events.push(event))
      tabCleanups.push(store.start(), () => store.destroy())
      await store.whenHydrated()
      return { store, events }
    }),
  )
  return { dbName, list, stores: list.map((tab) => tab.store) }
}
