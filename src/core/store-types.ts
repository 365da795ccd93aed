import type { StoreApi } from 'zustand/vanilla'
import type { Clock } from './clock'
import type { AuthSessionError } from './errors'
import type { Locks } from './locks'
import type { JournalStorage } from './logout-journal'
import type { SessionPersistence } from './persistence'
import type { RefreshCallOptions, RefreshOptions } from './refresh-types'
import type { ClockFollower } from './clock-set-back'
import type { AuthenticationSession, DerivedSessionFields, RevokeReason } from './session'
import type { SessionEvent, SessionEventListener, SessionStatus } from './session-events'
import type { SessionSource, SignInOptions, SignOutOptions } from './source'
import type { ChangeReason, Migrate, StoredRecord } from './stored-record'
import type { TabChannel } from './tab-channel'
import type { WakeSource } from './wake'

/**
 * What a tab shows. Checking `status` narrows `session`: signed in, it is
 * the record; signed out, the ended record (status, revokedAt, revokeReason,
 * its tokens removed) or null; while the stored record is read, null.
 * `error` is the last storage or record error, if any.
 */
export type SessionState =
  | {
      /** What the tab shows; checking it narrows `session`. */
      status: 'authenticated'
      /** The signed-in record. */
      session: AuthenticationSession
      /** The last storage or record error, or null (`storage-unavailable`: this tab keeps the session in memory only). */
      error: AuthSessionError | null
    }
  | {
      /** What the tab shows; checking it narrows `session`. */
      status: 'unauthenticated'
      /** The ended record (`revokedAt`, `revokeReason`, its tokens removed), or null: never signed in, or cleared. */
      session: AuthenticationSession | null
      /** The last storage or record error, or null (`storage-corrupt`, `storage-future-version`: why a stored session is not shown). */
      error: AuthSessionError | null
    }
  | {
      /** What the tab shows; checking it narrows `session`. */
      status: 'loading'
      /** Null until the stored record has been read. */
      session: null
      /** The last storage or record error, or null. */
      error: AuthSessionError | null
    }

/** `createSessionStore`'s options (and `SessionProvider`'s `options`): each may be left out or `undefined` for its default. */
export interface SessionStoreOptions {
  /** Names the record in IndexedDB and the tab channel. Default `session`. */
  key?: string | undefined
  /** IndexedDB database. Default `authsession`. */
  dbName?: string | undefined
  /** Replaces IndexedDB (tests, custom storage). */
  persistence?: SessionPersistence | undefined
  /** The tab channel; `null` turns tab messages off (tabs then converge on focus/visibility). */
  channel?: TabChannel | null | undefined
  /** When a tab re-reads storage (focus, visibility, pageshow, resume, online). Default: the window's events. */
  wake?: WakeSource | undefined
  /** Time and timers (tests). Default: the system clock. */
  clock?: Clock | undefined
  /** Identifies this tab in messages: 1 to 128 characters (otherwise `createSessionStore` throws `invalid-argument`). Default: random. */
  tabId?: string | undefined
  /** Schema version of the stored session. Default 1. */
  version?: number | undefined
  /** Upgrades a stored session written with an older `version`. */
  migrate?: Migrate | undefined
  /** How often activity is written to storage at most. Default 60 000 ms. */
  activityWriteIntervalMs?: number | undefined
  /** How long IndexedDB may take to open before memory is used. Default 3000 ms. */
  openTimeoutMs?: number | undefined
  /** Where sessions come from and how they are refreshed: `createOidcSource` from authsession/oidc, or your own `SessionSource`. */
  source?: SessionSource | undefined
  /** Refresh timing and retry policy. */
  refresh?: RefreshOptions | undefined
  /** Cross-tab locks. Default: Web Locks (navigator.locks). */
  locks?: Locks | undefined
  /**
   * Where a tab notes a logout until its tombstone is stored, so a reload,
   * navigation or closed tab right after `end()` (not awaited) cannot lose
   * it: the next page to start finishes it. Default: localStorage (a closed
   * tab takes its sessionStorage with it), and sessionStorage when
   * localStorage refuses the note (full). `null` turns it off; a logout that
   * no storage notes writes its tombstone at once, without the 16 ms grace.
   */
  logoutJournal?: JournalStorage | null | undefined
  /** Whether the device is online. Default: navigator.onLine. */
  isOnline?: (() => boolean) | undefined
}

/** `logout()`'s options. */
export interface LogoutOptions extends SignOutOptions {
  /** Default `user-logout`. */
  reason?: RevokeReason | undefined
}

/** `end()`'s conditions: without them it ends the login in every tab. */
export interface EndSessionOptions {
  /** Refuse unless the stored record is still this generation. */
  expectedGeneration?: number | undefined
  /** Refuse unless the stored session passes this check (a refresh failure ends only the credentials it failed with). */
  onlyIf?: ((session: AuthenticationSession) => boolean) | undefined
}

/**
 * The session store: `createSessionStore(options)`. Its functions need no
 * `this` (they are typed as properties, not methods, so linters such as
 * typescript-eslint's unbound-method let them be passed on as they are:
 * `addEventListener('pointerdown', store.recordActivity)`). Beside the
 * errors each one names, an argument of the wrong type is refused with
 * `invalid-argument`, a session or a `reason` with its SessionParseError.
 */
export interface SessionStore extends Pick<StoreApi<SessionState>, 'getState' | 'getInitialState' | 'subscribe'> {
  /** This tab's id in tab messages (the `tabId` option, or a random one). */
  readonly tabId: string
  /** The clock the store runs on (the `clock` option, or the system's). */
  readonly clock: Clock
  /** Starts hydration, tab sync and wake-up checks. Idempotent and ref-counted: returns its own stop. */
  start: () => () => void
  /** Resolves when the stored record has been read (or found missing); starts reading if nothing has yet. After a stop, it is read again (each time while stopped). */
  whenHydrated: () => Promise<void>
  /** Whether the stored record has been read (`status` is no longer `loading`). */
  hasHydrated: () => boolean
  /**
   * Stores a new session and makes every tab authenticated, once the stored
   * record has been read. It must be `active`; rejects with the field's
   * SessionParseError otherwise.
   */
  signIn: (session: AuthenticationSession) => Promise<void>
  /**
   * Patches the current session. A function gets the stored session and may
   * change any field: `update((stored) => ({ accessToken, expiresAt }))`.
   * An object's fields land as given except the credentials (tokens, token
   * type, scopes and their expiries), which it leaves as stored: objects are
   * often spread from a copy read earlier (`{ ...session, x }`), whose
   * refresh token may be spent since; likewise it never moves
   * `lastActivityAt` back. A field given as `undefined` is removed. Resolves
   * false, writing nothing, if there is no
   * live session to patch, if an object asks only for credential changes
   * (nothing else in it differs from what is stored), or if the patch names
   * another `sessionId` (a copy from before a new sign-in); also false when
   * storage failed to write it (the patch is then shown and kept in memory,
   * and written with the next write that lands). An object whose fields are
   * all stored already resolves true without writing.
   */
  update: (patch: Partial<AuthenticationSession> | ((session: AuthenticationSession) => Partial<AuthenticationSession>)) => Promise<boolean>
  /**
   * Notes user activity at `at` (ms since 1970; default now), written to
   * storage at a bounded rate. It may be an event listener as it is
   * (`addEventListener('pointerdown', store.recordActivity)`,
   * `onKeyDown={recordActivity}`): an event counts as activity now.
   */
  recordActivity: (at?: number | ActivityEvent) => void
  /** Ends the session in every tab with a reason; tokens are removed from storage. The provider is not told: that is `logout()`. */
  end: (reason: RevokeReason, options?: EndSessionOptions) => Promise<void>
  /** Removes the session entirely (no tombstone reason kept). */
  clear: () => Promise<void>
  /** Re-reads storage and adopts a newer record, if any. */
  reconcile: () => Promise<void>
  /** Starts the source's interactive sign-in (usually a redirect). Rejects with `sign-in-failed` (the provider unreachable), `logout-in-progress` while this tab's `logout()` is under way, `no-source` without a source. */
  login: (options?: SignInOptions) => Promise<void>
  /**
   * Completes a sign-in on the callback page (`url` a string, default
   * `location.href`); every tab becomes authenticated. `returnTo` is what
   * `login()` was given. Rejects with `sign-in-failed`, whose `returnTo` is
   * that same path when the failed sign-in's state was found.
   */
  completeLogin: (url?: string) => Promise<{ session: AuthenticationSession; returnTo?: string }>
  /**
   * Ends the session in every tab, then signs out at the provider (by default
   * a redirect to its end-session page). Rejects with `sign-out-failed`, the
   * session still ended, when the provider could not be told.
   */
  logout: (options?: LogoutOptions) => Promise<void>
  /**
   * An access token valid now, refreshed first if it has expired; waits for
   * a refresh in flight (in any tab) instead of starting another. Rejects with
   * `not-authenticated` (no session), `refresh-deferred` (a refresh may not
   * run yet) or the failed refresh's own RefreshError.
   */
  getAccessToken: () => Promise<string>
  /**
   * Refreshes unless another tab just did (`force`: even if not due;
   * `refused`: the token your API refused, refreshed unless already replaced).
   * One tab at a time. Rejects with the failed refresh's RefreshError.
   */
  refresh: (options?: RefreshCallOptions) => Promise<void>
  /** When the next refresh is due, in ms like `Date.now()` (it may lie in the past while offline or while another tab refreshes); null with nothing to refresh. */
  nextRefreshAt: () => number | null
  /** The schema's calculated fields at `now` (ms, default: the store clock's now); null without a session. Still answers for an ended session. */
  derived: (now?: number) => DerivedSessionFields | null
  /** Calls `listener` with every SessionEvent of this store; returns the unsubscribe. */
  on: (listener: SessionEventListener) => () => void
  /** Stops everything now and closes the tab channel. */
  destroy: () => void
}

/** The store's methods that talk to the session source (source-actions.ts): added to the store last. */
export type SourceActions = Pick<SessionStore, 'login' | 'completeLogin' | 'logout' | 'getAccessToken' | 'refresh' | 'nextRefreshAt'>

/** The store before its source methods are added: all the parts made with it (refresh scheduler, source actions) use. */
export type StoreCore = Omit<SessionStore, keyof SourceActions>

/** What the refresh scheduler and other core parts need beyond the public API. */
export interface SessionStoreInternals {
  currentRecord(): StoredRecord | null
  commit(build: Build, reason: ChangeReason): Promise<CommitResult>
  emit(event: SessionEvent): void
  /**
   * Storage failed: hold this change in memory and show it; it is folded into
   * later reads and writes and retried until storage takes it, unless storage
   * moves on from its session (see unsaved-change.ts).
   */
  holdLocally(next: Omit<StoredRecord, 'version' | 'generation'>, options?: { show?: boolean }): void
  /** Another tab announced the end of the session this tab holds; its tombstone is not stored yet. No write may move the generation meanwhile. */
  logoutPending(): boolean
  /** A change held in memory waits for storage (see holdLocally). */
  hasUnsavedChange(): boolean
  /** Notices the device's clock set back; the record and this tab's local times follow it (clock-set-back.ts). */
  clockFollower: ClockFollower
  /**
   * Writes the activity this tab shows but has held back (writes are
   * throttled) now: after an idle prompt, the other tabs must read it before
   * their own timeout, or they end the session the user just kept.
   */
  writeActivityNow(): void
  /** Writes held-back activity at least every `ms` (below activityWriteIntervalMs) until the returned release: an idle tracker's. */
  capActivityWrites(ms: number): () => void
  /** Shows the session ended by an idle timeout until the returned release, once per session and activity; null if decided already (idle-end.ts). */
  decideIdleEnd(session: AuthenticationSession): (() => void) | null
  /** While an idle end is shown and its action has not settled: its session and the activity it was decided on; else null. */
  idleDecision(): { sessionId: string; lastActivityAt: number } | null
  /** Calls `listener` when an idle end's action settles; returns the unsubscribe. */
  onIdleEndSettled(listener: () => void): () => void
  /** The store's wake source (the `wake` option, or the window's): an idle tracker recomputes on the same moments. */
  wake: WakeSource
  /** end(), resolving with the live session as stored when it ended (its current tokens), or null if nothing was ended. */
  end(reason: RevokeReason): Promise<AuthenticationSession | null>
}

export type Build = (current: StoredRecord | null) => Omit<StoredRecord, 'version' | 'generation'> | null
export type CommitResult = (
  | { ok: true; record: StoredRecord }
  | {
      ok: false
      current: StoredRecord | null
      error?: AuthSessionError
      /** Storage holds a newer app version's record (unreadable here): its generation and epoch. */
      newer?: { generation: number; epoch?: string }
    }
) & {
  /** A corrupt record was found and moved to the quarantine key by this write. */
  quarantined?: boolean
}

/** A DOM or React event, handed to `recordActivity` used as a listener: it counts as activity now. */
export interface ActivityEvent {
  readonly type: string
}
