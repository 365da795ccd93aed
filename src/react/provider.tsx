import { useEffect, useState, type ReactNode } from 'react'
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '../core/store'
import { SessionStoreContext } from './context'

export type SessionProviderProps = { children?: ReactNode } & (
  | { store: SessionStore; options?: never }
  | { store?: never; options?: SessionStoreOptions }
)

/**
 * Provides one session store to the tree. The store is created once (not on
 * every render) and started in an effect, so server rendering never touches
 * browser globals and StrictMode's double mount starts it once (the store's
 * start/stop is ref-counted and stops a microtask late). `options` is read
 * once, on the first render: to change them, remount with a new `key`, or
 * pass a `store` of your own.
 */
export function SessionProvider({ store, options, children }: SessionProviderProps) {
  const [ownStore] = useState(() => store ?? createSessionStore(options))
  const active = store ?? ownStore
  useEffect(() => active.start(), [active])
  return <SessionStoreContext.Provider value={active}>{children}</SessionStoreContext.Provider>
}
