import type { SessionPersistence } from '../../src/index'

/** A Web Storage stand-in (the journal's localStorage): it outlives the pages, and the tabs, that write to it. */
export function webStorage() {
  const items = new Map<string, string>()
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  }
}

/** A page torn down mid-write: while `torn`, a write never reaches storage and never settles. */
export function tearable(inner: SessionPersistence) {
  const page = { torn: false }
  const persistence: SessionPersistence = { ...inner, update: (decide) => (page.torn ? new Promise(() => {}) : inner.update(decide)) }
  return { persistence, page }
}
