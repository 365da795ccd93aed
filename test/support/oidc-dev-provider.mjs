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
//   refreshGrantLog(), revokeAllRefreshTokens().
//
// Runs directly too, for an app of your own: `npm run dev-provider`
// (env OIDC_PORT, default 9400; APP_PORT, default 5173; OIDC_ACCESS_TOKEN_TTL
// in seconds, default 30 as for the example app).
//
// On Node 20 oidc-provider prints "Unsupported runtime. Use Node.js v22.x LTS":
// expected, it works.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';

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
 * @property {DevUser} [user] default {@link DEFAULT_USER}.
 * @property {boolean} [log] log every request and provider notices to the console.
 */

/**
 * @typedef {object} DevProviderStats
 * @property {number} requests every HTTP request received (any endpoint)
 * @property {number} tokenRequests every POST to the token endpoint (also those refused while down)
 * @property {number} authorizationCodeGrants token requests with grant_type=authorization_code
 * @property {number} refreshGrants token requests with grant_type=refresh_token (success or not)
 * @property {number} refreshGrantsSucceeded refresh grants answered 200
 * @property {number} invalidGrants token responses with error=invalid_grant (real or simulated)
 * @property {number} errors responses with HTTP status >= 400 on any endpoint (incl. simulated 503/invalid_grant)
 * @property {number} downResponses requests refused because of setDown()
 * @property {number} serverErrors provider-internal `server_error`s (bugs; also printed)
 */

/**
 * @typedef {object} RefreshGrantLogEntry
 * @property {number} at Date.now() when the response was sent
 * @property {boolean} ok
 * @property {string} [error] OAuth `error` ('invalid_grant', ...), or 'unavailable' while down
 * @property {string} [errorDetail] provider's internal reason, e.g. 'refresh token already used',
 *   'refresh token not found', or 'simulated' for failRefreshWithInvalidGrant()
 * @property {number} status HTTP status
 * @property {string} [refreshTokenHash] hashRefreshToken() of the presented refresh token
 * @property {string} [newRefreshTokenHash] hashRefreshToken() of the refresh token issued on success
 * @property {string} [origin] Origin header of the request
 */

/**
 * @typedef {object} DevProviderHandle
 * @property {string} issuer e.g. 'http://127.0.0.1:40123' (no trailing slash)
 * @property {number} port
 * @property {DevUser} user
 * @property {any} provider the underlying oidc-provider `Provider` (a Koa app) instance
 * @property {() => DevProviderStats} stats
 * @property {() => void} resetStats also clears refreshGrantLog()
 * @property {(down: boolean | 'reset') => void} setDown
 *   true: every request except CORS preflights is answered HTTP 503 (text/plain, with CORS headers
 *   for allowed origins, so browser code can see the status). 'reset': every request's socket is
 *   destroyed without a response (fetch rejects with a TypeError). false: back to normal.
 * @property {(on: boolean) => void} failRefreshWithInvalidGrant while on, every refresh_token grant
 *   is answered 400 {error:'invalid_grant'} without reaching the provider (tokens stay valid).
 * @property {() => RefreshGrantLogEntry[]} refreshGrantLog
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

export const ACR = 'urn:authsession:dev:pwd';

const STANDARD_PROFILE_CLAIMS = [
  'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
];

/**
 * Hash used in refreshGrantLog(): base64url(sha256(token)).slice(0, 22).
 * @param {string} token
 * @returns {string}
 */
export function hashRefreshToken(token) {
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

/** @returns {DevProviderStats} */
function emptyStats() {
  return {
    requests: 0,
    tokenRequests: 0,
    authorizationCodeGrants: 0,
    refreshGrants: 0,
    refreshGrantsSucceeded: 0,
    invalidGrants: 0,
    errors: 0,
    downResponses: 0,
    serverErrors: 0,
  };
}

/**
 * Reads a request body completely, then makes the request readable again for oidc-provider's
 * own body parser (which reads `req.iterator()` when `req.readable`).
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
async function readAndReplayBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const buf = Buffer.concat(chunks);
  Object.defineProperty(req, 'readable', { configurable: true, get: () => true });
  /** @type {any} */ (req).iterator = (/** @type {any} */ opts) => Readable.from([buf]).iterator(opts);
  return buf.toString('utf8');
}

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

/** @type {object | undefined} */
let processSigningJwk;

/**
 * A private RS256 JWK generated once per process (RSA keygen takes ~0.5 s) and shared by the
 * providers started in it; nothing is stored in the repository.
 * @returns {object}
 */
function generateSigningJwk() {
  if (processSigningJwk) return processSigningJwk;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  processSigningJwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: `dev-${randomBytes(6).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  };
  return processSigningJwk;
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
    user = DEFAULT_USER,
    log = false,
  } = options;
  if (!Array.isArray(clients) || clients.length === 0) {
    throw new TypeError('startDevProvider: options.clients must be a non-empty array');
  }

  const originsByClient = new Map(clients.map((c) => [c.clientId, new Set(c.origins ?? [])]));
  const allOrigins = new Set(clients.flatMap((c) => c.origins ?? []));

  let stats = emptyStats();
  /** @type {RefreshGrantLogEntry[]} */
  let refreshLog = [];
  /** @type {false | true | 'reset'} */
  let down = false;
  let failRefresh = false;
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

  const profileClaims = [
    ...STANDARD_PROFILE_CLAIMS,
    ...Object.keys(user).filter((k) => !['sub', 'email', 'email_verified', ...STANDARD_PROFILE_CLAIMS].includes(k)),
  ];

  /** @type {any} */
  const configuration = {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      require_auth_time: true, // auth_time in every ID token
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [generateSigningJwk()] },
    cookies: { keys: [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')] },
    acrValues: [ACR],
    claims: {
      acr: null,
      amr: null,
      auth_time: null,
      sid: null,
      iss: null,
      // acr/amr are only masked into the ID token when requested; list them under `openid`.
      openid: ['sub', 'acr', 'amr'],
      profile: profileClaims,
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    conformIdTokenClaims: false, // profile/email claims go into the ID token too
    clockTolerance: 0,
    pkce: { required: () => true }, // oidc-provider 9 supports S256 only
    rotateRefreshToken: true,
    // Tokens die with the provider session, so RP-initiated logout revokes them too
    // (default: only when offline_access was not granted).
    expiresWithSession: async () => true,
    // Issue a refresh token for every code/refresh exchange of these clients, even when
    // offline_access was not requested/granted.
    issueRefreshToken: async (/** @type {any} */ _ctx, /** @type {any} */ client) => (
      originsByClient.has(client.clientId) && client.grantTypeAllowed('refresh_token')
    ),
    clientBasedCORS: (/** @type {any} */ _ctx, /** @type {string} */ origin, /** @type {any} */ client) => (
      originsByClient.get(client.clientId)?.has(origin) ?? false
    ),
    findAccount: async (/** @type {any} */ _ctx, /** @type {string} */ sub) => (sub === user.sub
      ? { accountId: sub, claims: async () => ({ ...user }) }
      : undefined),
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // No confirmation page: auto-submit the confirm form with logout=yes (needs JS, as in a browser).
        logoutSource: async (/** @type {any} */ ctx, /** @type {string} */ form) => {
          ctx.body = `<!DOCTYPE html><html><head><title>Signing out</title></head><body>
${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')}
<script>document.forms[0].submit()</script></body></html>`;
        },
        postLogoutSuccessSource: async (/** @type {any} */ ctx) => {
          ctx.body = '<!DOCTYPE html><html><head><title>Signed out</title></head><body>Signed out</body></html>';
        },
      },
    },
    interactions: { url: async (/** @type {any} */ _ctx, /** @type {any} */ interaction) => `/interaction/${interaction.uid}` },
    renderError: async (/** @type {any} */ ctx, /** @type {Record<string, string>} */ out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><title>OP error</title></head><body><pre>${
        Object.entries(out).map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`).join('\n')
      }</pre></body></html>`;
    },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: (/** @type {any} */ ctx) => {
        const rotated = ctx?.oidc?.entities?.RotatedRefreshToken;
        if (rotated && !slidingRefreshTokens) return Math.max(1, rotated.remainingTTL);
        return refreshTokenTtlSeconds;
      },
      Interaction: 3600,
      // Refresh tokens here expire with the session: keep session and grant alive longer.
      Session: Math.max(refreshTokenTtlSeconds, 3600) + 60,
      Grant: Math.max(refreshTokenTtlSeconds, 3600) + 60,
    },
  };

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
    stats.serverErrors += 1;
    console.error(`[oidc-dev-provider] server_error ${ctx.method} ${ctx.path}:`, err);
  });

  /** @param {any} ctx */
  const corsForSynthetic = (ctx) => {
    const origin = ctx.get('Origin');
    ctx.vary('Origin');
    if (origin && allOrigins.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
    }
  };

  const tokenPath = new URL(provider.urlFor('token')).pathname;
  const authorizationPath = new URL(provider.urlFor('authorization')).pathname;

  // Runs before oidc-provider's own middleware stack.
  provider.use(async (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => {
    stats.requests += 1;
    const started = Date.now();
    const isToken = ctx.method === 'POST' && ctx.path === tokenPath;
    /** @type {Record<string, string | string[] | undefined>} */
    let form = {};
    if (isToken) {
      const raw = await readAndReplayBody(ctx.req);
      form = Object.fromEntries(new URLSearchParams(raw));
      stats.tokenRequests += 1;
      if (form.grant_type === 'authorization_code') stats.authorizationCodeGrants += 1;
      if (form.grant_type === 'refresh_token') stats.refreshGrants += 1;
    }
    const presented = typeof form.refresh_token === 'string' ? hashRefreshToken(form.refresh_token) : undefined;
    const isRefresh = isToken && form.grant_type === 'refresh_token';

    /** @param {Omit<RefreshGrantLogEntry, 'at' | 'refreshTokenHash' | 'origin'>} entry */
    const logRefresh = (entry) => {
      if (!isRefresh) return;
      refreshLog.push({ at: Date.now(), refreshTokenHash: presented, origin: ctx.get('Origin') || undefined, ...entry });
    };

    try {
      if (down === 'reset') {
        stats.downResponses += 1;
        stats.errors += 1;
        logRefresh({ ok: false, status: 0, error: 'unavailable', errorDetail: 'connection reset' });
        ctx.respond = false;
        ctx.req.socket.destroy();
        return;
      }
      if (down) {
        const preflight = ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method');
        if (preflight) {
          corsForSynthetic(ctx);
          ctx.set('Access-Control-Allow-Methods', 'GET,POST');
          const reqHeaders = ctx.get('Access-Control-Request-Headers');
          if (reqHeaders) ctx.set('Access-Control-Allow-Headers', reqHeaders);
          ctx.status = 204;
          return;
        }
        stats.downResponses += 1;
        stats.errors += 1;
        corsForSynthetic(ctx);
        ctx.set('Retry-After', '1');
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 503;
        ctx.type = 'text/plain';
        ctx.body = 'Service Unavailable (simulated outage)';
        logRefresh({ ok: false, status: 503, error: 'unavailable', errorDetail: 'simulated outage' });
        return;
      }
      if (isRefresh && failRefresh) {
        stats.invalidGrants += 1;
        stats.errors += 1;
        corsForSynthetic(ctx);
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 400;
        ctx.body = { error: 'invalid_grant', error_description: 'grant request is invalid' };
        logRefresh({ ok: false, status: 400, error: 'invalid_grant', errorDetail: 'simulated' });
        return;
      }

      if (ctx.method === 'GET' && ctx.path === authorizationPath) {
        const query = new URLSearchParams(ctx.querystring);
        const prompt = query.get('prompt')?.split(' ').filter(Boolean) ?? [];
        if (query.get('scope')?.split(' ').includes('offline_access')
          && !prompt.includes('consent') && !prompt.includes('none')) {
          query.set('prompt', [...prompt, 'consent'].join(' '));
          ctx.querystring = query.toString();
        }
      }

      const interaction = /^\/interaction\/([^/]+)\/?$/.exec(ctx.path);
      if (interaction && ctx.method === 'GET') {
        await finishInteraction(ctx);
        return;
      }

      await next();

      if (ctx.status >= 400) stats.errors += 1;
      if (isToken) {
        const body = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? ctx.body : {};
        if (body.error === 'invalid_grant') stats.invalidGrants += 1;
        if (isRefresh) {
          if (ctx.status === 200) {
            stats.refreshGrantsSucceeded += 1;
            logRefresh({
              ok: true,
              status: 200,
              newRefreshTokenHash: typeof body.refresh_token === 'string' ? hashRefreshToken(body.refresh_token) : undefined,
            });
          } else {
            logRefresh({ ok: false, status: ctx.status, error: body.error, errorDetail: ctx.state.grantErrorDetail });
          }
        }
      }
    } finally {
      if (log) {
        const extra = isToken ? ` grant_type=${form.grant_type}` : '';
        console.log(`[oidc-dev-provider] ${ctx.method} ${ctx.url}${extra} -> ${ctx.respond === false ? 'reset' : ctx.status} (${Date.now() - started} ms)`);
      }
    }
  });

  /**
   * Logs the test user in and grants what was asked, then redirects back to the authorization
   * endpoint (303), which redirects to the client's redirect_uri with a code.
   * @param {any} ctx
   */
  async function finishInteraction(ctx) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const { prompt, params, session } = details;
    /** @type {any} */
    const result = {};
    let accountId = session?.accountId;
    if (!accountId || prompt.name === 'login') {
      accountId = user.sub;
      result.login = { accountId, acr: ACR, amr: ['pwd'], remember: true };
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    if (params.scope) grant.addOIDCScope(params.scope);
    if (params.claims) {
      const claims = JSON.parse(params.claims);
      for (const key of ['id_token', 'userinfo']) {
        if (claims[key]) grant.addOIDCClaims(Object.keys(claims[key]));
      }
    }
    result.consent = { grantId: await grant.save() };
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  handler = provider.callback();

  let closed = false;
  /** @type {DevProviderHandle} */
  const handle = {
    issuer,
    port,
    user,
    provider,
    stats: () => ({ ...stats }),
    resetStats: () => { stats = emptyStats(); refreshLog = []; },
    setDown: (value) => { down = value === 'reset' ? 'reset' : Boolean(value); },
    failRefreshWithInvalidGrant: (on) => { failRefresh = Boolean(on); },
    refreshGrantLog: () => refreshLog.map((e) => ({ ...e })),
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

/**
 * Starts a provider for the example app and keeps it up until SIGINT/SIGTERM.
 * Env: OIDC_PORT (default 9400), APP_PORT (default 5173), OIDC_ACCESS_TOKEN_TTL (seconds,
 * default 30), OIDC_LOG=1 to log requests.
 * @returns {Promise<DevProviderHandle>}
 */
export async function main() {
  const port = Number(process.env.OIDC_PORT || 9400);
  const appOrigin = `http://127.0.0.1:${process.env.APP_PORT || 5173}`;
  const accessTokenTtlSeconds = Number(process.env.OIDC_ACCESS_TOKEN_TTL || 30);
  if (!Number.isInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds <= 0) {
    throw new Error(`OIDC_ACCESS_TOKEN_TTL must be a whole number of seconds, got ${JSON.stringify(process.env.OIDC_ACCESS_TOKEN_TTL)}`);
  }
  const handle = await startDevProvider({
    port,
    accessTokenTtlSeconds,
    log: process.env.OIDC_LOG === '1',
    clients: [{
      clientId: 'authsession-example',
      redirectUris: [`${appOrigin}/callback`],
      postLogoutRedirectUris: [`${appOrigin}/`, appOrigin],
      origins: [appOrigin],
    }],
  });
  console.log(`OpenID provider: ${handle.issuer}`);
  console.log(`  discovery:     ${handle.issuer}/.well-known/openid-configuration`);
  console.log(`  client_id:     authsession-example (public, PKCE S256)`);
  console.log(`  redirect_uri:  ${appOrigin}/callback`);
  console.log(`  post_logout_redirect_uri: ${appOrigin}/`);
  console.log(`  app origin:    ${appOrigin} (serve the app there: 127.0.0.1, not localhost)`);
  console.log(`  access tokens: ${accessTokenTtlSeconds} s`);
  console.log(`  test user:     ${JSON.stringify(handle.user)} (logged in automatically, no password)`);
  const stop = async () => {
    await handle.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return handle;
}

const invokedPath = process.argv[1];
let isMain = false;
if (invokedPath) {
  try {
    isMain = import.meta.url === pathToFileURL(realpathSync(invokedPath)).href;
  } catch {
    isMain = false;
  }
}
if (isMain) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
