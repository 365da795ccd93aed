import { createContext, type Context } from 'react'
import type { SessionStore } from '../core/store'

// One context for every copy of this module that runs on the same React: an
// app can load both the ESM and the CommonJS build (its own code imports the
// package, a dependency require()s it), and hooks of one copy must still find
// a provider rendered by the other. Per React copy, because a context object
// only works with the React that made it: two apps on one page (micro-frontends)
// each bundling its own React must not share one (React 18 takes a React 19
// context for a consumer: "render is not a function"). React is told apart by
// its createContext. The key names the major version, whose store shape all copies share.
const KEY = Symbol.for('authsession.react.contexts.v0')
const registry = globalThis as { [KEY]?: WeakMap<object, Context<SessionStore | null>> }
const contexts = (registry[KEY] ??= new WeakMap())

const made = contexts.get(createContext) ?? createContext<SessionStore | null>(null)
contexts.set(createContext, made)

export const SessionStoreContext: Context<SessionStore | null> = made
