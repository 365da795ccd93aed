import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import { StorageError, isQuotaError, type AuthSessionError } from './errors'
import type { SessionPersistence } from './persistence'
import { statusOf } from './record-actions'
import type { AuthenticationSession } from './session'
import type { SessionEvent, SessionStatus } from './session-events'
import type { Build, CommitResult, SessionState } from './store-types'
import { decodeOrBad, forQuarantine, rawEpoch, rawGeneration, rawVersion, type ChangeReason, type Migrate, type StoredRecord } from './stored-record'
import { createShownActivity } from './shown-activity'
import { keepEqual } from './keep-equal'
import { createUnsavedChange } from './unsaved-change'
import { createRetrySchedule } from './retry-schedule'
import { loginGenerationOf, nextGeneration } from './login-lineage'

export interface HeldRecordDeps {
  persistence: SessionPersistence
  state: StoreApi<SessionState>
  emit(event: SessionEvent): void
  version: number
  migrate?: Migrate
  /** Tells the other tabs a write landed (no content: they re-read storage). */
  announce(record: StoredRecord, reason: ChangeReason): void
  newEpoch(): string
  clock: Clock
  /** A change is now held in memory only (not announced as a stored change); the refresh timer must follow it. */
  onHeldLocally(): void
  /** This tab announced a logout and is about to write its tombstone (see record-actions.ts). */
  endingHere(): boolean
  /** A record to show ended instead: a noted logout's (unfinished-logout.ts), a later one of a login being ended (provisional-end.ts), an idle end's (idle-end.ts). */
  endedView(record: StoredRecord, source: 'local' | 'remote'): AuthenticationSession | null
}

const UNREADABLE: string[] = ['storage-read-failed', 'storage-migrate-failed', 'storage-future-version']

/**
 * The record this tab holds, and the only ways it changes: adopting a newer
 * stored record, or a write decided inside the storage transaction against
 * the record actually stored (compare-and-set on the generation).
 */
export function createHeldRecord(deps: HeldRecordDeps) {
  const { persistence, state, emit, version } = deps
  let held: StoredRecord | null = null
  const unsaved = createUnsavedChange()
  const retry = createRetrySchedule(deps.clock, () => offerAgain())
  let stopped = false
  // Storage holds a newer app version's record: nothing this tab holds may be kept or retried until it adopts a record again.
  let yielded = false
  // Counts changes to `held`: a read that overlapped one may predate this tab's own write.
  let changes = 0
  const hold = (record: StoredRecord | null) => {
    held = record
    changes += 1
  }
  // Activity shown but perhaps not written yet (writes are throttled): see shown-activity.ts.
  const activity = createShownActivity()
  // statusOf() says signed in only for a record with a live session, as the state's type requires. What the
  // record did not change stays the object shown (storage reads are clones), so selections of it keep their identity.
  const show = (status: SessionStatus, session: AuthenticationSession | null, extra?: { error: null }) =>
    state.setState({ status, session: keepEqual(state.getState().session, activity.apply(session, status)), ...extra } as SessionState)

  const reportError = (error: AuthSessionError) => {
    state.setState({ error })
    emit({ type: 'error', error })
  }

  /** Applies a record if it is newer than what this tab holds. Generations never go back within one epoch. */
  const adopt = (record: StoredRecord, source: 'local' | 'remote', reason?: ChangeReason | 'hydrate') => {
    // Another epoch: storage was wiped (site data cleared, eviction) and written
    // anew, so generations restarted and this tab's count no longer applies.
    const restarted = !!held && held.generation > 0 && record.epoch !== held.epoch
    if (!restarted && record.generation <= (held?.generation ?? 0)) return false
    yielded = false
    hold(record)
    const ended = deps.endedView(record, source)
    const status = ended ? 'unauthenticated' : statusOf(record)
    // Signed in clears the last error; memory-only storage stands until storage recovers.
    show(status, ended ?? record.session, status === 'authenticated' && state.getState().error?.code !== 'storage-unavailable' ? { error: null } : undefined)
    emit({ type: 'change', source, reason: reason ?? record.reason, status, generation: record.generation })
    return true
  }

  /**
   * Storage failed (or must wait): hold this change in memory (same generation, so any newer stored record
   * still wins). `show: false` keeps what the tab shows, e.g. an announced logout not yet confirmed.
   */
  const holdLocally = (next: Omit<StoredRecord, 'version' | 'generation'>, options: { show?: boolean } = {}) => {
    if (stopped || yielded) return
    unsaved.keep(next, held)
    const record: StoredRecord = { ...next, version, generation: held?.generation ?? 0, epoch: held?.epoch }
    hold(record)
    const status = statusOf(record)
    if (options.show !== false) show(status, record.session)
    deps.onHeldLocally()
    retryLater()
  }

  /** Offers the unsaved change to storage again, until it lands or storage has moved on from its session. */
  const retryLater = () => {
    if (!stopped && unsaved.has()) retry.later()
  }
  /**
   * An announced logout waits for its tombstone: another tab's, shown here while this tab still holds the
   * live record, or this tab's own. No other write may move the generation meanwhile.
   */
  const logoutPending = () =>
    (state.getState().status === 'unauthenticated' && statusOf(held) === 'authenticated') || deps.endingHere()
  function offerAgain() {
    if (!unsaved.has()) return retry.landed()
    // The confirm decides first; if the logout does not land, it offers the change at once (retryUnsavedNow).
    if (logoutPending()) return retryLater()
    void commit((current) => {
      // `current` already has the change folded in, unless storage moved on (then there is nothing to write).
      if (!current || !unsaved.has()) return null
      const { version: _version, generation: _generation, ...rest } = current
      return rest
    }, unsaved.reason()).then((result) => (result.ok || !unsaved.has() ? retry.landed() : retryLater()))
  }
  /** Offers the unsaved change now (what it waited for has passed), then on the usual schedule. */
  const retryUnsavedNow = () => {
    if (!stopped && unsaved.has()) retry.now()
  }
  /** An end shown ahead of storage did not land: show the held record again (or another end still shown), and write what waited for it (logoutPending). */
  const showHeld = () => {
    const ended = held && deps.endedView(held, 'local')
    const status = ended ? 'unauthenticated' : statusOf(held)
    if (state.getState().status !== status) show(status, ended || (held?.session ?? null))
    if (status === 'authenticated') retryUnsavedNow()
  }

  const forgetUnsaved = () => void (unsaved.clear(), retry.reset())

  const decodeOrReport = (raw: unknown) => decodeOrBad(raw, version, deps.migrate)

  const commit = async (build: Build, reason: ChangeReason): Promise<CommitResult> => {
    const heldAtStart = held?.generation ?? 0
    let result: CommitResult
    let quarantined: StorageError | undefined
    let buildError: { error: unknown } | undefined
    try {
      result = await persistence.update<CommitResult>((raw) => {
        const { record: stored, bad } = decodeOrReport(raw)
        // A newer app version wrote it (a deploy with old tabs still open): it
        // is theirs to read, never ours to overwrite or move aside.
        if (bad?.code === 'storage-future-version') {
          const epoch = rawEpoch(raw)
          const newer = { generation: rawGeneration(raw), ...(epoch ? { epoch } : {}) }
          return { result: { ok: false, current: null, error: bad, newer } }
        }
        // What this tab could not store earlier rides along with this write.
        const current = unsaved.foldInto(stored) ?? stored
        // A corrupt record is moved aside; one that `migrate` failed on stays for a fixed deploy (a sign-in or clear may replace it).
        quarantined = bad?.code === 'storage-corrupt' ? bad : undefined
        const quarantine = quarantined ? { quarantine: forQuarantine(raw) } : {}
        let next: ReturnType<Build>
        try {
          next = build(current)
        } catch (error) {
          // The caller's input was bad (an invalid patch): nothing is written, and the error is theirs.
          buildError = { error }
          next = null
        }
        // The one rule every writer meets, checked inside the transaction:
        // while another tab's announced logout waits for its tombstone, no
        // write may keep that session live (a newer generation would cancel
        // the logout). Its tombstone, a sign-in (even into the same IdP
        // session, same sessionId) or a clear may land.
        if (next && reason !== 'sign-in' && reason !== 'clear' && logoutPending() && !next.ended && next.session?.sessionId === held?.session?.sessionId) next = null
        if (!next) return { result: { ok: false, current }, ...quarantine }
        const last = Math.max(current?.generation ?? rawGeneration(raw), held?.generation ?? 0)
        const generation = nextGeneration(last)
        const base = generation > last ? stored : null // its epoch is kept; an empty key or a restarted count starts one
        const loginGeneration = loginGenerationOf(reason === 'sign-in' || unsaved.startsLogin(), next.session, base, generation)
        const record: StoredRecord = { ...next, version, generation, reason, epoch: base ? base.epoch : deps.newEpoch(), loginGeneration }
        return { next: record, result: { ok: true, record }, ...quarantine }
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
      forgetUnsaved() // whatever was unsaved was folded into what was just written
      adopt(result.record, 'local')
      deps.announce(result.record, reason)
    } else if (result.error) {
      // Only a newer app version's record puts an error here (a failed write returned above).
      await stopUsing(result.error as StorageError)
    } else {
      if (result.current) adopt(result.current, 'remote')
      else if (held && held.generation > 0) void reconcile() // nothing readable where this tab read a record: wiped, or bad (see reconcile)
      emit({ type: 'write-refused', reason, heldGeneration: heldAtStart, currentGeneration: result.current?.generation ?? 0 })
    }
    return result
  }

  /**
   * A record this tab cannot read but must not move: a newer app version's (stays for the tabs that can read it,
   * a copy without tokens goes to the quarantine key; nothing of this tab's is written meanwhile) or an older one
   * `migrate` failed on. Stop using what this tab holds (its tokens may be rotated away).
   */
  const stopUsing = async (bad: StorageError) => {
    yielded = bad.code === 'storage-future-version'
    forgetUnsaved()
    hold(null)
    show('unauthenticated', null)
    if (state.getState().error?.code === bad.code) return
    reportError(bad)
    if (!yielded) return
    const keepCopy = (raw: unknown) => ({ result: null, ...(rawVersion(raw) > version ? { quarantine: forQuarantine(raw) } : {}) })
    // Through then(): an app's persistence may answer a value, or throw at once (plain JavaScript over a synchronous store).
    await Promise.resolve().then(() => persistence.update(keepCopy)).catch(() => {})
  }

  /** Moves a corrupt record aside (kept, never deleted, tokens redacted) and starts clean. */
  const repair = async (bad: StorageError) => {
    const result = await commit((current) => (current ? null : { session: null, ended: false, reason: 'repair' }), 'repair')
    if (!held) show('unauthenticated', null)
    // Another tab may have moved it aside first; this tab still saw it, so say so once.
    if (!result.quarantined) reportError(bad)
  }

  /** The key is gone though this tab read a record (site data cleared, database deleted): so is the session, unless a sign-in waits to be stored. */
  const wiped = () => {
    forgetUnsaved()
    hold(null)
    show('unauthenticated', null)
    emit({ type: 'change', source: 'remote', reason: 'clear', status: 'unauthenticated', generation: 0 })
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
        let raw: unknown
        const changesBefore = changes
        try {
          raw = await persistence.read()
        } catch (cause) {
          // Says nothing about the record; the next wake-up or message reads again. Before the first read, the tab says why it shows signed out.
          if (state.getState().status === 'loading') reportError(new StorageError('storage-read-failed', 'Reading the stored session failed', { cause }))
          continue
        }
        // This tab wrote (or adopted) while the read was in flight: its answer may be older than what we hold.
        if (changes !== changesBefore) {
          reconcileAgain = true
          continue
        }
        const { record, bad } = decodeOrReport(raw)
        // Read and decoded: an earlier failure to read, migrate or understand the record no longer stands.
        if (!bad && UNREADABLE.includes(state.getState().error?.code ?? '')) state.setState({ error: null })
        // A sign-in or clear held in memory replaces a record `migrate` failed on, once stored: it stays shown.
        if (bad?.code === 'storage-migrate-failed' && unsaved.foldInto(null)) continue
        if (bad && bad.code !== 'storage-corrupt') await stopUsing(bad)
        else if (bad) await repair(bad)
        else if (record) adopt(unsaved.foldInto(record) ?? record, 'remote', reason)
        else if (held && held.generation > 0 && !unsaved.foldInto(null)) wiped()
      } while (reconcileAgain)
    })().finally(() => (reconciling = null))
    return reconciling
  }

  return {
    held: () => held,
    /** Forgets the held record (its generations belong to storage this tab no longer uses). */
    forget: () => {
      const previous = held
      forgetUnsaved()
      hold(null)
      return previous
    },
    stop: () => {
      stopped = true
      retry.reset()
    },
    holdLocally,
    retryUnsavedNow,
    showHeld,
    logoutPending,
    /** This tab shows a sign-in it could not store yet; messages about the stored generation are about the session it replaced. */
    holdsUnstoredSignIn: unsaved.replacesStored,
    hasUnsavedChange: unsaved.has,
    shownActivity: activity,
    commit,
    reconcile,
  }
}
