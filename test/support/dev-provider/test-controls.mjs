// The development provider's test controls: counts of what it was asked,
// a log of refresh grants (hashed tokens only), and switches that make it fail
// (down with 503, connections reset, refresh answered invalid_grant). One Koa
// middleware runs them ahead of oidc-provider's own stack.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

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
 * @param {object} options
 * @param {Set<string>} options.allOrigins browser origins allowed by CORS, for the answers made here
 * @param {boolean} options.log log every request to the console
 */
export function createTestControls({ allOrigins, log }) {
  let stats = emptyStats();
  /** @type {RefreshGrantLogEntry[]} */
  let refreshLog = [];
  /** @type {false | true | 'reset' | 'maintenance'} */
  let down = false;
  let failRefresh = false;
  /** @type {((body: Record<string, unknown>) => Record<string, unknown>) | null} */
  let reshapeRefresh = null;
  /** @type {Array<{ query: Record<string, string[]>, status: number }>} */
  let endSessionLog = [];

  /** @param {any} ctx */
  const corsForSynthetic = (ctx) => {
    const origin = ctx.get('Origin');
    ctx.vary('Origin');
    if (origin && allOrigins.has(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Expose-Headers', 'WWW-Authenticate, Retry-After');
    }
  };

  /**
   * The middleware, ahead of oidc-provider's own stack.
   * @param {object} paths
   * @param {string} paths.tokenPath
   * @param {string} paths.authorizationPath
   * @param {string} [paths.endSessionPath]
   * @param {(ctx: any) => Promise<void>} finishInteraction answers `/interaction/:uid`
   */
  const middleware = ({ tokenPath, authorizationPath, endSessionPath }, finishInteraction) => async (/** @type {any} */ ctx, /** @type {() => Promise<void>} */ next) => {
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
      if (down === 'maintenance') {
        // A gateway in maintenance mode: every path answers 200 with a JSON status body.
        stats.downResponses += 1;
        corsForSynthetic(ctx);
        if (ctx.method === 'OPTIONS') {
          ctx.set('Access-Control-Allow-Methods', 'GET,POST');
          const reqHeaders = ctx.get('Access-Control-Request-Headers');
          if (reqHeaders) ctx.set('Access-Control-Allow-Headers', reqHeaders);
          ctx.status = 204;
          return;
        }
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 200;
        ctx.body = { status: 'maintenance' };
        logRefresh({ ok: false, status: 200, error: 'unavailable', errorDetail: 'maintenance' });
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
      if (ctx.method === 'GET' && ctx.path === endSessionPath) {
        /** @type {Record<string, string[]>} */
        const query = {};
        for (const [key, value] of new URLSearchParams(ctx.querystring)) (query[key] ??= []).push(value);
        endSessionLog.push({ query, status: ctx.status });
      }
      if (isToken) {
        const body = ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body) ? ctx.body : {};
        if (body.error === 'invalid_grant') stats.invalidGrants += 1;
        if (isRefresh) {
          if (ctx.status === 200) {
            stats.refreshGrantsSucceeded += 1;
            if (reshapeRefresh) ctx.body = reshapeRefresh({ ...body });
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
  };

  return {
    middleware,
    /** @returns {DevProviderStats} */
    stats: () => ({ ...stats }),
    resetStats: () => { stats = emptyStats(); refreshLog = []; },
    countServerError: () => { stats.serverErrors += 1; },
    /** @param {boolean | 'reset' | 'maintenance'} value */
    setDown: (value) => { down = value === 'reset' || value === 'maintenance' ? value : Boolean(value); },
    /** @param {boolean} on */
    failRefreshWithInvalidGrant: (on) => { failRefresh = Boolean(on); },
    refreshGrantLog: () => refreshLog.map((e) => ({ ...e })),
    /** Every GET of the end-session page (RP-initiated logout): its query, each parameter's values in order, and the status answered. */
    endSessionLog: () => endSessionLog.map((e) => ({ ...e })),
    /** @param {((body: Record<string, unknown>) => Record<string, unknown>) | null} fn rewrites each successful refresh answer (null: as issued) */
    reshapeRefreshAnswers: (fn) => { reshapeRefresh = fn; },
  };
}
