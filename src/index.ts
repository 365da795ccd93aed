export type {
  AuthenticationSession,
  AuthenticationMethod,
  DerivedSessionFields,
  DeviceInfo,
  DeviceTrustLevel,
  IdentityProvider,
  IsoDateTime,
  RevokeReason,
  SessionLocation,
  SessionMetadata,
  SessionRecordStatus,
  SessionUser,
} from './core/session'
export { DEVICE_TRUST_LEVELS, REVOKE_REASONS, SESSION_STATUSES } from './core/session'
export { parseSession, isIsoDateTime } from './core/parse-session'
export { deriveSessionFields, durationMinutes, idleMinutes, isExpired } from './core/derived'
export {
  AuthSessionError,
  RefreshError,
  SessionParseError,
  StorageError,
  type RefreshErrorCode,
  type AuthSessionErrorCode,
  type SessionParseErrorCode,
  type StorageErrorCode,
} from './core/errors'
export { systemClock, type Clock } from './core/clock'
export {
  createSessionStore,
  type EndSessionOptions,
  type LogoutOptions,
  type SessionState,
  type SessionStore,
  type SessionStoreOptions,
  type ActivityEvent,
} from './core/store'
export type { SessionEvent, SessionEventListener, SessionStatus } from './core/session-events'
export { createMemoryPersistence, type PersistenceDecision, type SessionPersistence } from './core/persistence'
export type { JournalStorage } from './core/logout-journal'
export { createIdbPersistence, type IdbPersistenceOptions } from './core/idb-persistence'
export { createDefaultPersistence, type ResilientPersistenceOptions } from './core/resilient-persistence'
export type { ChangeReason, Migrate, StoredRecord } from './core/stored-record'
export { createBroadcastTabChannel, type TabChannel } from './core/tab-channel'
export { parseTabMessage, TAB_MESSAGE_VERSION, type TabMessage, type TabMessageRejection } from './core/tab-message'
export { createWindowWakeSource, type WakeReason, type WakeSource } from './core/wake'
export { createIdleTimeout, type IdleTimeout, type IdleTimeoutState, type IdlePhase } from './core/idle-timeout'
export { DEFAULT_ACTIVITY_EVENTS, type IdleTimeoutOptions, type IdleTimeoutAction } from './core/idle-timeout-options'
export type {
  RefreshContext,
  SessionSource,
  SignInOptions,
  SignOutOptions,
  SourceResult,
} from './core/source'
export type { RefreshCallOptions, RefreshOptions } from './core/refresh-types'
export { createDefaultLocks, createMemoryLocks, type Locks } from './core/locks'
