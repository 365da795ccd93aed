import { plausibleSkew, type Clock } from './clock'
import { AuthSessionError } from './errors'
import { fingerprint } from './fingerprint'
import { describe } from './json-data'
import type { Locks } from './locks'
import type { WakeSource } from './wake'
import { parseActiveSession } from './parse-session'
import { checkOptions } from './argument-checks'
import type { RefreshScheduler } from './refresh-scheduler'
import { validAccessToken } from './refresh-policy'
import type { AuthenticationSession } from './session'
import { returnToIn, type SessionSource, type SourceResult } from './source'
import type { SessionStoreInternals, SourceActions, StoreCore } from './store-types'
import { live, type StoredRecord } from './stored-record'

/**
 * login() and logout() options from JavaScript, or read at runtime, are not
 * refused anywhere later, only misread: `login('/path')` reads as no options
 * (the user comes back to the start page), extraParams as a query string
 * reaches the OIDC source as one parameter per character (a step-up silently
 * not asked for), `logout('idle-timeout')` ends the session as `user-logout`,
 * and the OIDC source redirects unless `redirect` is false ('false', from an
 * env variable, leaves the page). An object naming none of them (a click
 * event, from `onClick={login}`) is fine.
 */
const LOGIN_OPTIONS = { returnTo: 'string', extraParams: 'plain-object' } as const
const LOGOUT_OPTIONS = { redirect: 'boolean' } as const

/** The store's methods that talk to the session source (sign-in, sign-out, tokens, refresh). */
export function createSourceActions(deps: {
  store: StoreCore
  internals: SessionStoreInternals
  source: SessionSource | undefined
  scheduler: RefreshScheduler | null
  clock: Clock
  locks: Locks
  wake: WakeSource
  /** With the callback URL's fingerprint: held while that callback is completed, by one tab of the browser at a time. */
  callbackLockPrefix: string
}): SourceActions {
  const { store, internals, source, scheduler, clock, locks, wake, callbackLockPrefix } = deps
  const need = <K extends keyof SessionSource>(method: K): NonNullable<SessionSource[K]> => {
    const found = source?.[method]
    if (!found) throw new AuthSessionError('no-source', `This store has no session source that can ${String(method)}`)
    return (found as (...args: never[]) => unknown).bind(source) as NonNullable<SessionSource[K]>
  }

  // One completion per callback URL in this tab (StrictMode's double effect,
  // a re-render), and one per URL in the whole browser: an authorization
  // code can be redeemed once, and a second redemption makes a compliant
  // provider revoke what the first one was given. Two tabs on one callback
  // URL (a duplicated tab, a restored window) would otherwise both redeem it
  // within a few milliseconds, before either had used up the sign-in state.
  // Callbacks of other URLs (other sign-ins) never wait for each other. Where
  // Web Locks are refused (opaque origins), tabs are not serialised, and a
  // record kept only in memory (storage full) leaves no mark for other tabs.
  type Completion = { promise: ReturnType<SourceActions['completeLogin']>; forget(): void }
  const completions = new Map<string, Completion>()
  const forgetAll = () => [...completions.values()].forEach((entry) => entry.forget())
  const complete = async (url: string): ReturnType<SourceActions['completeLogin']> => {
    // As in signIn(): the stored record is read first (see record-actions.ts).
    await store.whenHydrated()
    const mark = `${fingerprint(url)}.${fingerprint(url, 0x2f6b1d3)}`
    const singleUse = source?.singleUseCallbacks === true
    let started = false
    const redeem = async () => {
      started = true
      await store.reconcile().catch(() => {})
      // What storage held as the exchange began (see signedOutSince).
      const before = internals.currentRecord()
      // Completed by another tab (or before a reload): its session, not a second
      // redemption; unless a logout of it is under way.
      if (singleUse) {
        const shown = store.getState().status === 'authenticated' && !internals.logoutPending()
        if (shown && live(before) && before.callback === mark) return { session: before.session }
      }
      const completeSignIn = need('completeSignIn')
      let result: SourceResult | undefined
      let session: AuthenticationSession
      try {
        result = await completeSignIn(url)
        // A provider's answer is untrusted input like any other.
        session = parseActiveSession(result.session, 'a sign-in answer')
      } catch (cause) {
        // The answer's returnTo, if it came (an inactive session): the app still knows where the user was going.
        throw failed('sign-in-failed', 'The sign-in could not be completed', cause, returnToIn(result))
      }
      // Read back from storage by the source (a JavaScript one may answer anything): only a string is passed on.
      const returnTo = returnToIn(result)
      const next = {
        session,
        ended: false,
        reason: 'sign-in' as const,
        clockSkewMs: plausibleSkew(result.clockSkewMs),
        tokensObtainedAt: clock.now(),
        ...(singleUse ? { callback: mark } : {}),
      }
      let refused = false
      const written = await internals.commit((current) => ((refused = signedOutSince(current, before, session)) ? null : next), 'sign-in')
      if (refused) throw new AuthSessionError('sign-in-failed', 'The sign-in was completed after this session was signed out (in this tab or another): it stays signed out', { returnTo })
      if (!written.ok && written.error) internals.holdLocally(next)
      return { session, returnTo }
    }
    // A lock manager that fails (an app's own Locks) must not stop a sign-in: without it, this tab goes alone.
    return Promise.resolve()
      .then(() => locks.request(`${callbackLockPrefix}:${mark}`, redeem))
      .catch((error: unknown) => {
        if (started) throw error
        return redeem()
      })
  }

  let loggingOut: { generation?: number; promise: Promise<void> } | null = null
  // A session the provider was not told had ended (unreachable, refusing): the
  // next logout() in this tab tells it again, while storage still holds that
  // ended session (a sign-in since, in any tab, is another user's business).
  // Kept in this tab's memory only: storage holds no tokens of an ended session.
  let untold: { session: AuthenticationSession; ended: StoredRecord | null } | null = null
  const logout = async (options: Parameters<SourceActions['logout']>[0] = {}, ending: (generation: number) => void) => {
    // A /logout route may call this on mount, before the stored session was read.
    await store.whenHydrated()
    ending(internals.currentRecord()?.generation ?? 0)
    const { session: shown, status } = store.getState()
    // Locally first, in every tab: the user is signed out even if the provider cannot be reached.
    const ended = await internals.end(options.reason ?? 'user-logout')
    // The provider is told with the tokens the logout found stored (another
    // tab may have rotated them since this tab last read); what this tab
    // showed only if the logout found nothing left to end.
    // The same ended login: a sign-in since (even into the same IdP session) has another login generation.
    const stored = internals.currentRecord()
    // Refused with that provider session still stored live (an idle timeout decided on a stale view while the
    // user is active in another tab): telling the provider would end, or revoke, the session that tab goes on using.
    if (!ended && live(stored) && stored.session.sessionId === shown?.sessionId) return
    const same = (a: StoredRecord, b: StoredRecord) => a.epoch === b.epoch && a.loginGeneration === b.loginGeneration && a.session?.sessionId === b.session?.sessionId
    const retry = untold?.ended && stored?.ended && same(stored, untold.ended) ? untold.session : null
    untold = null
    const session = ended ?? (status === 'authenticated' ? shown : retry)
    const signOut = source?.signOut
    if (!signOut || !session) return
    try {
      await signOut.call(source, session, options)
    } catch (cause) {
      untold = { session, ended: internals.currentRecord() }
      throw failed('sign-out-failed', 'Signed out here, but the provider could not be told', cause)
    }
  }

  return {
    login: async (options) => {
      checkOptions('login(options)', options, LOGIN_OPTIONS)
      const startSignIn = need('startSignIn')
      // Almost always a route guard reacting to the sign-out it was just shown: its sign-in would
      // replace logout()'s way to the provider's end-session page, and the provider, its session
      // not ended yet, would sign the user straight back in. (A source's signOut that leaves the
      // page stays under way until the page is gone or back; see the OIDC source's leavePage.)
      if (loggingOut) {
        throw new AuthSessionError('logout-in-progress', "login() was called while this tab's logout() is under way: the logout stands; sign in once it has settled")
      }
      // A new sign-in (a popup, the app's own form): the next completion of a fixed callback URL is its own.
      forgetAll()
      try {
        await startSignIn(options)
      } catch (cause) {
        throw failed('sign-in-failed', 'The sign-in could not be started', cause)
      }
    },

    completeLogin(url = typeof location !== 'undefined' ? location.href : '') {
      // Named by its text (fingerprint): any other value (null, a URL or Location object) would share one name with every other.
      if (typeof url !== 'string') return Promise.reject(new AuthSessionError('invalid-argument', `completeLogin(url): expected the callback URL as a string (location.href), got ${describe(url)}`))
      const known = completions.get(url)
      if (known) return known.promise
      let unsubscribe = () => {}
      const entry: Completion = {
        promise: complete(url),
        forget() {
          unsubscribe()
          if (completions.get(url) === entry) completions.delete(url)
        },
      }
      completions.set(url, entry)
      // Shared while it runs (StrictMode's double effect) and while this tab stays signed in (a Suspense
      // retry of use(completeLogin()), a remounted callback route: the same visit, which must not sign in
      // again, even after another tab's sign-in, or two re-rendering tabs would take turns signing in).
      // A fixed callback URL (singleUseCallbacks unset) is a sign-in on every visit: a retry after a
      // failure, a sign-in once signed out, or after login(), completes anew. A single-use one is then
      // tried again (its sign-in state or code most likely spent: sign-in-failed), and what the first
      // call answered, tokens of a session since ended among it, is not kept for the page's life.
      const signedIn = () => store.getState().status === 'authenticated'
      entry.promise.then(() => {
        if (completions.get(url) !== entry) return // forgotten while it ran (a login())
        if (!signedIn()) return entry.forget()
        unsubscribe = store.subscribe(() => void (signedIn() || entry.forget()))
      }, () => entry.forget())
      return entry.promise
    },

    logout(options = {}) {
      try {
        checkOptions('logout(options)', options, LOGOUT_OPTIONS) // its reason is checked as end()'s is
      } catch (error) {
        return Promise.reject(error)
      }
      // One per session: a /logout route calling this on mount (twice under
      // StrictMode) or a double click must sign out at the provider once. A
      // session signed in since (the provider call of the last may still be
      // out) is a new logout: it must end locally at once.
      // (The running one's record is known once it has read storage; until then, any call joins it.)
      const generation = internals.currentRecord()?.generation
      const running = loggingOut
      const newSession = store.getState().status === 'authenticated' && running?.generation !== undefined && generation !== running.generation
      if (running && !newSession) return running.promise
      const entry: { generation?: number; promise: Promise<void> } = { promise: Promise.resolve() }
      // Back from the back/forward cache: the page the sign-out left for is behind it, even if
      // signOut never settles (a source that leaves the page and waits forever): login() may go.
      // Held before subscribing: an app's wake source may call the listener from inside subscribe.
      let off: (() => void) | undefined
      let watching = true
      const unwatch = () => void ((watching = false), off?.())
      off = wake.subscribe((reason) => {
        if (reason !== 'pageshow') return
        unwatch() // its job done: a never-settling sign-out keeps no listener per logout
        if (loggingOut === entry) loggingOut = null
      })
      if (!watching) off()
      entry.promise = logout(options, (seen) => (entry.generation = seen)).finally(() => {
        unwatch()
        if (loggingOut === entry) loggingOut = null
      })
      loggingOut = entry
      return entry.promise
    },

    async getAccessToken() {
      if (scheduler) return scheduler.getAccessToken()
      await store.whenHydrated()
      // Not while a logout waits for its tombstone (shown here, or this tab's own about to be written).
      const signedIn = store.getState().status === 'authenticated' && !internals.logoutPending()
      const token = signedIn ? validAccessToken(internals.currentRecord(), clock.now()) : null
      if (token === null) throw new AuthSessionError('not-authenticated', 'There is no signed-in session with a valid access token')
      return token
    },

    refresh: async (options) => {
      checkOptions('refresh(options)', options, { force: 'boolean', refused: 'string' })
      if (!scheduler) throw new AuthSessionError('no-source', 'This store has no session source to refresh with')
      return scheduler.refresh(options)
    },

    nextRefreshAt: () => scheduler?.nextRefreshAt() ?? null,
  }
}

/**
 * A logout of this very session (same sessionId, so the same provider
 * session) was stored while its sign-in was being completed: another tab
 * signed out of it meanwhile, and the provider has likely revoked what the
 * exchange gave. The user's last word was the logout, so it stands. Only a
 * user's logout counts: an old login that ran out (a failed refresh,
 * `token-expired`, often why the user signs in again), an idle timeout or a
 * server's revocation ended old tokens, not this new sign-in. Nor is a
 * sign-in refused into a provider session signed out of before the exchange
 * began (the provider kept it).
 */
function signedOutSince(current: StoredRecord | null, before: StoredRecord | null, session: AuthenticationSession): boolean {
  if (!current?.ended || current.session?.sessionId !== session.sessionId || current.session.revokeReason !== 'user-logout') return false
  return !before || current.epoch !== before.epoch || current.generation > before.generation
}

/** What a source threw, as the typed error its caller is promised (itself when it already is one; else as the cause, with `returnTo`). */
function failed(code: 'sign-in-failed' | 'sign-out-failed', what: string, cause: unknown, returnTo?: string): AuthSessionError {
  if (cause instanceof AuthSessionError && cause.code === code) return cause
  return new AuthSessionError(code, `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, returnTo })
}
