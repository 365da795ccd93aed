// A real OpenID Provider (npm `oidc-provider`) for tests and local development.
//
// - Listens on 127.0.0.1 only; `close()` stops the server and every socket.
// - Public SPA clients: auth method `none`, authorization_code + refresh_token,
//   PKCE S256 required, every refresh rotates the refresh token, reuse of a
//   rotated refresh token => `invalid_grant` and the whole token family
//   (the grant) is revoked (oidc-provider's own behaviour with rotation).
// - No human needed: `/interaction/:uid` logs the single test user in and
//   grants every requested scope, so a browser (or fetch loop) just follows
//   redirects from the authorize URL back to the redirect_uri with a code.
// - Refresh tokens without `prompt=consent`: oidc-provider silently drops
//   `offline_access` from an authorization request unless it has
//   `prompt=consent`, so a GET authorization request that asks for
//   `offline_access` gets `consent` added to its `prompt` here (the
//   interaction answers consent automatically); `offline_access` is then
//   really granted and appears in the token responses' `scope` (not with
//   `prompt=none`, which cannot be combined with consent). Besides,
//   `issueRefreshToken` issues a refresh token to these clients on every
//   code/refresh exchange even without `offline_access`.
// - Refresh tokens are bound to the provider session (`expiresWithSession`
//   always true): RP-initiated logout (`/session/end`) revokes them.
// - Test controls: stats(), setDown(), failRefreshWithInvalidGrant(),
//   refreshGrantLog(), endSessionLog(), revokeAllRefreshTokens().
//
// Runs directly too, for an app of your own: `npm run dev-provider`
// (dev-provider/cli.mjs; env OIDC_PORT, default 9400; APP_PORT, default 5173;
// OIDC_ACCESS_TOKEN_TTL in seconds, default 30 as for the example app).
//
// Parts: dev-provider/configuration.mjs (oidc-provider's configuration),
// dev-provider/test-controls.mjs (counts, refresh log, failure switches),
// dev-provider/interaction.mjs (the automatic login and consent).
//
// On Node 20 oidc-provider prints "Unsupported runtime. Use Node.js v22.x LTS":
// expected, it works.

import { createServer } from 'node:http';
import { providerConfiguration } from './dev-provider/configuration.mjs';
import { finishInteraction } from './dev-provider/interaction.mjs';
import { createTestControls } from './dev-provider/test-controls.mjs';

export { ACR, signIdToken } from './dev-provider/configuration.mjs';
export { hashRefreshToken } from './dev-provider/test-controls.mjs';

/**
 * @typedef {object} DevClient
 * @property {string} clientId
 * @property {string[]} redirectUris
 * @property {string[]} [postLogoutRedirectUris]
 * @property {string[]} origins Browser origins allowed by CORS (e.g. 'http://127.0.0.1:5173').
 */

/**
 * @typedef {{ sub: string, [claim: string]: unknown }} DevUser
 */

/**
 * @typedef {object} DevProviderOptions
 * @property {number} [port] 0 (default) = random free port.
 * @property {DevClient[]} clients
 * @property {number} [accessTokenTtlSeconds] default 10 (`expires_in` of token responses).
 * @property {number} [refreshTokenTtlSeconds] default 3600.
 * @property {boolean} [slidingRefreshTokens] default false: a rotated refresh token keeps the
 *   remaining lifetime of its predecessor (absolute lifetime from login, oidc-provider's default
 *   for public web clients). true: every rotation gets a fresh `refreshTokenTtlSeconds`.
 * @property {boolean} [rotateRefreshTokens] default true: each refresh answers a new refresh token and
 *   the old one is spent. false: the same refresh token stays valid (Keycloak's and Okta's default).
 * @property {boolean} [refreshTokensWithoutOfflineAccess] default true. false: oidc-provider's own rule,
 *   a refresh token only when offline_access was granted (as at Auth0, Okta, Entra ID).
 * @property {DevUser} [user] default {@link DEFAULT_USER}.
 * @property {boolean} [log] log every request and provider notices to the console.
 */

/**
 * @typedef {object} DevProviderHandle
 * @property {string} issuer e.g. 'http://127.0.0.1:40123' (no trailing slash)
 * @property {number} port
 * @property {DevUser} user
 * @property {any} provider the underlying oidc-provider `Provider` (a Koa app) instance
 * @property {() => import('./dev-provider/test-controls.mjs').DevProviderStats} stats
 * @property {() => void} resetStats also clears refreshGrantLog()
 * @property {(down: boolean | 'reset' | 'maintenance') => void} setDown
 *   true: every request except CORS preflights is answered HTTP 503 (text/plain, with CORS headers
 *   for allowed origins, so browser code can see the status). 'reset': every request's socket is
 *   destroyed without a response (fetch rejects with a TypeError). 'maintenance': every request,
 *   discovery included, is answered 200 `{"status":"maintenance"}` (a gateway in maintenance mode).
 *   false: back to normal.
 * @property {(on: boolean) => void} failRefreshWithInvalidGrant while on, every refresh_token grant
 *   is answered 400 {error:'invalid_grant'} without reaching the provider (tokens stay valid).
 * @property {() => import('./dev-provider/test-controls.mjs').RefreshGrantLogEntry[]} refreshGrantLog
 * @property {() => Array<{ query: Record<string, string[]>, status: number }>} endSessionLog every GET of the end-session page
 * @property {(fn: ((body: Record<string, unknown>) => Record<string, unknown>) | null) => void} reshapeRefreshAnswers
 *   rewrites every successful refresh answer as another provider would (no ID token, no expires_in, a
 *   restated ID token: see signIdToken); null: as oidc-provider issued it.
 * @property {() => Promise<number>} revokeAllRefreshTokens destroys every stored refresh token
 *   (later use => invalid_grant 'refresh token not found'); resolves to how many were destroyed.
 * @property {() => Promise<void>} close
 */

/** @type {DevUser} */
export const DEFAULT_USER = Object.freeze({
  sub: 'alice',
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  preferred_username: 'alice',
  email: 'alice@example.test',
  email_verified: true,
});

/**
 * @param {import('node:http').Server} server
 * @param {number} port
 * @returns {Promise<number>}
 */
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Starts oidc-provider on 127.0.0.1.
 * @param {DevProviderOptions} options
 * @returns {Promise<DevProviderHandle>}
 */
export async function startDevProvider(options) {
  const {
    port: wantedPort = 0,
    clients,
    accessTokenTtlSeconds = 10,
    refreshTokenTtlSeconds = 3600,
    slidingRefreshTokens = false,
    rotateRefreshTokens = true,
    refreshTokensWithoutOfflineAccess = true,
    user = DEFAULT_USER,
    log = false,
  } = options;
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new TypeError('startDevProvider: options.clients must be a non-empty array');
  }

  const originsByClient = new Map(clients.map((c) => [c.clientId, new Set(c.origins ?? [])]));
  const allOrigins = new Set(clients.flatMap((c) => c.origins ?? []));

  const controls = createTestControls({ allOrigins, log });
  /** @type {Set<string>} ids (jti) of stored refresh tokens */
  const refreshTokenIds = new Set();

  // The issuer must contain the port, so listen first and attach the provider afterwards.
  /** @type {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void} */
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 1000;
  const port = await listen(server, wantedPort);
  const issuer = `http://127.0.0.1:${port}`;

  // @ts-ignore -- @types/oidc-provider is not installed; the provider is used untyped here.
  const { default: Provider } = await import('oidc-provider');

  const configuration = providerConfiguration({ clients, user, accessTokenTtlSeconds, refreshTokenTtlSeconds, slidingRefreshTokens, originsByClient, rotateRefreshTokens, refreshTokensWithoutOfflineAccess });

  // oidc-provider prints notices through console.info / console.warn while it is constructed.
  const { info, warn } = console;
  if (!log) {
    console.info = () => {};
    console.warn = (...args) => (String(args[0]).includes('oidc-provider') ? undefined : warn(...args));
  }
  /** @type {any} */
  let provider;
  try {
    provider = new Provider(issuer, configuration);
  } finally {
    console.info = info;
    console.warn = warn;
  }
  provider.proxy = false;

  // `sid` in ID tokens: oidc-provider only adds it for back-channel-logout clients
  // (or a `claims` request parameter); include it always.
  provider.Client.prototype.includeSid = () => true;

  provider.on('refresh_token.saved', (/** @type {any} */ token) => refreshTokenIds.add(token.jti));
  provider.on('refresh_token.destroyed', (/** @type {any} */ token) => refreshTokenIds.delete(token.jti));
  provider.on('grant.error', (/** @type {any} */ ctx, /** @type {any} */ err) => {
    ctx.state.grantErrorDetail = err?.error_detail ?? err?.error_description;
  });
  provider.on('server_error', (/** @type {any} */ ctx, /** @type {any} */ err) => {
    controls.countServerError();
    console.error(`[oidc-dev-provider] server_error ${ctx.method} ${ctx.path}:`, err);
  });

  const tokenPath = new URL(provider.urlFor('token')).pathname;
  const authorizationPath = new URL(provider.urlFor('authorization')).pathname;
  const endSessionPath = new URL(provider.urlFor('end_session')).pathname;

  // Runs before oidc-provider's own middleware stack.
  provider.use(controls.middleware({ tokenPath, authorizationPath, endSessionPath }, (ctx) => finishInteraction(provider, user, ctx)));

  handler = provider.callback();

  let closed = false;
  /** @type {DevProviderHandle} */
  const handle = {
    issuer,
    port,
    user,
    provider,
    stats: controls.stats,
    resetStats: controls.resetStats,
    setDown: controls.setDown,
    failRefreshWithInvalidGrant: controls.failRefreshWithInvalidGrant,
    refreshGrantLog: controls.refreshGrantLog,
    endSessionLog: controls.endSessionLog,
    reshapeRefreshAnswers: controls.reshapeRefreshAnswers,
    revokeAllRefreshTokens: async () => {
      const ids = [...refreshTokenIds];
      await Promise.all(ids.map((id) => provider.RefreshToken.adapter.destroy(id)));
      ids.forEach((id) => refreshTokenIds.delete(id));
      return ids.length;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      });
    },
  };
  return handle;
}
