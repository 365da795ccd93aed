import { useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { checkOptions } from '../core/argument-checks'
import { AuthSessionError } from '../core/errors'
import type { SessionState, SessionStore } from '../core/store'
import { SessionStoreContext } from './context'

/** The store's actions, as `useSession()` gives them (each the store's own function, stable for its life). */
export interface SessionActions
  extends Pick<SessionStore, 'signIn' | 'update' | 'recordActivity' | 'end' | 'clear' | 'login' | 'logout' | 'refresh' | 'getAccessToken'> {}

/** What `useSession()` gives: the state (`status` narrows `session`) and the store's actions. */
export type SessionView = SessionState & SessionActions

/** The store from the nearest SessionProvider. */
export function useSessionStore(): SessionStore {
  const store = useContext(SessionStoreContext)
  if (!store) {
    throw new AuthSessionError('missing-provider', 'authsession hooks (useSession, useSessionStore, useAccessToken) must be used inside <SessionProvider>')
  }
  return store
}

const views = new WeakMap<SessionState, SessionView>()
const actionsOf = new WeakMap<SessionStore, SessionActions>()

function viewOf(store: SessionStore, state: SessionState): SessionView {
  let actions = actionsOf.get(store)
  if (!actions) {
    actions = {
      signIn: store.signIn,
      update: store.update,
      recordActivity: store.recordActivity,
      end: store.end,
      clear: store.clear,
      login: store.login,
      logout: store.logout,
      refresh: store.refresh,
      getAccessToken: store.getAccessToken,
    }
    actionsOf.set(store, actions)
  }
  let view = views.get(state)
  if (!view) {
    view = { ...state, ...actions }
    views.set(state, view)
  }
  return view
}

const identity = <T,>(value: T) => value

/**
 * The session and its actions. With a selector, the component re-renders
 * only when the selected value changes (by `equalityFn`, default Object.is).
 */
export function useSession(): SessionView
export function useSession<T>(selector: (view: SessionView) => T, equalityFn?: (a: T, b: T) => boolean): T
export function useSession<T>(
  selector: (view: SessionView) => T = identity as (view: SessionView) => T,
  equalityFn: (a: T, b: T) => boolean = Object.is,
): T {
  // useSession('status') failed in render as a bare TypeError; a wrong equalityFn only on a later change.
  checkOptions('useSession(selector)', selector, 'function')
  checkOptions('useSession(selector, equalityFn)', equalityFn, 'function')
  const store = useSessionStore()
  const committed = useRef<{ value: T } | null>(null)
  // Same memoisation as use-sync-external-store's withSelector: a selection
  // is recomputed only for a new state, and kept when equal to the previous.
  const [getSelection, getServerSelection] = useMemo(() => {
    let memo: { state: SessionState; value: T } | null = null
    const select = (state: SessionState): T => {
      if (memo && Object.is(memo.state, state)) return memo.value
      const next = selector(viewOf(store, state))
      const previous = memo ?? committed.current
      const value = previous && equalityFn(previous.value, next) ? previous.value : next
      memo = { state, value }
      return value
    }
    return [() => select(store.getState()), () => select(store.getInitialState())]
  }, [store, selector, equalityFn])
  const value = useSyncExternalStore(store.subscribe, getSelection, getServerSelection)
  useEffect(() => {
    committed.current = { value }
  }, [value])
  return value
}
