import type { IdleTimeoutOptions, SessionStoreOptions } from 'authsession'
import { createOidcSource } from 'authsession/oidc'

// Passed by examples/run.mjs, which starts the dev OpenID provider.
const authority = import.meta.env.VITE_OIDC_ISSUER ?? 'http://127.0.0.1:9400'
const clientId = import.meta.env.VITE_OIDC_CLIENT_ID ?? 'authsession-example'
const origin = window.location.origin

/** The session store's options: where sessions come from (OpenID Connect, code flow with PKCE). */
export const sessionOptions: SessionStoreOptions = {
  source: createOidcSource({
    authority,
    client_id: clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    scope: 'openid profile email offline_access',
    loadUserInfo: true,
  }),
  // Activity reaches the other tabs within 10 s (default 60 s), well inside the idle timeout below.
  activityWriteIntervalMs: 10_000,
}

/** The idle timeout, short enough to watch: signed out after 2 minutes without activity, the prompt in the last 30 s. */
export const idleTimeout: IdleTimeoutOptions = { timeoutMs: 2 * 60_000, promptMs: 30_000 }

export const isCallback = () => window.location.pathname === '/callback'
