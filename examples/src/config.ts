import type { SessionStoreOptions } from 'authsession'
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
}

export const isCallback = () => window.location.pathname === '/callback'
