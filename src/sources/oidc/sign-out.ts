import type { OidcClient } from 'oidc-client-ts'
import type { AuthenticationSession } from '../../core/session'
import type { SignOutOptions } from '../../core/source'
import { signOutError } from './classify-error'
import { signoutRequestParts, type LogoutParams } from './logout-params'
import { revokeRefreshToken, type RevokingClient } from './revoke-token'

export interface SignOutDeps {
  /** Made on first use (its state store reads localStorage). */
  client(): OidcClient
  credentials: RevokingClient
  navigate(url: string): unknown
  timeoutSeconds: number
  /** The source's `logoutParams`, and the settings' `extraQueryParams` they are added to. */
  logoutParams?: LogoutParams | undefined
  settingsParams?: Record<string, string | number | boolean> | undefined
}

/**
 * Ends the session at the provider, once the store has ended it in every tab:
 * at its end-session page where it has one (unless `redirect: false`), with
 * the ID token as hint and the source's `logoutParams`, else by revoking the
 * refresh token. Rejects with `sign-out-failed` whenever the
 * provider could not be told, so the app learns that the provider's session
 * (a next sign-in that asks for nothing) or a live refresh token remains.
 */
export async function signOutAtProvider(session: AuthenticationSession, options: SignOutOptions, deps: SignOutDeps): Promise<void> {
  const redirect = options.redirect !== false
  let unsaid: string
  try {
    const endSession = redirect ? await deps.client().metadataService.getEndSessionEndpoint() : undefined
    if (endSession) {
      const parts = signoutRequestParts(deps.logoutParams, session, deps.settingsParams)
      const request = await deps.client().createSignoutRequest({ ...parts, id_token_hint: session.idToken })
      // Settles once the page is back or stayed: until then the store counts this logout as under way.
      return void (await deps.navigate(request.url))
    }
    const revocation = session.refreshToken ? await deps.client().metadataService.getRevocationEndpoint() : undefined
    if (session.refreshToken && revocation) return await revokeRefreshToken(revocation, session.refreshToken, deps.credentials, deps.timeoutSeconds)
    // Without a refresh token, what stays is an access token that expires on its own.
    if (!session.refreshToken && !redirect) return
    unsaid = !session.refreshToken
      ? 'it has no end-session page, and there is no refresh token to revoke'
      : redirect
        ? 'it has neither an end-session page nor token revocation'
        : 'it has no token revocation, so the refresh token stays valid until it expires'
  } catch (cause) {
    throw signOutError(cause, [session.refreshToken, session.idToken, session.accessToken])
  }
  throw signOutError(new Error(unsaid))
}
