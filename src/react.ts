export { SessionProvider, type SessionProviderProps } from './react/provider'
export { useSession, useSessionStore, type SessionActions, type SessionView } from './react/use-session'
