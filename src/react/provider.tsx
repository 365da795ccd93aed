import { useEffect, useRef, type ReactNode } from 'react'
import { checkOptions } from '../core/argument-checks'
import { createSessionStore, type SessionStore, type SessionStoreOptions } from '../core/store'
import { SessionStoreContext } from './context'

/**
 * A `store` of your own, or `options` for the provider to make one with
 * (neither: a store with the defaults). Either may be given as `undefined`,
 * also under exactOptionalPropertyTypes; not both, as options beside a store
 * would be ignored.
 */
export type SessionProviderProps = { children?: ReactNode } & (
  | { store: SessionStore; options?: undefined }
  | { store?: undefined; options?: SessionStoreOptions | undefined }
)

/**
 * Provides one session store to the tree. The store is created once (not on
 * every render) and started in an effect, so server rendering never touches
 * browser globals and StrictMode's double mount starts it once (the store's
 * start/stop is ref-counted and stops a microtask late). `options` is read
 * once, when the provider makes its own store (first rendered without a
 * `store`): to change them, remount with a new `key`, or pass a `store` of
 * your own.
 */
export function SessionProvider({ store, options, children }: SessionProviderProps) {
  // Made only when no `store` is given (also after a `store` prop is dropped):
  // a store passed in is the caller's, never this provider's own. Kept in a
  // ref, not a state initializer, which StrictMode calls twice (React 19
  // keeps the ref between its two renders; React 18 may make a second store
  // in development, never started).
  const own = useRef<SessionStore | null>(null)
  if (!store && !own.current) own.current = createSessionStore(options)
  const active = store ?? own.current!
  // Another library's store (a zustand store has getState too), or a factory passed uncalled: a bare TypeError in an effect otherwise.
  checkOptions('SessionProvider store', active, ['start', 'derived', 'whenHydrated'])
  useEffect(() => active.start(), [active])
  return <SessionStoreContext.Provider value={active}>{children}</SessionStoreContext.Provider>
}
