import type { AuthenticationSession } from './session'

/**
 * What a session comes from: OpenID Connect, Kratos, an app's own session
 * endpoint. Protocol-neutral: the core schedules, locks, persists and syncs;
 * the source only talks to its server.
 */
export interface SessionSource {
  /** What the source is (`oidc`, `kratos`, `my-api`): for the app's own logs and diagnostics; the store does not read it. */
  readonly name: string
  /**
   * Whether each callback URL belongs to one sign-in only, because it carries
   * a one-time code (OAuth and OpenID Connect). Then a tab on a callback URL
   * another tab has completed gets that sign-in's session instead of
   * redeeming the code again. Leave it unset for a fixed return URL (an app's
   * own session endpoint): every visit is then a sign-in of its own.
   */
  readonly singleUseCallbacks?: boolean
  /**
   * Starts an interactive sign-in, usually by redirecting the page. Keeping
   * `returnTo` across the redirect (and handing it back from
   * `completeSignIn`) is the source's job.
   */
  startSignIn?(options?: SignInOptions): Promise<void>
  /**
   * Finishes a sign-in from the callback URL with an `active` session. What it
   * throws reaches `completeLogin()` as an AuthSessionError `sign-in-failed`
   * (the original as its `cause`); so does an invalid or inactive session.
   * When the sign-in fails but its `returnTo` is known, throw an
   * AuthSessionError `sign-in-failed` with `returnTo`: it reaches the app as it is.
   */
  completeSignIn?(url: string): Promise<SourceResult>
  /**
   * Exchanges the session's credentials for fresh ones, answering an `active`
   * session. Throws RefreshError: transient failures are retried, definitive
   * ones (`refresh-rejected`: a 401, `invalid_grant`) end the session. Any
   * other error counts as transient, so a source must turn the server's "no
   * session" into `refresh-rejected` itself, or the tabs retry it forever.
   * An answer for another user ends the session too (`refresh-rejected`,
   * providerError `user_mismatch`): the `user.id`s decide, or, when one side
   * has none, the `username`s, then the `email`s.
   */
  refresh(session: AuthenticationSession, context: RefreshContext): Promise<SourceResult>
  /**
   * Ends the session at the provider, after it was ended locally in every
   * tab. When the provider could not be told, throw: `logout()` rejects with
   * an AuthSessionError `sign-out-failed` (what was thrown, if not one already,
   * as its `cause`), the local end stands, and the next `logout()` in that tab
   * calls this again with that session, unless a sign-in came since. Until
   * it settles, `login()` in this tab is refused (`logout-in-progress`): one
   * that leaves the page may settle once the page is back (`pageshow`) or
   * stayed, as the OIDC source's does; one that never settles refuses it
   * until the page is back from the back/forward cache.
   */
  signOut?(session: AuthenticationSession, options?: SignOutOptions): Promise<void>
}

/** `login()`'s options, handed to the source's `startSignIn`. */
export interface SignInOptions {
  /** Where to send the user after the callback. */
  returnTo?: string | undefined
  /** Extra protocol parameters (e.g. `acr_values` for a step-up). */
  extraParams?: Record<string, string> | undefined
}

/** The provider step of `logout()`, handed to the source's `signOut`. */
export interface SignOutOptions {
  /**
   * Redirect to the provider's logout page. Default true; where the provider
   * has none, or with false, the OIDC source revokes the refresh token instead.
   */
  redirect?: boolean | undefined
}

/** What the store hands a source's `refresh` besides the session. */
export interface RefreshContext {
  /**
   * Aborted at the scheduler's timeout; the lock is held until the refresh
   * settles, or for twice the timeout. A source whose requests have their own
   * timeout should keep it within `timeoutMs`.
   */
  signal: AbortSignal
  /** The scheduler's timeout, ms (the store always gives it). */
  timeoutMs?: number
  /** The skew estimated at the last sign-in or refresh (server minus local, ms). */
  clockSkewMs?: number
}

// `| undefined`: a source computes these and may have none (an app compiling with exactOptionalPropertyTypes must be able to say so).
/** A source's answer to a sign-in or a refresh. */
export interface SourceResult {
  /** An `active` session: validated by the store, which refuses an invalid one. */
  session: AuthenticationSession
  /** Estimated server clock minus local clock, ms (from the token's `iat` or a `Date` header). */
  clockSkewMs?: number | undefined
  /** Where the app wanted to go (from SignInOptions.returnTo), after a completed sign-in. */
  returnTo?: string | undefined
}

/**
 * The `returnTo` in `value` (a source's answer, or the state a sign-in kept in
 * browser storage), when it is a string: both may hold anything.
 */
export function returnToIn(value: unknown): string | undefined {
  const returnTo = typeof value === 'object' && value !== null ? (value as { returnTo?: unknown }).returnTo : undefined
  return typeof returnTo === 'string' ? returnTo : undefined
}
