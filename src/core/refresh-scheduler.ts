import type { Clock } from './clock'
import { AuthSessionError, RefreshError } from './errors'
import type { Locks } from './locks'
import { backoffDelay, refreshDueAt, refreshTokenExpired, validAccessToken, type RefreshTiming } from './refresh-policy'
import { mergeSession } from './merge-session'
import { parseSession } from './parse-session'
import { callSource, classify } from './refresh-call'
import type { SessionEvent } from './session-events'
import type { SessionSource, SourceResult } from './source'
import { finiteOrUndefined, type StoredRecord } from './stored-record'
import type { SessionStore, SessionStoreInternals } from './store-types'
import type { WakeSource } from './wake'

export interface RefreshOptions extends Partial<RefreshTiming> {
  /** First retry delay after a transient failure. Default 1000 ms. */
  retryBaseMs?: number
  /** Longest retry delay. Default 60 000 ms. */
  retryMaxMs?: number
  /** A refresh that takes longer is abandoned as a transient failure. Default 15 000 ms. */
  timeoutMs?: number
}

export interface RefreshSchedulerDeps {
  store: SessionStore
  internals: SessionStoreInternals
  source: SessionSource
  clock: Clock
  locks: Locks
  wake: WakeSource
  lockName: string
  options: RefreshOptions
  isOnline: () => boolean
  random: () => number
  emit: (event: SessionEvent) => void
}

export interface RefreshScheduler {
  start(): () => void
  /** Refreshes now unless another tab just did (single-flight in this tab, one tab at a time across tabs). */
  refresh(options?: { force?: boolean }): Promise<void>
  getAccessToken(): Promise<string>
  /** Local ms when the next refresh is due, or null. */
  nextRefreshAt(): number | null
  /** Recomputes the timer from the record held now (a change held in memory fires no change event). */
  reschedule(): void
}

const live = (record: StoredRecord | null): record is StoredRecord & { session: NonNullable<StoredRecord['session']> } =>
  !!record?.session && !record.ended && record.session.status === 'active'

/**
 * Whether `current` still holds the credentials `base` was refreshed with.
 * Other writes (activity, app patches) may have landed meanwhile and must not
 * make a refresh's rotated tokens be thrown away; a newer sign-in, a logout or
 * another tab's refresh must.
 */
const sameLineage = (current: StoredRecord | null, base: StoredRecord): current is StoredRecord & { session: NonNullable<StoredRecord['session']> } =>
  live(current) && current.session.sessionId === base.session!.sessionId && current.session.refreshToken === base.session!.refreshToken

const PENDING_END_RECHECK_MS = 1000
// A refresh answer that could not be stored is written again before the lock
// is let go: the next tab to take it reads the refresh token from storage, and
// the stored one may already be spent.
const STORE_RETRY_MS = [100, 500, 2000]

export function createRefreshScheduler(deps: RefreshSchedulerDeps): RefreshScheduler {
  const { store, internals, source, clock, options } = deps
  const timing: RefreshTiming = {
    leadMs: options.leadMs ?? 60_000,
    leadFraction: options.leadFraction ?? 0.2,
    minIntervalMs: options.minIntervalMs ?? 5000,
  }
  let timer: unknown = null
  let running = false
  let inFlight: Promise<void> | null = null
  // When this tab last came back online: a backoff written before then is ignored once.
  let onlineAt = Number.NEGATIVE_INFINITY
  // This tab's own backoff, in case the shared one could not be written; it
  // holds for the credentials that failed only (not for a newer sign-in).
  let localRetry: { at: number; base: StoredRecord; failures: number } | null = null

  const dueAt = () => {
    const record = internals.currentRecord()
    const due = refreshDueAt(record, timing)
    return due === null ? null : Math.max(due, retryAt(record))
  }

  /** The backoff that applies to `record`: the browser-wide one stored in it, or this tab's own. */
  const retryAt = (record: StoredRecord | null) => {
    const shared = record && (record.refreshFailedAt ?? 0) > onlineAt ? (record.refreshRetryAt ?? 0) : 0
    return Math.max(shared, localFor(record)?.at ?? 0)
  }
  const localFor = (record: StoredRecord | null) => (localRetry && sameLineage(record, localRetry.base) ? localRetry : null)

  const arm = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    if (!running) return
    const at = dueAt()
    // The timer is only a hint (background tabs throttle it, laptops sleep):
    // each firing and each wake-up re-checks the wall clock.
    if (at !== null) timer = clock.setTimeout(check, Math.max(0, at - clock.now()))
  }

  function check() {
    // Also called directly on a wake-up, with a timer still pending.
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    if (!running) return
    const record = internals.currentRecord()
    if (!live(record)) return
    const at = dueAt()
    if (at === null || clock.now() < at) return arm()
    // A logout announced by another tab is pending (shown, not yet stored): look again shortly.
    if (store.getState().status !== 'authenticated') return void (timer = clock.setTimeout(check, PENDING_END_RECHECK_MS))
    if (deps.isOnline()) return void refresh().catch(() => {})
    // Offline: the `online` wake-up retries at once; this slow poll covers
    // browsers whose online event is unreliable.
    timer = clock.setTimeout(check, options.retryMaxMs ?? 60_000)
  }

  /** Inside the cross-tab lock: re-read storage, and refresh only if still due. */
  const refreshUnderLock = async (force: boolean): Promise<void> => {
    await store.reconcile()
    const record = internals.currentRecord()
    // Not while this tab shows the session ended (another tab announced a
    // logout whose tombstone is on its way): a refresh now would write the
    // session back to life.
    if (!live(record) || store.getState().status !== 'authenticated') return
    const now = clock.now()
    if (refreshTokenExpired(record, now)) {
      await endFor(record, new RefreshError('refresh-token-expired', 'The refresh token has expired'))
      return
    }
    const due = refreshDueAt(record, timing)
    // Another tab refreshed while we waited for the lock: nothing to do.
    if (!force && (due === null || now < due)) return
    // A failure a moment ago (in any tab, or in this one if it could not store it) set a backoff.
    if (!force && retryAt(record) > now) return
    let result: SourceResult
    try {
      result = await callSource(source, record, options.timeoutMs ?? 15_000, clock)
      // A source's answer is untrusted input: storing an invalid one would make every tab read it back as corrupt.
      result = { ...result, session: parseSession(result.session) }
    } catch (cause) {
      const error = classify(cause)
      // Counted in this tab too, in case the count could not be stored: the backoff must still grow.
      const attempt = Math.max(record.refreshFailures ?? 0, localFor(record)?.failures ?? 0) + 1
      deps.emit({ type: 'refresh-failed', error, attempt })
      if (error.definitive) await endFor(record, error)
      else await backOff(record, attempt)
      throw error
    }
    const obtainedAt = clock.now()
    localRetry = null
    const build = (current: StoredRecord | null) => {
      // Only on top of the credentials we refreshed: never after a logout, a new sign-in or another tab's refresh.
      if (!sameLineage(current, record)) return null
      // Nor over a logout another tab announced meanwhile (shown here, its tombstone on the way):
      // a newer generation would keep it from being confirmed. The user asked to be signed out.
      if (store.getState().status !== 'authenticated') return null
      const session = mergeSession(record.session, current.session, result.session)
      const { refreshRetryAt: _retry, refreshFailures: _failures, refreshFailedAt: _failed, ...rest } = current
      const clockSkewMs = finiteOrUndefined(result.clockSkewMs) ?? current.clockSkewMs
      return { ...rest, session, clockSkewMs, tokensObtainedAt: obtainedAt, reason: 'refresh' as const }
    }
    let written = await internals.commit(build, 'refresh')
    for (const wait of STORE_RETRY_MS) {
      if (written.ok || !written.error || !running) break
      await new Promise<void>((resolve) => clock.setTimeout(resolve, wait))
      if (!running) break
      written = await internals.commit(build, 'refresh')
    }
    if (written.ok) deps.emit({ type: 'refreshed', generation: written.record.generation })
    else if (written.error) {
      // Storage failed, the provider did not: the new (possibly rotated) tokens
      // are the only valid ones now. Dropping them would send the spent refresh
      // token next time, and invalid_grant would sign the user out.
      const next = build(internals.currentRecord())
      if (next) internals.holdLocally(next)
    }
  }

  /** Stores the next retry time in the record, so every tab waits it out (only on top of the record that failed). */
  const backOff = async (record: StoredRecord, attempt: number) => {
    const delay = backoffDelay(attempt, options.retryBaseMs ?? 1000, options.retryMaxMs ?? 60_000, deps.random)
    const now = clock.now()
    localRetry = { at: now + delay, base: record, failures: attempt }
    await internals.commit(
      (current) =>
        sameLineage(current, record)
          ? { ...current, refreshRetryAt: now + delay, refreshFailedAt: now, refreshFailures: attempt, reason: 'refresh-retry' }
          : null,
      'refresh-retry',
    )
  }

  const endFor = async (record: StoredRecord, error: RefreshError) => {
    // Only if nobody moved the record on meanwhile: a tab that lost a race
    // must never sign everyone out with a stale refresh token's error.
    await store.end('token-expired', { onlyIf: (session) => session.sessionId === record.session!.sessionId && session.refreshToken === record.session!.refreshToken })
    if (error.code === 'refresh-token-expired') deps.emit({ type: 'refresh-failed', error, attempt: 1 })
  }

  let inFlightForced = false
  const refresh = (refreshOptions: { force?: boolean } = {}): Promise<void> => {
    const force = !!refreshOptions.force
    // A forced refresh must really happen: one in flight may decide "not due" and do nothing.
    if (inFlight && force && !inFlightForced) return inFlight.catch(() => {}).then(() => refresh(refreshOptions))
    if (inFlight) return inFlight
    inFlightForced = force
    inFlight = deps.locks
      .request(deps.lockName, () => refreshUnderLock(force))
      .finally(() => {
        inFlight = null
        arm()
      })
    return inFlight
  }

  const validToken = () => validAccessToken(internals.currentRecord(), clock.now())

  return {
    start() {
      running = true
      const unsubscribeStore = store.on((event) => {
        if (event.type === 'change') arm()
      })
      const unsubscribeWake = deps.wake.subscribe((reason) => {
        // Back online: retry at once instead of waiting out the backoff.
        if (reason === 'online') {
          onlineAt = clock.now()
          localRetry = null
        }
        check()
      })
      arm()
      return () => {
        running = false
        unsubscribeStore()
        unsubscribeWake()
        if (timer !== null) clock.clearTimeout(timer)
        timer = null
      }
    },
    refresh,
    nextRefreshAt: dueAt,
    reschedule: () => arm(),
    async getAccessToken() {
      await store.whenHydrated()
      if (inFlight) await inFlight.catch(() => {})
      const token = validToken()
      if (token !== null) return token
      if (!live(internals.currentRecord())) throw new AuthSessionError('not-authenticated', 'There is no signed-in session')
      // Not forced: if another tab refreshed while we waited for the lock, its tokens are used.
      await refresh()
      const fresh = validToken()
      if (fresh !== null) return fresh
      if (live(internals.currentRecord())) {
        throw new RefreshError('refresh-deferred', 'The access token has expired and the refresh is backing off after failures')
      }
      throw new AuthSessionError('not-authenticated', 'The session ended while it was being refreshed')
    },
  }
}
