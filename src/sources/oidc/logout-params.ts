import { AuthSessionError } from '../../core/errors'
import { describe, isPlainObject } from '../../core/json-data'
import type { AuthenticationSession } from '../../core/session'

/** Query parameters for the provider's end-session page: fixed, or chosen per logout from the ended session. */
export type LogoutParams = Record<string, string | undefined> | ((session: AuthenticationSession) => Record<string, string | undefined>)

/** What `createSignoutRequest` takes from the params: the two it would add itself go in their own place, so each appears once. */
export interface SignoutRequestParts {
  client_id?: string
  post_logout_redirect_uri?: string
  extraQueryParams?: Record<string, string>
}

/** Throws invalid-argument unless `params` is a plain object of strings (undefined: left out) without `id_token_hint`. */
export function checkLogoutParams(what: string, params: unknown): asserts params is Record<string, string | undefined> {
  if (!isPlainObject(params)) throw new AuthSessionError('invalid-argument', `${what}: expected a plain object of strings, got ${describe(params)}`)
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && typeof value !== 'string') throw new AuthSessionError('invalid-argument', `${what}.${key}: expected a string, got ${describe(value)}`)
  }
  // The hint is the ended session's own ID token: another one would name another login, and a second copy may be refused.
  if (params.id_token_hint !== undefined) throw new AuthSessionError('invalid-argument', `${what}: id_token_hint is the session's ID token, added by the source`)
}

/**
 * The end-session request's parts for `session`, or undefined without
 * params (oidc-client-ts then sends the settings' own, as it always did).
 * Added to the settings' `extraQueryParams`, as `login({ extraParams })` is.
 */
export function signoutRequestParts(
  params: LogoutParams | undefined,
  session: AuthenticationSession,
  settingsParams: Record<string, string | number | boolean> | undefined,
): SignoutRequestParts | undefined {
  if (params === undefined) return undefined
  const chosen = typeof params === 'function' ? params(session) : params
  checkLogoutParams(typeof params === 'function' ? 'logoutParams(session)' : 'logoutParams', chosen)
  // oidc-client-ts adds client_id itself (with a redirect URI and no hint): given again as an extra, it is sent twice, which Auth0 refuses.
  const { client_id, post_logout_redirect_uri, ...rest } = chosen
  // Left out as oidc-client-ts leaves them out: undefined, and a settings' null (config read from JSON: not set), never sent as "null".
  const extra = Object.fromEntries(Object.entries({ ...settingsParams, ...rest }).flatMap(([key, value]) => (value == null ? [] : [[key, String(value)]])))
  return {
    ...(client_id !== undefined ? { client_id } : {}),
    ...(post_logout_redirect_uri !== undefined ? { post_logout_redirect_uri } : {}),
    extraQueryParams: extra,
  }
}
