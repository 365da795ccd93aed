import { AuthSessionError, RefreshError } from './errors'
import { backoffDelay, refreshDueAt, refreshTokenExpired, validAccessToken, type RefreshTiming } from './refresh-policy'
import type { RefreshCallOptions, RefreshScheduler, RefreshSchedulerDeps } from './refresh-types'
import { createAnswerWriter, sameLineage } from './refresh-answer'
import { callSource, classify, usableSession } from './refresh-call'
import { createUnsavedAnswerFlag } from './unsaved-answer-flag'
import type { SourceResult } from './source'
import { REVOKE_REASONS } from './session'
import { live, type LiveRecord, type StoredRecord } from './stored-record'

export type { RefreshOptions, RefreshScheduler, RefreshSchedulerDeps } from './refresh-types'

const PENDING_END_RECHECK_MS = 1000

export function createRefreshScheduler(deps: RefreshSchedulerDeps): RefreshScheduler {
  const { store, internals, source, clock, options } = deps
  const timing: RefreshTiming = {
    leadMs: options.leadMs ?? 60_000,
    leadFraction: options.leadFraction ?? 0.2,
    minIntervalMs: options.minIntervalMs ?? 5000,
    revalidateAfterMs: options.revalidateAfterMs ?? Infinity,
  }
  const retryMaxMs = options.retryMaxMs ?? 60_000
  let timer: unknown = null
  let running = false
  let inFlight: Promise<void> | null = null
  // When this tab last came back online: a backoff written before then is ignored once.
  let onlineAt = -Infinity
  // This tab's own backoff, in case the shared one could not be written; it
  // holds for the credentials that failed only (not for a newer sign-in).
  // With the failure that set it (never a deferral): the cause a refresh-deferred gives, offline told from a failing provider.
  let localRetry: { at: number; base: StoredRecord; failures: number; error?: RefreshError | undefined } | null = null
  const answers = createAnswerWriter({ internals, clock, emit: deps.emit })
  const unsaved = createUnsavedAnswerFlag({
    locks: deps.locks,
    prefix: `${deps.lockName}:unsaved`,
    clock,
    stillUnsaved: (base) => abandonedFor(base) || (internals.hasUnsavedChange() && newerTokensHeld(base)),
    onStoreEvent: (listener) => store.on(listener),
  })

  const dueAt = () => {
    const record = internals.currentRecord()
    const due = refreshDueAt(record, timing, clock.now())
    return due === null ? null : Math.max(due, retryAt(record))
  }

  /** The backoff that applies to `record`: the browser-wide one stored in it, or this tab's own. */
  const retryAt = (record: StoredRecord | null) => {
    const stored = record?.refreshRetryAt ?? 0
    // One further ahead than the longest backoff was timed by a clock since set back (or is nonsense): not kept.
    const shared = record && (record.refreshFailedAt ?? 0) > onlineAt && stored <= clock.now() + retryMaxMs ? stored : 0
    return Math.max(shared, localFor(record)?.at ?? 0)
  }
  const localFor = (record: StoredRecord | null) => (localRetry && sameLineage(record, localRetry.base) ? localRetry : null)

  const arm = () => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    if (!running) return
    followClock()
    const at = dueAt()
    // The timer is only a hint (background tabs throttle it, laptops sleep):
    // each firing and each wake-up re-checks the wall clock.
    if (at !== null) timer = clock.setTimeout(check, Math.max(0, at - clock.now()))
  }

  /** The wall clock set back: this tab's backoff and online time follow it, as the record does (clock-set-back.ts). */
  internals.clockFollower.onSetBack((back) => {
    if (localRetry) localRetry = { ...localRetry, at: localRetry.at - back }
    onlineAt -= back
  })
  const followClock = () => internals.clockFollower.check()

  function check() {
    // Also called directly on a wake-up, with a timer still pending.
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    if (!running) return
    followClock()
    const record = internals.currentRecord()
    if (!live(record)) return
    const at = dueAt()
    if (at === null || clock.now() < at) return arm()
    // A logout announced by another tab (shown, not yet stored) or by this one (about to be written) is pending: look again shortly.
    if (store.getState().status !== 'authenticated' || internals.logoutPending()) return void (timer = clock.setTimeout(check, PENDING_END_RECHECK_MS))
    if (deps.isOnline()) return void refresh().catch(() => {})
    // Offline: the `online` wake-up retries at once; this slow poll covers
    // browsers whose online event is unreliable.
    timer = clock.setTimeout(check, retryMaxMs)
  }

  /** Inside the cross-tab lock: re-read storage, and refresh only if still due. */
  const refreshUnderLock = async (force: boolean, refused?: string): Promise<void> => {
    await store.reconcile()
    const record = internals.currentRecord()
    // Not while this tab shows the session ended (another tab announced a
    // logout whose tombstone is on its way): a refresh now would write the
    // session back to life. Nor once the token an API refused is replaced (by another tab, or a refresh in flight here).
    if (!live(record) || store.getState().status !== 'authenticated' || internals.logoutPending() || (refused !== undefined && record.session.accessToken !== refused)) return
    const now = clock.now()
    const expired = refreshTokenExpired(record, now)
    if (!expired) {
      const due = refreshDueAt(record, timing, now)
      // Another tab refreshed while we waited for the lock: nothing to do.
      if (!force && (due === null || now < due)) return
      // A failure a moment ago (in any tab, or in this one if it could not store it) set a backoff.
      if (!force && retryAt(record) > now) return
    }
    // Counted in this tab too, in case the count could not be stored: the backoff must still grow.
    const attempt = Math.max(record.refreshFailures ?? 0, localFor(record)?.failures ?? 0) + 1
    // Newer tokens may exist that storage does not hold: an answer another tab
    // could not store, or this tab's own call still outstanding past its
    // timeout. The stored refresh token (and its expiry) may be spent: wait.
    if (abandonedFor(record) || (await unsaved.elsewhere(record))) {
      const cause = localFor(record)?.error
      throw failLocally(record, attempt, new RefreshError('refresh-deferred', 'Newer tokens than the stored ones are not stored yet (another tab, or a request still outstanding)', { cause }))
    }
    if (expired) {
      // Ends the session, and the caller of refresh() or getAccessToken() learns why, as with any definitive failure.
      const error = new RefreshError('refresh-token-expired', 'The refresh token has expired')
      await endFor(record, error)
      throw error
    }
    let result: SourceResult
    try {
      result = await callSource(source, record, options.timeoutMs ?? 15_000, clock, (call) => awaitAbandoned(record, call))
    } catch (cause) {
      const error = classify(cause)
      deps.emit({ type: 'refresh-failed', error, attempt })
      if (error.definitive) await endFor(record, error)
      else await backOff(record, attempt, error)
      throw error
    }
    // Untrusted input: an invalid field is never stored (every tab would read
    // the record back as corrupt), but the answer's valid tokens are, with a backoff.
    const { session, invalid } = usableSession(record.session, result.session)
    const failure = invalid ? classify(invalid) : null
    await storeAnswer(record, { ...result, session }, failure ? attempt : 0, failure ?? undefined)
    if (failure) {
      deps.emit({ type: 'refresh-failed', error: failure, attempt })
      throw failure
    }
  }

  /**
   * A source that ignored the abort answered after the scheduler gave up:
   * the provider has rotated the refresh token, so the answer is stored
   * (outside the lock, but only over the record it refreshed) rather than lost.
   */
  const storeLateAnswer = async (record: LiveRecord, late: SourceResult) => {
    if (typeof late !== 'object' || late === null) return
    const { session, invalid } = usableSession(record.session, late.session)
    await storeAnswer(record, { ...late, session }, invalid ? (localFor(record)?.failures ?? 0) + 1 : 0).catch(() => {})
  }
  /** Until the abandoned call settles, no tab sends the refresh token it carried (see unsaved-answer-flag.ts). */
  let abandoned: { base: LiveRecord; settled: Promise<void> } | null = null
  /** A call abandoned with `base`'s refresh token is still outstanding (it only matters while that token is the stored one). */
  const abandonedFor = (base: LiveRecord) => !!abandoned && sameLineage(base, abandoned.base)
  /** This tab holds a live session of `base`'s lineage with another refresh token than `base`'s. */
  const newerTokensHeld = (base: LiveRecord) => {
    const mine = internals.currentRecord()
    return live(mine) && mine.session.sessionId === base.session.sessionId && mine.session.refreshToken !== base.session.refreshToken
  }
  const awaitAbandoned = (record: LiveRecord, call: Promise<SourceResult>) => {
    unsaved.flag(record)
    const settled = call.then((late) => storeLateAnswer(record, late), () => {}).then(() => {
      if (abandoned === entry) abandoned = null
      unsaved.recheck()
    })
    const entry = { base: record, settled }
    abandoned = entry
  }

  /** Stores a refresh answer; `failures` > 0 stores a backoff with it (the answer was only partly usable). */
  const storeAnswer = async (record: LiveRecord, result: SourceResult, failures: number, error?: RefreshError) => {
    const now = clock.now()
    const at = failures > 0 ? backoffFrom(now, failures) : 0
    localRetry = failures > 0 ? { at, base: { ...record, session: result.session }, failures, error } : null
    const outcome = await answers.write(record, result, now, failures > 0 ? { refreshRetryAt: at, refreshFailedAt: now, refreshFailures: failures } : undefined)
    if (outcome === 'unsaved') unsaved.flag(record)
  }

  const backoffFrom = (now: number, attempt: number) =>
    now + backoffDelay(attempt, options.retryBaseMs ?? 1000, retryMaxMs, deps.random)
  /** Stores the next retry time in the record, so every tab waits it out (only on top of the record that failed). */
  const backOff = async (record: StoredRecord, attempt: number, error: RefreshError) => {
    const now = clock.now()
    const at = backoffFrom(now, attempt)
    localRetry = { at, base: record, failures: attempt, error }
    await internals.commit(
      (current) =>
        // Refused (like every write) while another tab's announced logout is pending: the backoff then lives in localRetry only.
        sameLineage(current, record) ? { ...current, refreshRetryAt: at, refreshFailedAt: now, refreshFailures: attempt, reason: 'refresh-retry' } : null,
      'refresh-retry',
    )
  }

  const endFor = async (record: StoredRecord, error: RefreshError) => {
    // Only if nobody moved the record on meanwhile: a tab that lost a race
    // must never sign everyone out with a stale refresh token's error.
    // A reason outside the schema (a source in plain JavaScript) must not stop the end.
    const reason = REVOKE_REASONS.includes(error.revokeReason!) ? error.revokeReason! : 'token-expired'
    await store.end(reason, { onlyIf: (session) => session.sessionId === record.session!.sessionId && session.refreshToken === record.session!.refreshToken })
    if (error.code === 'refresh-token-expired') deps.emit({ type: 'refresh-failed', error, attempt: 1 })
  }

  /**
   * A failure outside the source call (the lock or storage refused): typed,
   * and backed off like a transient failure, so the timer never spins.
   */
  const couldNotRun = (cause: unknown): RefreshError => {
    const record = internals.currentRecord()
    const attempt = (localFor(record)?.failures ?? 0) + 1
    return failLocally(record, attempt, new RefreshError('refresh-network', `The refresh could not run: ${(cause as Error)?.message ?? String(cause)}`, { cause }))
  }
  /** A failure that backs off in this tab only (nothing is written): reported, and returned to be thrown. */
  const failLocally = (record: StoredRecord | null, attempt: number, error: RefreshError): RefreshError => {
    // A deferral is no failure of the provider's: the one before it stays the cause.
    if (record) localRetry = { at: backoffFrom(clock.now(), attempt), base: record, failures: attempt, error: error.code === 'refresh-deferred' ? localFor(record)?.error : error }
    deps.emit({ type: 'refresh-failed', error, attempt })
    return error
  }

  let inFlightForced: true | string | null = null // what the refresh in flight does even if not due: anything, a refused token's, nothing
  const refresh = (refreshOptions: RefreshCallOptions = {}): Promise<void> => {
    const forced = refreshOptions.refused ?? (refreshOptions.force ? true : null)
    // A forced refresh must really happen: one in flight may decide "not due" (or "that token is replaced") and do nothing; one forced as far does what it would.
    if (inFlight && forced !== null && inFlightForced !== true && inFlightForced !== forced) return inFlight.catch(() => {}).then(() => refresh(refreshOptions))
    if (inFlight) return inFlight
    inFlightForced = forced
    inFlight = Promise.resolve()
      .then(() => deps.locks.request(deps.lockName, () => refreshUnderLock(forced !== null, refreshOptions.refused)))
      .catch((cause: unknown) => {
        throw cause instanceof AuthSessionError ? cause : couldNotRun(cause)
      })
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
    destroy: () => {
      answers.destroy()
      // A request still out may carry the only valid refresh token: the other tabs keep waiting for it until it settles.
      if (abandoned) void abandoned.settled.then(() => unsaved.destroy())
      else unsaved.destroy()
    },
    async getAccessToken() {
      await store.whenHydrated()
      followClock()
      await internals.clockFollower.settled()
      if (inFlight) await inFlight.catch(() => {})
      // What the tab shows decides: while another tab's announced logout waits
      // for its tombstone, the record still holds a token, but none goes out.
      const signedIn = () => store.getState().status === 'authenticated' && !internals.logoutPending() && live(internals.currentRecord())
      if (!signedIn()) throw new AuthSessionError('not-authenticated', 'There is no signed-in session')
      const token = validToken()
      if (token !== null) return token
      // Not forced: if another tab refreshed while we waited for the lock, its tokens are used.
      await refresh()
      if (!signedIn()) throw new AuthSessionError('not-authenticated', 'The session ended while it was being refreshed')
      const fresh = validToken()
      if (fresh !== null) return fresh
      // Either a backoff, or tokens shorter-lived than minIntervalMs (a refresh loop guard): say both; the
      // failure behind a backoff is the cause, where this tab saw it (offline, or the provider failing).
      const cause = retryAt(internals.currentRecord()) > clock.now() ? localFor(internals.currentRecord())?.error : undefined
      throw new RefreshError('refresh-deferred', 'The access token has expired and no refresh may run yet (backing off after failures, or within refresh.minIntervalMs of the last refresh)', { cause })
    },
  }
}
