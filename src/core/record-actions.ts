import type { StoreApi } from 'zustand/vanilla'
import { serverNow, type Clock } from './clock'
import { createActivityWrites, type ActivityWrites } from './activity-writes'
import { createActivityNote } from './activity-note'
import { checkOptions } from './argument-checks'
import { createClockFollower, type ClockFollower } from './clock-set-back'
import type { ShownActivity } from './shown-activity'
import { deliveryGrace } from './delivery-grace'
import { AuthSessionError, SessionParseError } from './errors'
import type { JournaledLogout, LogoutJournal } from './logout-journal'
import { describe } from './json-data'
import { same } from './merge-session'
import { parseActiveSession, parseSession } from './parse-session'
import { recordStatusFor, REVOKE_REASONS, type AuthenticationSession, type RevokeReason } from './session'
import type { SessionStatus } from './session-events'
import type { CommitResult, EndSessionOptions, SessionState, SessionStore, SessionStoreInternals } from './store-types'
import { live, tombstoneOf, type StoredRecord } from './stored-record'
import type { WakeSource } from './wake'

export const statusOf = (record: Pick<StoredRecord, 'session' | 'ended'> | null): SessionStatus => (live(record) ? 'authenticated' : 'unauthenticated')

export const liveSession = (record: StoredRecord | null) => (record && !record.ended ? record.session : null)

/** How an end is carried out, beyond what the caller asked for. */
export interface EndHow {
  /** When the session ended (default now, on the server's clock like the session's other times). */
  revokedAt?: string
  /** Tell the other tabs first (default true). */
  announce?: boolean
  /** A visible tab waits a frame before writing (default true; see delivery-grace.ts). */
  grace?: boolean
  /** Wait until the stored record was read (default true). */
  afterHydration?: boolean
  /**
   * The end is of the login, not of one record (default: when the caller set
   * no condition). Its announcement and note then name the login, so the
   * other tabs and the next page apply it to a later record of that login
   * too (login-lineage.ts); a conditional end (onlyIf, expectedGeneration)
   * must reach only the record it was decided on.
   */
  wholeLogin?: boolean
  /** The end applies to the stored record only if this holds, checked inside the transaction (a caller that has seen what it ends). */
  applies?(current: StoredRecord): boolean
}

export interface RecordActionDeps {
  state: StoreApi<SessionState>
  clock: Clock
  commit: SessionStoreInternals['commit']
  /** The record this tab holds (the newest generation it has seen). */
  held(): StoredRecord | null
  /** Starts hydration if needed; null once hydrated, so a hydrated tab acts without yielding (a logout is announced in the same task). */
  ensureHydration(): Promise<void> | null
  /** Tells the other tabs; false when no channel could carry it (none given, or no BroadcastChannel). */
  post(message: unknown): boolean
  tabId: string
  activityWriteIntervalMs: number
  holdLocally: SessionStoreInternals['holdLocally']
  /** The activity shown (perhaps not written yet), kept shown over records of the same session with an earlier time. */
  shown: ShownActivity
  /** Notes an announced logout until its tombstone is stored (see logout-journal.ts). */
  journal: LogoutJournal
  /** Tells when the tab is hidden or leaves (activity held back is written then). */
  wake: WakeSource
  /** This tab shows a sign-in it could not store (held-record.ts): activity hand-offs name the session it replaced. */
  holdsUnstoredSignIn(): boolean
  /** The store's `dbName:key`: names the activity an unloading page notes for its next page (activity-note.ts). */
  scope: string
  /** The idle end a tracker shows while its action runs (idle-end.ts), or null. */
  idleDecision(): { sessionId: string; lastActivityAt: number } | null
}

/**
 * The store's writes. Each decides inside the storage transaction, against
 * the record actually stored, whether it may land: that check, not timing,
 * is what keeps a stale tab from resurrecting or overwriting a session.
 */
export function createRecordActions(
  deps: RecordActionDeps,
): Pick<SessionStore, 'signIn' | 'update' | 'recordActivity' | 'end' | 'clear'> & {
  /** Resolves with the live session as stored when it was ended (its current tokens), or null if this call ended nothing. */
  endSession(reason: RevokeReason, options?: EndSessionOptions, how?: EndHow): Promise<AuthenticationSession | null>
  /** This tab announced a logout whose tombstone is not written yet. */
  endingHere(): boolean
  /** Activity writes: stop (the store is destroyed), takeHandOff (a closing tab's activity), flush (writeActivityNow), capInterval, takeNote. */
  activity: Pick<ActivityWrites, 'stop' | 'takeHandOff' | 'flush' | 'capInterval' | 'takeNote'>
  /** Notices a device clock set back; the record and the activity shown follow it. */
  clockFollower: ClockFollower
} {
  const { state, clock, commit, held, ensureHydration } = deps
  const clockFollower = createClockFollower(clock, { commit, currentRecord: held, holdLocally: deps.holdLocally })
  const activity = createActivityWrites({ ...deps, noticeClock: clockFollower.check, activityNote: createActivityNote(deps.scope) })
  clockFollower.onSetBack(activity.setBack)
  /** Logouts this tab announced whose tombstone write has not finished. */
  let endingHere = 0

  /** Keeps the change in memory when storage failed, so a full disk neither signs the user out nor keeps a logged-out session alive. */
  const keepInMemory = (result: CommitResult, next: Omit<StoredRecord, 'version' | 'generation'>) => {
    if (!result.ok && result.error) deps.holdLocally(next)
  }

  /**
   * `how` (see EndHow): a tab confirming another tab's announced logout
   * records that tab's time and does not announce it again; a noted logout
   * finished by the next page neither waits a grace nor for hydration.
   */
  const endSession = async (reason: RevokeReason, given: EndSessionOptions = {}, how: EndHow = {}): Promise<AuthenticationSession | null> => {
    // Before anything is announced or noted: `end(reason, 3)` or `{ onlyIf: null }` would end unconditionally.
    checkOptions('end(reason, options)', given, { expectedGeneration: 'generation', onlyIf: 'function' })
    const { revokedAt, announce = true, grace = true, afterHydration = true } = how
    // An idle timeout is decided on the activity this tab shows: a conditional end, refused if later activity
    // (another tab's, not read here yet: a tab just resumed, or without tab messages) is stored. Nor is it
    // announced ahead of the write, which may refuse it: the other tabs would show signed out meanwhile.
    const idle = reason === 'idle-timeout'
    let idleSince = NaN // the activity shown once the stored record is read
    // While a tracker's idle end is shown (idle-end.ts), its session alone: a sign-in made on the signed-out
    // screen meanwhile, before an action of the app's calls this, is not that idle session.
    let idleOf: string | undefined
    const endOptions: EndSessionOptions = idle
      ? { ...given, onlyIf: (live) => (idleOf ?? live.sessionId) === live.sessionId && !(Date.parse(live.lastActivityAt) > idleSince) && (!given.onlyIf || given.onlyIf(live)) }
      : given
    const wholeLogin = how.wholeLogin ?? (!endOptions.onlyIf && endOptions.expectedGeneration === undefined)
    // Called from JavaScript or with a reason read at runtime: a record with
    // a reason outside the schema would read back as corrupt in every tab.
    if (!REVOKE_REASONS.includes(reason)) {
      throw new SessionParseError('not-in-union', 'revokeReason', `expected one of ${REVOKE_REASONS.join(', ')}, got ${JSON.stringify(reason)}`)
    }
    const hydrating = afterHydration ? ensureHydration() : null
    if (hydrating) await hydrating
    const decided = idle ? deps.idleDecision() : null
    idleOf = decided?.sessionId
    if (idle) idleSince = decided?.lastActivityAt ?? Date.parse(state.getState().session?.lastActivityAt ?? liveSession(held())?.lastActivityAt ?? '')
    const at = revokedAt ?? serverNow(clock, held()?.clockSkewMs)
    const mine = liveSession(held())
    const heldGeneration = held()?.generation ?? 0
    const loginGeneration = wholeLogin ? held()?.loginGeneration : undefined
    const login = loginGeneration === undefined ? {} : { loginGeneration }
    const announceEnding = (generation: number, epoch: string | undefined, named: { loginGeneration?: number } = {}) =>
      deps.post({ v: 1, type: 'ending', generation, ...(epoch ? { epoch } : {}), tabId: deps.tabId, revokeReason: reason, revokedAt: at, ...named })
    let noted: JournaledLogout | undefined
    if (announce && mine && (endOptions.expectedGeneration ?? heldGeneration) === heldGeneration && (!endOptions.onlyIf || endOptions.onlyIf(mine))) {
      const epoch = held()?.epoch
      const heard = !idle && announceEnding(heldGeneration, epoch, login)
      noted = { sessionId: mine.sessionId, generation: heldGeneration, ...(epoch ? { epoch } : {}), revokeReason: reason, revokedAt: at, ...login }
      // A note that dies with the tab (sessionStorage, or none: storage full or off) cannot finish a logout torn down in the grace: no grace then.
      const durable = deps.journal.note(noted)
      // The other tabs show it first; this tab shows it once stored (drawing
      // now would compete with them too). Meanwhile no other write of this
      // tab may keep the session live (see logoutPending in held-record.ts).
      endingHere += 1
      // Nor when no channel carried the announcement: no tab is handling it, so the wait would only
      // delay this tab (and, on a test's fake timers, hold the logout until they are advanced).
      if (grace && durable && heard) await deliveryGrace() // never rejects
    }
    let ended: AuthenticationSession | null = null
    const result = await commit((current) => {
      if (endOptions.expectedGeneration !== undefined && current?.generation !== endOptions.expectedGeneration) return null
      const live = liveSession(current)
      if (!live) return null
      if (endOptions.onlyIf && !endOptions.onlyIf(live)) return null
      if (how.applies && !how.applies(current!)) return null
      // Ending a session this tab never saw (a newer sign-in elsewhere) would
      // sign out the wrong login; without one of its own, only a caller naming
      // the stored generation, or the record, has seen what it ends.
      if (mine ? live.sessionId !== mine.sessionId : endOptions.expectedGeneration === undefined && !how.applies) return null
      // The clock skew stays: the ended record's times are still on the server's clock.
      const keptSkew = current!.clockSkewMs
      ended = live
      return { session: tombstoneOf(live, reason, at), ended: true, reason: 'end', ...(keptSkew === undefined ? {} : { clockSkewMs: keptSkew }) }
    }, 'end').finally(() => {
      if (noted) endingHere -= 1
    })
    // A newer app version holds the record (a deploy with this tab still
    // open): this tab cannot write the tombstone, but the newer tabs can, once
    // told. The user asked to be signed out; that must not stop at this tab.
    if (!result.ok && result.newer && announce && !idle) announceEnding(result.newer.generation, result.newer.epoch)
    // Storage failed: keep the logout in memory, but only of the session it
    // was decided on (another tab's sign-in may have been adopted meanwhile).
    const still = liveSession(held())
    const keptLocally = !!(mine && still?.sessionId === mine.sessionId && !result.ok && result.error)
    if (keptLocally) deps.holdLocally({ ...held(), session: tombstoneOf(still!, reason, at), ended: true, reason: 'end' })
    // Storage decided (a failed write keeps the note: the next page of this tab tries again).
    if (noted && (result.ok || !result.error)) deps.journal.settle(noted)
    return result.ok ? ended : keptLocally ? still : null
  }

  return {
    async signIn(input) {
      const session = parseActiveSession(input, 'signIn(session)')
      // After the stored record is read: a sign-in kept in memory (a full
      // disk) must know which stored session it replaces, or hydration would
      // show the older one over it.
      const hydrating = ensureHydration()
      if (hydrating) await hydrating
      const next = { session, ended: false, reason: 'sign-in' as const, tokensObtainedAt: clock.now() }
      keepInMemory(await commit(() => next, 'sign-in'), next)
    },

    async update(patch) {
      if (typeof patch !== 'function' && (typeof patch !== 'object' || patch === null || Array.isArray(patch))) {
        throw new AuthSessionError('invalid-argument', `update(patch): expected an object or a function, got ${describe(patch)}`)
      }
      const hydrating = ensureHydration()
      if (hydrating) await hydrating
      let decided: Omit<StoredRecord, 'version' | 'generation'> | null = null
      let alreadyStored = false
      const decide = (current: StoredRecord | null) => {
        alreadyStored = false
        const live = liveSession(current)
        const mine = liveSession(held())
        // A patch only ever lands on the same live session: never on a tombstone, never on a newer sign-in
        // (nor, like every write, while another tab's announced logout waits for its tombstone: see commit).
        if (!live || !mine || live.sessionId !== mine.sessionId) return null
        // A function patch sees the stored session. An object patch is often
        // spread from a copy of the session read earlier (`{ ...session, x }`,
        // perhaps in another tab or before a reload) while tokens rotated and
        // times moved on underneath it: it never changes credentials and never
        // moves lastActivityAt back, so it cannot put back a spent refresh
        // token, an old expiry or an old idle start.
        // A copy of an earlier login into the same provider session (a step-up or re-authentication keeps the
        // provider's sid, so the sessionId): its auth time, MFA and acr are not this login's, so none of it lands.
        if (typeof patch !== 'function' && copyOfAnotherLogin(patch, live)) return null
        const changes = typeof patch === 'function' ? patch(live) : fromCopy(patch, live)
        // An immer-style function that edits its argument and returns nothing.
        if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
          throw new AuthSessionError('invalid-argument', 'update(fn): the function must return the fields to change, e.g. (stored) => ({ accessToken })')
        }
        if (changes.sessionId !== undefined && changes.sessionId !== live.sessionId) return null
        // Parsed first: compared as JSON, a value the schema refuses but JSON drops (a function) would look stored already.
        const session = parseSession({ ...live, ...changes })
        if (typeof patch !== 'function' && !changesAnything(changes, live)) {
          // Nothing left to change: not written. Resolves false if the object
          // asked for a credential change (which an object patch never makes),
          // true if what it asked for is stored already.
          alreadyStored = !asksCredentialChange(patch, live)
          return null
        }
        // Ending goes through end(): a record marked revoked but not a
        // tombstone would keep its tokens stored, signed out or not.
        if (session.status !== live.status) {
          throw new AuthSessionError('invalid-argument', `update() cannot change status to "${session.status}": end(reason) ends the session in every tab and removes its tokens`)
        }
        return (decided = { ...current!, session, reason: 'update' as const })
      }
      const result = await commit(decide, 'update')
      // The write failed before the transaction could decide (it never opened):
      // decide against what this tab holds, so the patch is kept like any other change.
      // Not while another tab's announced logout is pending (shown signed out): the change would show the session again.
      if (!result.ok && result.error && !result.newer && !decided && state.getState().status === 'authenticated') decide(held())
      // Kept in memory on a storage failure only while this tab still holds the session it patched.
      const kept = decided as Omit<StoredRecord, 'version' | 'generation'> | null
      if (kept && liveSession(held())?.sessionId === kept.session?.sessionId) keepInMemory(result, kept)
      return result.ok || alreadyStored
    },

    recordActivity: activity.recordActivity,
    activity,
    clockFollower,

    end: async (reason, endOptions) => void (await endSession(reason, endOptions)),
    endSession,
    endingHere: () => endingHere > 0,

    async clear() {
      const hydrating = ensureHydration()
      if (hydrating) await hydrating
      const next = { session: null, ended: false, reason: 'clear' as const }
      keepInMemory(await commit(() => next, 'clear'), next)
    }
  }
}

/** Changed by a sign-in, a refresh or a function patch; an object patch leaves them as stored. */
const CREDENTIALS = ['accessToken', 'refreshToken', 'idToken', 'tokenType', 'scopes', 'expiresAt', 'refreshTokenExpiresAt'] as const

/** Whether any field of `changes` differs from the stored session. */
const changesAnything = (changes: Partial<AuthenticationSession>, stored: AuthenticationSession) =>
  Object.entries(changes).some(([key, value]) => !same(value, stored[key as keyof AuthenticationSession]))

const asksCredentialChange = (patch: Partial<AuthenticationSession>, stored: AuthenticationSession) =>
  CREDENTIALS.some((key) => key in patch && !same(patch[key], stored[key]))

/**
 * A copy of the session taken during another login of the same session id: it carries other credentials (a copy,
 * not a hand-made patch) and another authentication time. A copy from before a refresh keeps the login's
 * authentication time (a refreshed ID token restates its auth_time), so it still lands, minus its credentials.
 */
function copyOfAnotherLogin(patch: Partial<AuthenticationSession>, stored: AuthenticationSession): boolean {
  const authenticatedAt = typeof patch.initiatedAt === 'string' ? Date.parse(patch.initiatedAt) : NaN
  return Number.isFinite(authenticatedAt) && authenticatedAt !== Date.parse(stored.initiatedAt) && asksCredentialChange(patch, stored)
}

/** What an object patch may change: not credentials, and lastActivityAt only forwards. */
function fromCopy(patch: Partial<AuthenticationSession>, stored: AuthenticationSession): Partial<AuthenticationSession> {
  const changes: Record<string, unknown> = { ...patch }
  for (const key of CREDENTIALS) delete changes[key]
  // Only a readable time that is not later is dropped; an unreadable one is left for parseSession to refuse.
  if (patch.lastActivityAt !== undefined && Date.parse(patch.lastActivityAt) <= Date.parse(stored.lastActivityAt)) delete changes.lastActivityAt
  return changes as Partial<AuthenticationSession>
}
