import { get, createStore as createIdbStore } from 'idb-keyval'
import { createSessionStore, type SessionEvent, type SessionStore, type SessionStoreOptions } from '../../src/index'

const started: SessionStore[] = []

/** A store with tab messages off (tab sync has its own tests), started and hydrated; events recorded. */
export async function startedStore(options: SessionStoreOptions): Promise<{ store: SessionStore; events: SessionEvent[] }> {
  const store = createSessionStore({ channel: null, ...options })
  started.push(store)
  const events: SessionEvent[] = []
  store.on((event) => events.push(event))
  store.start()
  await store.whenHydrated()
  return { store, events }
}

/** Destroys every store startedStore made; call from afterEach. */
export function stopStartedStores(): void {
  started.splice(0).forEach((store) => store.destroy())
}

/** The raw value under `key` in a test database. */
export const idbRaw = (dbName: string, key = 'session') => get(key, createIdbStore(dbName, 'sessions'))

/** Registers a store made by hand, so stopStartedStores() destroys it too. */
export function trackStore(store: SessionStore): SessionStore {
  started.push(store)
  return store
}
