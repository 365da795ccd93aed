import { createStore } from 'zustand/vanilla'
import { systemClock } from './clock'
import { deriveSessionFields } from './derived'
import { checkStoreOptions } from './argument-checks'
import { createListeners } from './events'
import { createDefaultLocks } from './locks'
import { createAppListeners } from './app-listeners'
import { createMountCounter } from './mount-counter'
import { createRefreshScheduler } from './refresh-scheduler'
import { createDefaultPersistence } from './resilient-persistence'
import type { SessionEvent } from './session-events'
import { createSourceActions } from './source-actions'
import { createHeldRecord } from './held-record'
import { continuesLogin } from './login-lineage'
import { createLogoutJournal } from './logout-journal'
import { createUnfinishedLogout } from './unfinished-logout'
import { createProvisionalEnd } from './provisional-end'
import { createIdleEnd } from './idle-end'
import { rejoinStorage } from './rejoin-storage'
import { createRecordActions } from './record-actions'
import type { SessionState, SessionStore, SessionStoreInternals, SessionStoreOptions, StoreCore } from './store-types'
import { createBroadcastTabChannel, postHint, type TabChannel } from './tab-channel'
import { attachTabSync } from './tab-sync'
import { createWindowWakeSource } from './wake'

export type { ActivityEvent, SessionState, SessionStore, SessionStoreOptions, EndSessionOptions, LogoutOptions } from './store-types'

const internals = new WeakMap<StoreCore, SessionStoreInternals>()

/** @internal For core modules only; not exported from the package entry. */
export function storeInternals(store: SessionStore): SessionStoreInternals {
  const found = internals.get(store)
  if (!found) throw new TypeError('Not a store created by createSessionStore')
  return found
}

const randomId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2)

/**
 * Makes the session store. It touches no browser global until `start()`
 * (or `whenHydrated()`, or an action) is called, so it may be made at import
 * or during server rendering. Throws `invalid-argument` for options of the
 * wrong type.
 */
export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  checkStoreOptions(options, options?.tabId ?? 'default', options?.version ?? 1)
  const key = options.key ?? 'session'
  const version = options.version ?? 1
  const clock = options.clock ?? systemClock
  const tabId = options.tabId ?? randomId()
  const activityWriteIntervalMs = options.activityWriteIntervalMs ?? 60_000
  const events = createListeners<SessionEvent>()
  const { emit } = events
  const persistence =
    options.persistence ??
    createDefaultPersistence({
      key,
      dbName: options.dbName,
      openTimeoutMs: options.openTimeoutMs,
      clock,
      onUnavailable: (error) => {
        state.setState({ error })
        emit({ type: 'storage-unavailable', error })
      },
      onRecovered: () => {
        if (destroyed) return
        const fromMemory = record.forget()
        if (state.getState().error?.code === 'storage-unavailable') state.setState({ error: null })
        emit({ type: 'storage-recovered' })
        void rejoinStorage({ fromMemory, commit, holdLocally, reconcile: () => reconcile(), noteFinishing: () => unfinishedLogout.finishing() })
      },
    })

  let scheduler: ReturnType<typeof createRefreshScheduler> | null = null
  const state = createStore<SessionState>()(() => ({ status: 'loading', session: null, error: null }))
  const record = createHeldRecord({
    persistence,
    state,
    emit,
    version,
    migrate: options.migrate,
    announce: ({ generation, epoch }, reason) => postToTabs({ v: 1, type: 'changed', generation, ...(epoch ? { epoch } : {}), tabId, reason }),
    newEpoch: randomId,
    clock,
    onHeldLocally: () => scheduler?.reschedule(),
    endingHere: () => endingHere(),
    // The previous page's noted logout, from the first read; a later record of a login whose announced logout awaits
    // its tombstone (read, or written here); a record of a session whose idle timeout's action runs, without later activity.
    endedView: (stored, source) =>
      (source === 'remote' ? unfinishedLogout.endedView(stored) : null) ?? provisional.endedView(stored) ?? idleEnd.endedView(stored),
  })
  const { commit, reconcile, holdLocally, held } = record
  let destroyed = false
  let stoppedBefore = false
  // While running after a stop, the read its restart made: until it is done, what this tab holds may be a session another tab has ended.
  let rejoin: Promise<void> | null = null
  let hydrated = false

  // Names this store's record everywhere the tabs meet: the channel, the logout journal, the locks.
  const scope = `${options.dbName ?? 'authsession'}:${key}`
  const channelName = `authsession:${scope}`
  let channel: TabChannel | null | undefined = options.channel
  const getChannel = () => {
    if (channel === undefined) channel = createBroadcastTabChannel(channelName)
    return channel
  }
  // Tells the other tabs: on the store's channel while started; else (a write before start, a logout confirm
  // finishing after the provider unmounted) on a channel opened for this one message, so none is left open.
  const postToTabs = (message: unknown): boolean => {
    if (destroyed) return false
    if (channel !== undefined) return postHint(channel, message)
    const once = createBroadcastTabChannel(channelName)
    const posted = postHint(once, message)
    once?.close()
    return posted
  }

  const journal = createLogoutJournal(scope, options.logoutJournal)
  const unfinishedLogout = createUnfinishedLogout({
    journal,
    held,
    // Whatever stored record the note still applies to (judged in the transaction); it names the login again when announced and noted.
    end: (entry) =>
      endSession(entry.revokeReason, {}, {
        revokedAt: entry.revokedAt,
        grace: false,
        afterHydration: false,
        wholeLogin: entry.loginGeneration !== undefined,
        applies: (current) => continuesLogin(current, entry),
      }),
  })

  const hydrate = async () => {
    // The previous page's activity shows over the record from the first read (activity-writes.ts).
    activity.takeNote()
    try {
      await reconcile('hydrate')
    } finally {
      hydrated = true
      if (state.getState().status === 'loading') state.setState({ status: 'unauthenticated' })
      emit({ type: 'hydrated', status: state.getState().status })
    }
  }

  let hydration: Promise<void> | null = null
  const ensureHydration = () => (hydration ??= hydrate())

  const wake = options.wake ?? createWindowWakeSource()
  const { endSession, endingHere, activity, clockFollower, ...recordActions } = createRecordActions({
    state,
    clock,
    commit,
    held,
    ensureHydration: () => (hydrated ? null : ensureHydration()),
    post: postToTabs,
    tabId,
    activityWriteIntervalMs,
    holdLocally,
    shown: record.shownActivity,
    journal,
    wake,
    scope,
    holdsUnstoredSignIn: () => record.holdsUnstoredSignIn(),
    idleDecision: () => idleEnd.decision(),
  })

  const provisional = createProvisionalEnd({
    state,
    clock,
    held,
    reconcile: () => reconcile(),
    // Confirming another tab's announcement: no announcement of our own (the others already show it).
    endAt: async (reason, revokedAt, applies) => void (await endSession(reason, {}, { revokedAt, announce: false, applies })),
    showHeld: () => record.showHeld(),
  })
  const idleEnd = createIdleEnd({ state, clock, held, showHeld: () => record.showHeld() })

  const mounts = createMountCounter(() => {
    // Started again after a stop (a provider unmounted and mounted again): tab
    // sync was off meanwhile, so read what the other tabs did.
    if (stoppedBefore) rejoin = reconcile().catch(() => {})
    else void ensureHydration()
    const detachSync = attachTabSync({
      channel: getChannel(),
      wake,
      tabId,
      heldGeneration: () => held()?.generation ?? 0,
      heldEpoch: () => held()?.epoch,
      continuesHeld: (message) => continuesLogin(held(), message),
      reconcile: () => reconcile(),
      // Never over a sign-in this tab made but could not store: the announcement is about the session it replaced.
      endProvisionally: (message) => destroyed || record.holdsUnstoredSignIn() || provisional.apply(message),
      takeActivity: (message) => destroyed || activity.takeHandOff(Date.parse(message.at)),
      emit,
    })
    const stopRefresh = scheduler?.start()
    // The database deleted or closed under this tab: read what storage holds now.
    const unwatch = persistence.watch?.(() => void reconcile().catch(() => {}))
    return () => {
      stoppedBefore = true
      rejoin = null
      detachSync()
      stopRefresh?.()
      unwatch?.()
      // A stopped store holds no connection (each unmounted provider would keep one, blocking a database delete).
      persistence.close?.()
      // A pending logout confirm keeps running through a stop (a provider remounting): cancelled, the tab
      // would show signed out over a live record, and the logout might never be stored.
      // A channel we opened is closed with the last stop (an unmounted provider), and reopened on the next start.
      if (options.channel === undefined && channel) {
        channel.close()
        channel = undefined
      }
    }
  })

  const appListeners = createAppListeners(state)
  // The source's methods (login, logout, tokens, refresh) are added last, by createSourceActions.
  const store: StoreCore = {
    tabId,
    clock,
    getState: state.getState,
    getInitialState: state.getInitialState,
    subscribe: appListeners.add,
    // A destroyed store stays stopped: a provider mounting it again must not bring back half of it.
    start: () => (destroyed ? () => {} : mounts.start()),
    // Asking for hydration starts it: a caller awaiting a token before start() must not wait forever.
    // After a stop the tab followed no other tab, so it reads again: once after its restart, and on
    // every ask while stopped (a page's effect asks before its provider's effect restarts the store).
    async whenHydrated() {
      await ensureHydration()
      if (stoppedBefore && !destroyed) await (rejoin ?? reconcile().catch(() => {}))
    },
    hasHydrated: () => hydrated,
    on: events.add,
    reconcile: () => reconcile(),
    derived(now = clock.now()) {
      clockFollower.check() // idle time and expiry are read on the local clock: after a set-back, from the shifted times
      const { session } = state.getState()
      return session ? deriveSessionFields(session, now, held()?.clockSkewMs) : null
    },

    ...recordActions,

    destroy() {
      destroyed = true
      record.stop()
      activity.stop()
      scheduler?.destroy()
      provisional.cancel()
      mounts.stopNow()
      persistence.close?.()
      if (channel) channel.close()
      events.clear()
    },
  }

  const storeInternals: SessionStoreInternals = {
    currentRecord: held,
    commit,
    emit,
    holdLocally,
    logoutPending: record.logoutPending,
    hasUnsavedChange: record.hasUnsavedChange,
    clockFollower,
    writeActivityNow: activity.flush,
    capActivityWrites: activity.capInterval,
    decideIdleEnd: idleEnd.decide,
    idleDecision: idleEnd.decision,
    onIdleEndSettled: idleEnd.onSettled,
    wake,
    // What this logout() ends, or else, the first time, what the previous page's unfinished logout ended here (for the provider).
    end: async (reason) => {
      const finished = await unfinishedLogout.claim()
      return (await endSession(reason)) ?? finished
    },
  }
  internals.set(store, storeInternals)
  const locks = options.locks ?? createDefaultLocks()
  if (options.source) {
    scheduler = createRefreshScheduler({
      store,
      internals: storeInternals,
      source: options.source,
      clock,
      locks,
      wake,
      lockName: `authsession:refresh:${scope}`,
      options: options.refresh ?? {},
      isOnline: options.isOnline ?? (() => typeof navigator === 'undefined' || navigator.onLine !== false),
      random: Math.random,
      emit,
    })
  }
  return Object.assign(
    store,
    createSourceActions({ store, internals: storeInternals, source: options.source, scheduler, clock, locks, wake, callbackLockPrefix: `authsession:callback:${scope}` }),
  )
}
