export { SessionProvider, type SessionProviderProps } from './react/provider'
export { useSession, useSessionStore, type SessionActions, type SessionView } from './react/use-session'
export { useAccessToken } from './react/use-access-token'
export { RequireSession, type RequireSessionProps, type SignedOutProps } from './react/require-session'
