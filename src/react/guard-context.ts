import { createContext } from 'react'
import type { SessionStore } from '../core/store'

/**
 * The store whose RequireSession renders this subtree as its children (null
 * outside one). An idle prompt there must not hold its timed-out session
 * (idle-holds.ts): the guard would hide the children, the prompt with them.
 * A module of its own so neither the guard nor the prompt bundles the other.
 */
export const GuardedBy = createContext<SessionStore | null>(null)
