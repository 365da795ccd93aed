import type { Clock } from './clock'
import type { Locks } from './locks'
import type { RefreshTiming } from './refresh-policy'
import type { SessionEvent } from './session-events'
import type { SessionSource } from './source'
import type { SessionStoreInternals, StoreCore } from './store-types'
import type { WakeSource } from './wake'

/** The refresh scheduler's options, seams and public face (refresh-scheduler.ts holds the behaviour). */
// Every field may be given as undefined ("use the default"), also for apps compiling with exactOptionalPropertyTypes.
export interface RefreshOptions extends Partial<{ [K in keyof RefreshTiming]: RefreshTiming[K] | undefined }> {
  /** First retry delay after a transient failure. Default 1000 ms. */
  retryBaseMs?: number | undefined
  /** Longest retry delay. Default 60 000 ms. */
  retryMaxMs?: number | undefined
  /**
   * When the source's `signal` aborts. A source still going is waited for up to
   * twice this (then `refresh-timeout`, a transient failure), and its answer is
   * stored whenever it comes. Default 15 000 ms.
   */
  timeoutMs?: number | undefined
}

export interface RefreshSchedulerDeps {
  store: StoreCore
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

/** What `store.refresh(options)` takes. */
export interface RefreshCallOptions {
  /** Even if not due (and past this tab's backoff). */
  force?: boolean | undefined
  /**
   * The access token your API refused before it expired (revoked at the
   * provider): refreshes even if not due, unless the stored access token is
   * already another one (another tab, or a refresh in flight, replaced it),
   * so tabs that got the same 401 refresh once between them.
   */
  refused?: string | undefined
}

export interface RefreshScheduler {
  start(): () => void
  /** Refreshes now unless another tab just did (single-flight in this tab, one tab at a time across tabs). */
  refresh(options?: RefreshCallOptions): Promise<void>
  getAccessToken(): Promise<string>
  /** Local ms when the next refresh is due, or null. */
  nextRefreshAt(): number | null
  /** Recomputes the timer from the record held now (a change held in memory fires no change event). */
  reschedule(): void
  /** The store is gone: no more writes, not even of an answer still being stored. */
  destroy(): void
}
