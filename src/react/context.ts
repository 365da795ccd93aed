import { createContext, type Context } from 'react'
import type { SessionStore } from '../core/store'

// One context for every copy of this module in the page: an app can load both
// the ESM and the CommonJS build (its own code imports the package, a
// dependency require()s it), and hooks of one copy must still find a provider
// rendered by the other. The key names the major version, whose store shape all copies share.
const KEY = Symbol.for('authsession.react.context.v0')
const registry = globalThis as { [KEY]?: Context<SessionStore | null> }

export const SessionStoreContext: Context<SessionStore | null> = (registry[KEY] ??= createContext<SessionStore | null>(null))
