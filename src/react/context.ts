import { createContext } from 'react'
import type { SessionStore } from '../core/store'

export const SessionStoreContext = createContext<SessionStore | null>(null)
