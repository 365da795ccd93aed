import { createStore } from 'zustand/vanilla'
import { systemClock } from './clock'
import { deriveSessionFields } from './derived'
import { StorageError, isQuotaError, type AuthSessionError } from './errors'
import { Listeners } from './events'
import { createDefaultLocks } from './locks'
import { createMountCounter } from './mount-counter'
import { createRefreshScheduler } from './refresh-scheduler'
import { createDefaultPersistence } from './resilient-persistence'
import type { AuthenticationSession } from './session'
import type { SessionEvent } from './session-events'
import { createSourceActions } from './source-actions'
import { createProvisionalEnd } from './provisional-end'
import { rejoinStorage } from './rejoin-storage'
import { createRecordActions, statusOf } from './record-actions'
import type { Build, CommitResult, SessionState, SessionStore, SessionStoreInternals, SessionStoreOptions } from './store-types'
import { decodeRecord, rawGeneration, type ChangeReason, type StoredRecord } from './stored-record'
import { createBroadcastTabChannel, type TabChannel } from './tab-channel'
import { attachTabSync } from './tab-sync'
import { createWindowWakeSource } from './wake'

export type { SessionState, SessionStore, SessionStoreOptions, EndSessionOptions, LogoutOptions } from './store-types'

const internals = new WeakMap<SessionStore, SessionStoreInternals>()

/** @internal For core modules only; not exported from the package entry. */
export function storeInternals(store: SessionStore): SessionStoreInternals {
  const found = internals.get(store)
  if (!found) throw new TypeError('Not a store created by createSessionStore')
  return found
}

// Replaced by createSourceActions before the store is returned.
const notReady = (): never => {
  throw new Error('unreachable')
}

const randomId = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2)

export function createSessionStore(options: SessionStoreOptions = {}): SessionStore {
  const key = options.key ?? 'session'
  const version = options.version ?? 1
  const clock = options.clock ?? systemClock
  const tabId = options.tabId ?? randomId()
  const activityWriteIntervalMs = options.activityWriteIntervalMs ?? 60_000
  const events = new Listeners<SessionEvent>()
  const emit = (event: SessionEvent) => events.emit(event)
  const persistence =
    options.persistence ??
    createDefaultPersistence({
      key,
      dbName: options.dbName,
      openTimeoutMs: options.openTimeoutMs,
      onUnavailable: (error) => {
        state.setState({ error })
        emit({ type: 'storage-unavailable', error })
      },
      onRecovered: () => {
        if (destroyed) return
        const fromMemory = held
        held = null
        if (state.getState().error?.code === 'storage-unavailable') state.setState({ error: null })
        emit({ type: 'storage-recovered' })
        void rejoinStorage({ fromMemory, commit, reconcile: () => reconcile() })
      },
    })

  const state = createStore<SessionState>()(() => ({ status: 'loading', session: null, error: null }))
  let held: StoredRecord | null = null
  let destroyed = false
  let hydrated = false
  let resolveHydrated!: () => void
  const hydratedPromise = new Promise<void>((resolve) => (resolveHydrated = resolve))

  let channel: TabChannel | null | undefined = options.channel
  const getChannel = () => {
    if (channel === undefined) channel = createBroadcastTabChannel(`authsession:${options.dbName ?? 'authsession'}:${key}`)
    return channel
  }

  /** Applies a record if it is newer than what this tab holds. Generations never go back. */
  const adopt = (record: StoredRecord | null, source: 'local' | 'remote', reason?: ChangeReason | 'hydrate') => {
    if (!record || record.generation <= (held?.generation ?? 0)) return false
    held = record
    const status = statusOf(record)
    state.setState({ status, session: record.session, ...(status === 'authenticated' ? { error: null } : {}) })
    emit({ type: 'change', source, reason: reason ?? record.reason, status, generation: record.generation })
    return true
  }

  const holdLocally = (session: AuthenticationSession | null, ended: boolean) => {
    held = { version, generation: held?.generation ?? 0, reason: ended ? 'end' : 'update', ...held, session, ended }
    state.setState({ status: statusOf(held), session })
  }

  const reportError = (error: AuthSessionError) => {
    state.setState({ error })
    emit({ type: 'error', error })
  }

  /** Decodes a raw value; a bad one is reported and treated as absent. */
  const decodeOrReport = (raw: unknown): { record: StoredRecord | null; bad?: StorageError } => {
    try {
      const decoded = decodeRecord(raw, version, options.migrate)
      return { record: decoded.kind === 'record' ? decoded.record : null }
    } catch (error) {
      const bad = error instanceof StorageError ? error : new StorageError('storage-corrupt', String(error), { cause: error })
      return { record: null, bad }
    }
  }

  const commit = async (build: Build, reason: ChangeReason): Promise<CommitResult> => {
    const heldAtStart = held?.generation ?? 0
    let result: CommitResult
    let quarantined: StorageError | undefined
    let buildError: { error: unknown } | undefined
    try {
      result = await persistence.update<CommitResult>((raw) => {
        const { record: current, bad } = decodeOrReport(raw)
        quarantined = bad
        let next: ReturnType<Build>
        try {
          next = build(current)
        } catch (error) {
          // The caller's input was bad (an invalid patch): nothing is written, and the error is theirs.
          buildError = { error }
          next = null
        }
        if (!next) return { result: { ok: false, current }, ...(bad ? { quarantine: raw } : {}) }
        const generation = Math.max(current?.generation ?? rawGeneration(raw), held?.generation ?? 0) + 1
        const record: StoredRecord = { ...next, version, generation, reason }
        return { next: record, result: { ok: true, record }, ...(bad ? { quarantine: raw } : {}) }
      })
    } catch (cause) {
      const error = isQuotaError(cause)
        ? new StorageError('storage-quota', 'Storage quota exceeded; the session is kept in memory only', { cause })
        : new StorageError('storage-write-failed', 'Writing the session failed; it is kept in memory only', { cause })
      reportError(error)
      return { ok: false, current: held, error }
    }
    if (buildError) throw buildError.error
    if (quarantined) {
      result.quarantined = true
      reportError(quarantined)
    }
    if (result.ok) {
      adopt(result.record, 'local')
      getChannel()?.post({ v: 1, type: 'changed', generation: result.record.generation, tabId, reason })
    } else if (!result.error) {
      adopt(result.current, 'remote')
      emit({ type: 'write-refused', reason, heldGeneration: heldAtStart, currentGeneration: result.current?.generation ?? 0 })
    }
    return result
  }


  let reconciling: Promise<void> | null = null
  let reconcileAgain = false
  const reconcile = (reason?: 'hydrate'): Promise<void> => {
    if (reconciling) {
      reconcileAgain = true
      return reconciling
    }
    reconciling = (async () => {
      do {
        reconcileAgain = false
        const raw = await persistence.read().catch(() => undefined)
        const { record, bad } = decodeOrReport(raw)
        if (bad) await repair(bad)
        else adopt(record, 'remote', reason)
      } while (reconcileAgain)
    })().finally(() => (reconciling = null))
    return reconciling
  }

  /** Moves a corrupt or future-version record aside (kept, never deleted) and starts clean. */
  const repair = async (bad: StorageError) => {
    const result = await commit((current) => (current ? null : { session: null, ended: false, reason: 'repair' }), 'repair')
    if (!held) state.setState({ status: 'unauthenticated', session: null })
    // Another tab may have moved it aside first; this tab still saw it, so say so once.
    if (!result.quarantined) reportError(bad)
  }

  const hydrate = async () => {
    try {
      await reconcile('hydrate')
    } finally {
      hydrated = true
      if (state.getState().status === 'loading') state.setState({ status: 'unauthenticated' })
      resolveHydrated()
      emit({ type: 'hydrated', status: state.getState().status })
    }
  }

  let hydration: Promise<void> | null = null
  const ensureHydration = () => (hydration ??= hydrate())

  const provisional = createProvisionalEnd({ state, clock, held: () => held, reconcile: () => reconcile() })

  const wake = options.wake ?? createWindowWakeSource()
  let scheduler: ReturnType<typeof createRefreshScheduler> | null = null

  const mounts = createMountCounter(() => {
    void ensureHydration()
    const detachSync = attachTabSync({
      channel: getChannel(),
      wake,
      tabId,
      heldGeneration: () => held?.generation ?? 0,
      reconcile: () => reconcile(),
      endProvisionally: provisional.apply,
      emit,
    })
    const stopRefresh = scheduler?.start()
    return () => {
      detachSync()
      stopRefresh?.()
      provisional.cancel()
      // A channel we opened is closed with the last stop (an unmounted provider), and reopened on the next start.
      if (options.channel === undefined && channel) {
        channel.close()
        channel = undefined
      }
    }
  })

  const store: SessionStore = {
    tabId,
    clock,
    getState: state.getState,
    getInitialState: state.getInitialState,
    subscribe: state.subscribe,
    start: () => mounts.start(),
    // Asking for hydration starts it: a caller awaiting a token before start() must not wait forever.
    whenHydrated: () => ensureHydration().then(() => hydratedPromise),
    hasHydrated: () => hydrated,
    on: (listener) => events.add(listener),
    reconcile: () => reconcile(),
    derived(now = clock.now()) {
      const { session } = state.getState()
      return session ? deriveSessionFields(session, now) : null
    },

    ...createRecordActions({
      state,
      clock,
      commit,
      held: () => held,
      ensureHydration: () => (hydrated ? null : ensureHydration()),
      post: (message) => getChannel()?.post(message),
      tabId,
      activityWriteIntervalMs,
      holdLocally,
    }),

    login: notReady,
    completeLogin: notReady,
    logout: notReady,
    getAccessToken: notReady,
    refresh: notReady,
    nextRefreshAt: () => null,
    destroy() {
      destroyed = true
      mounts.stopNow()
      if (channel) channel.close()
      events.clear()
    },
  }

  const storeInternals: SessionStoreInternals = {
    heldGeneration: () => held?.generation ?? 0,
    currentRecord: () => held,
    commit,
    emit,
    holdLocally,
  }
  internals.set(store, storeInternals)
  if (options.source) {
    scheduler = createRefreshScheduler({
      store,
      internals: storeInternals,
      source: options.source,
      clock,
      locks: options.locks ?? createDefaultLocks(),
      wake,
      lockName: `authsession:refresh:${options.dbName ?? 'authsession'}:${key}`,
      options: options.refresh ?? {},
      isOnline: options.isOnline ?? (() => typeof navigator === 'undefined' || navigator.onLine !== false),
      random: Math.random,
      emit,
    })
  }
  Object.assign(store, createSourceActions({ store, internals: storeInternals, source: options.source, scheduler, clock }))
  return store
}
