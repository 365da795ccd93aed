import { OidcClient, type OidcClientSettings } from 'oidc-client-ts'
import { checkOptions } from '../../core/argument-checks'
import { MAX_TIMER_DELAY } from '../../core/clock'
import { basicDeviceInfo } from '../../core/device'
import { RefreshError } from '../../core/errors'
import type { DeviceInfo } from '../../core/session'
import { returnToIn, type SessionSource, type SourceResult } from '../../core/source'
import { callbackCode, classifyOidcError, signInError } from './classify-error'
import { readJwtClaims } from './jwt-claims'
import { leavePage } from '../leave-page'
import { checkLogoutParams, type LogoutParams } from './logout-params'
import { mapTokenResponse, type TokenResponseLike } from './map-response'
import { signOutAtProvider } from './sign-out'

// How long a refresh's token request may take before it is given up (and its answer, if any, lost):
// past any gateway's own timeout (60 s is nginx's and most load balancers' default).
const TOKEN_REQUEST_LIMIT_SECONDS = 60

/** `createOidcSource`'s options beside oidc-client-ts's own settings. */
export interface OidcSourceOptions {
  /** Shown as `identityProvider.name` when the ID token has no `idp`. Default: the authority. */
  providerName?: string | undefined
  /** Device facts for new sessions. Default: what the browser states (user agent, client hints). */
  deviceInfo?: (() => DeviceInfo) | undefined
  /**
   * How to leave the page for the provider. Default `location.assign`, with
   * a promise that settles once the page is back (back/forward cache) or
   * stayed (5 s): until then this tab's logout() counts as under way. One of
   * your own may return such a promise too.
   */
  navigate?: ((url: string) => unknown) | undefined
  /** Lifetime assumed when a token response has no expires_in and the access token is not a JWT. Default 300 s. */
  defaultLifetimeSeconds?: number | undefined
  /** Clock for the mapping (tests). Default Date.now. */
  now?: (() => number) | undefined
  /**
   * Timeout of every request to the provider (discovery, code exchange,
   * userinfo, refresh, revocation), in seconds. Default: the settings'
   * `requestTimeoutInSeconds`, else 10; 0 for none. A refresh's discovery also stays
   * within the scheduler's timeout; its token request waits up to 60 s (or
   * this, if longer), since a late answer holds the rotated refresh token.
   */
  requestTimeoutSeconds?: number | undefined
  /**
   * More query parameters for the provider's end-session page, besides the
   * session's ID token as `id_token_hint`, added to the settings'
   * `extraQueryParams`: what a provider needs there that RP-initiated logout
   * does not say, such as Amazon Cognito's `client_id` and `logout_uri`. An
   * object, or a function of the ended session called at each logout (it may
   * read `location` then). A `client_id` or `post_logout_redirect_uri` here
   * is sent once, in place of the one oidc-client-ts would add. Not used when
   * the logout revokes instead (`redirect: false`, no end-session page).
   * Never put a token here: the URL stays in the provider's logs and the
   * browser's history.
   */
  logoutParams?: LogoutParams | undefined
}

const OPTIONS = { providerName: 'string', deviceInfo: 'function', navigate: 'function', defaultLifetimeSeconds: 'seconds', now: 'function', requestTimeoutSeconds: 'seconds' } as const

/**
 * OpenID Connect through oidc-client-ts. Built on its OidcClient rather than
 * UserManager on purpose: UserManager keeps a User copy of the tokens in its
 * own store and renews on its own timer, while authsession owns both
 * persistence and scheduling; and UserManager's User drops extra token
 * response fields such as `refresh_expires_in`, which the record needs.
 * Only the short-lived sign-in state (PKCE verifier, nonce) is kept by
 * oidc-client-ts, in its state store, between the redirect and the callback.
 */
export function createOidcSource(settings: OidcClientSettings, options: OidcSourceOptions = {}): SessionSource {
  // A string timeout ('ten') timed every request at NaN: each was aborted at once.
  checkOptions('createOidcSource(settings)', settings ?? null, {})
  // Null, as `??` reads it, is a default (config read from JSON says "not set" so).
  checkOptions('createOidcSource(settings, options)', options, OPTIONS, true)
  // A function is called, and its answer checked, at each logout.
  const logoutParams = options.logoutParams ?? undefined
  if (logoutParams !== undefined && typeof logoutParams !== 'function') checkLogoutParams('createOidcSource(settings, options).logoutParams', logoutParams)
  let client: OidcClient | undefined
  let refresher: OidcClient | undefined
  // oidc-client-ts sets no timeout of its own: a provider that accepts the
  // connection and never answers would leave a sign-in or sign-out pending forever.
  // Capped as systemClock caps its timers: oidc-client-ts's (and the revocation's) setTimeout fires at once past 2^31-1 ms, so
  // Infinity ("no deadline") would abort every request as it is sent, a refresh after the provider may have rotated its token.
  // 0 is no timeout, as oidc-client-ts reads its own setting (the revocation's timer aborted at once on it).
  const timeoutSeconds = Math.min((options.requestTimeoutSeconds ?? settings.requestTimeoutInSeconds ?? 10) || Infinity, MAX_TIMER_DELAY / 1000)
  // Created on first use: OidcClient's default state store reads localStorage.
  const oidc = () => (client ??= new OidcClient({ ...settings, requestTimeoutInSeconds: timeoutSeconds }))
  // Refreshes never load userinfo: a userinfo failure after the token
  // exchange would throw away tokens the provider has already rotated.
  const refreshClient = (budgetSeconds: number) =>
    (refresher ??= new OidcClient({ ...settings, requestTimeoutInSeconds: budgetSeconds, loadUserInfo: false }))
  // An OidcClient keeps the first discovery document it reads (any JSON
  // answered 200) for its whole life, even one without the endpoints: a
  // gateway in maintenance that answers every path with a status body would
  // leave this tab failing every sign-in, refresh and sign-out until reloaded.
  // So a call that fails drops its client, and the next one reads the document again.
  const forgetClient = () => void (client = undefined)
  const forgetRefresher = () => void (refresher = undefined)
  const now = options.now ?? Date.now
  const context = {
    deviceInfo: options.deviceInfo ?? basicDeviceInfo,
    providerName: options.providerName ?? settings.authority,
    defaultLifetimeMs: options.defaultLifetimeSeconds != null ? options.defaultLifetimeSeconds * 1000 : undefined,
  }
  const navigate = options.navigate ?? leavePage

  return {
    name: 'oidc',
    // A callback URL carries the authorization code and state of one sign-in.
    singleUseCallbacks: true,

    async startSignIn(signInOptions = {}) {
      let request
      try {
        request = await oidc().createSigninRequest({
          state: { returnTo: signInOptions.returnTo },
          // Added to the settings' own (an audience, a resource): oidc-client-ts would put them in their place.
          extraQueryParams: signInOptions.extraParams && { ...settings.extraQueryParams, ...signInOptions.extraParams },
        })
      } catch (cause) {
        forgetClient()
        throw signInError(cause, 'started')
      }
      await navigate(request.url)
    },

    async completeSignIn(url): Promise<SourceResult> {
      // Read before the sign-in uses its state up: a failure then still tells the app where the user
      // was going. oidc-client-ts's own error keeps it (as `state`) only for an error callback, not
      // when the code exchange fails; none is found for a state this browser does not hold.
      const returnTo = await oidc().readSigninResponseState(url).then(({ state }) => returnToIn(state.data), () => undefined)
      let response
      const sentAt = now()
      try {
        response = await oidc().processSigninResponse(url)
      } catch (cause) {
        forgetClient()
        // The code, if the provider echoes it (the exchange's own form, code and verifier, is cut out too).
        throw signInError(cause, 'completed', [callbackCode(url)], returnTo)
      }
      let mapped
      try {
        mapped = mapTokenResponse(response as unknown as TokenResponseLike, { ...context, now: now(), sentAt })
      } catch (cause) {
        throw signInError(cause, 'completed', [], returnTo)
      }
      return { ...mapped, returnTo }
    },

    async refresh(session, { clockSkewMs, timeoutMs }): Promise<SourceResult> {
      if (!session.refreshToken) {
        throw new RefreshError('refresh-rejected', 'The session has no refresh token', { providerError: 'no_refresh_token' })
      }
      const signedIn = readJwtClaims(session.idToken)
      // The claims an answer without an ID token keeps (oidc-client-ts hands them back as its profile).
      const profile = { sub: session.user.id ?? '', ...signedIn }
      // Discovery (nothing is spent yet) stays within the scheduler's timeout.
      const budgetSeconds = Math.min(timeoutSeconds, timeoutMs ? timeoutMs / 1000 : Number.POSITIVE_INFINITY)
      let response
      let sentAt = now()
      try {
        const client = refreshClient(budgetSeconds)
        await client.metadataService.getMetadata()
        sentAt = now()
        response = await client.useRefreshToken({
          state: {
            refresh_token: session.refreshToken,
            // Not given: oidc-client-ts would refuse a refreshed ID token whose auth_time differs from this one's,
            // which Azure AD B2C, Cognito (with rotation) and Keycloak (after a login elsewhere in its SSO session)
            // send for the same user: a logout, its rotated tokens thrown away. The subject is checked below.
            id_token: undefined,
            session_state: null,
            scope: session.scopes?.join(' '),
            profile,
          } as never,
          // Not cut short at the scheduler's timeout: once sent, the provider may
          // have rotated the refresh token, and its answer, however late, holds the
          // only valid one. The scheduler stores a late answer, and no tab sends the
          // old token while this request is out; only one hanging past this is given up.
          timeoutInSeconds: Math.max(TOKEN_REQUEST_LIMIT_SECONDS, timeoutSeconds),
        })
      } catch (cause) {
        forgetRefresher()
        throw classifyOidcError(cause, [session.refreshToken, session.accessToken, session.idToken])
      }
      const mismatch = anotherLogin(readJwtClaims(response.id_token), signedIn ?? profile, settings.client_id)
      if (mismatch) {
        throw new RefreshError('refresh-rejected', `The refreshed ID token does not belong to this session: ${mismatch}`, { providerError: 'id_token_mismatch' })
      }
      // Even past the scheduler's timeout the answer is returned: the provider
      // has rotated the refresh token, so the new one must be kept.
      try {
        return mapTokenResponse(response as unknown as TokenResponseLike, { ...context, now: now(), sentAt, previous: session, knownSkewMs: clockSkewMs })
      } catch (cause) {
        // The old refresh token is spent and the new answer is unusable: retrying could only meet invalid_grant.
        throw new RefreshError('refresh-rejected', 'The provider answered the refresh with tokens that could not be used', { cause, providerError: 'unusable_response' })
      }
    },

    signOut: (session, signOutOptions = {}) =>
      signOutAtProvider(session, signOutOptions, { client: oidc, credentials: settings, navigate, timeoutSeconds, logoutParams, settingsParams: settings.extraQueryParams }).catch((error: unknown) => {
        forgetClient()
        throw error
      }),
  }
}

/** Why a refreshed ID token is not the session's (another subject, or issued to another party), or null. */
function anotherLogin(refreshed: Record<string, unknown> | null, signedIn: Record<string, unknown>, clientId: string): string | null {
  if (!refreshed) return null
  // Nothing to compare with (a session moved from a User without its ID token): the store compares user ids.
  if (typeof signedIn.sub === 'string' && signedIn.sub && refreshed.sub !== signedIn.sub) return 'sub in id_token does not match current sub'
  if (signedIn.azp !== undefined && refreshed.azp !== signedIn.azp) return 'azp in id_token does not match original azp'
  // A sign-in's token without azp (most providers state it only with several audiences): a refreshed one
  // stating it must name this client, or it was issued to another party.
  if (signedIn.azp === undefined && refreshed.azp !== undefined && refreshed.azp !== clientId) return 'azp in id_token does not match this client'
  return null
}
