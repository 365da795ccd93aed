import type { AuthSessionError, RefreshError, StorageError } from './errors'
import type { ChangeReason } from './stored-record'
import type { TabMessageRejection } from './tab-message'

/** What a tab shows: `loading` until the stored record has been read (no flash of "signed out"), then signed in or out. */
export type SessionStatus = 'loading' | 'authenticated' | 'unauthenticated'

/** Typed events for app code: subscribe with `store.on(listener)`. */
export type SessionEvent =
  /** The record changed (here or in another tab), or was read at hydration; `generation` is the stored record's. */
  | {
      type: 'change'
      /** `local`: this tab wrote it; `remote`: read from storage (another tab, or hydration). */
      source: 'local' | 'remote'
      reason: ChangeReason | 'hydrate'
      status: SessionStatus
      generation: number
    }
  /** The stored record has been read (or found missing): `status` is no longer `loading`. */
  | { type: 'hydrated'; status: SessionStatus }
  /** IndexedDB could not be used; this tab keeps the session in memory only. */
  | { type: 'storage-unavailable'; error: StorageError }
  /** IndexedDB answered after all (a slow open): this tab follows the shared record again. */
  | { type: 'storage-recovered' }
  /**
   * A storage or record error (corrupt record, quota, failed write: the change
   * is kept in memory and retried), or a record from a newer app version
   * (`storage-future-version`: this tab stops using its session until reloaded).
   */
  | { type: 'error'; error: AuthSessionError }
  /**
   * A write was not made: another tab wrote first (a newer generation, a
   * tombstone, a different sign-in), or there was nothing left to do (activity
   * already newer, nothing to end). This tab adopted what is stored.
   */
  | { type: 'write-refused'; reason: ChangeReason; heldGeneration: number; currentGeneration: number }
  /** This tab refreshed the tokens and stored them at `generation`. */
  | { type: 'refreshed'; generation: number }
  /** A refresh failed. Transient failures are retried (`attempt` counts them); definitive ones end the session. */
  | { type: 'refresh-failed'; error: RefreshError; attempt: number }
  /** A tab message failed validation and was dropped. `count` is the running total for this store. */
  | { type: 'message-rejected'; reason: TabMessageRejection; count: number }

/** A listener for `store.on`; one that throws does not stop the others (its error surfaces as uncaught). */
export type SessionEventListener = (event: SessionEvent) => void
