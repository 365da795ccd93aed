export { SessionProvider, type SessionProviderProps } from './react/provider'
export { useSession, useSessionStore, type SessionActions, type SessionView } from './react/use-session'
export { useAccessToken } from './react/use-access-token'
export { useIdlePrompt, type IdlePrompt } from './react/use-idle-prompt'
