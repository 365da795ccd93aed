// oidc-provider's configuration for the development provider: public SPA
// clients with PKCE, rotating refresh tokens bound to the provider session,
// profile claims in the ID token, revocation and RP-initiated logout without a
// confirmation page. See ../oidc-dev-provider.mjs for what each choice is for.

import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export const ACR = 'urn:authsession:dev:pwd';

const STANDARD_PROFILE_CLAIMS = [
  'name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
  'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at',
];

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
 * Signs `claims` as an ID token with the provider's key, as it would: lets a test
 * restate a token the way other providers do (another auth_time, another sid).
 * @param {Record<string, unknown>} claims
 * @returns {string}
 */
export function signIdToken(claims) {
  const jwk = /** @type {any} */ (generateSigningJwk());
  const part = (/** @type {object} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: jwk.kid })}.${part(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey({ key: jwk, format: 'jwk' })).toString('base64url')}`;
}

/**
 * @param {object} options
 * @param {import('../oidc-dev-provider.mjs').DevClient[]} options.clients
 * @param {import('../oidc-dev-provider.mjs').DevUser} options.user
 * @param {number} options.accessTokenTtlSeconds
 * @param {number} options.refreshTokenTtlSeconds
 * @param {boolean} options.slidingRefreshTokens
 * @param {Map<string, Set<string>>} options.originsByClient browser origins CORS allows, per client id
 * @returns {any} oidc-provider's configuration
 */
export function providerConfiguration({ clients, user, accessTokenTtlSeconds, refreshTokenTtlSeconds, slidingRefreshTokens, originsByClient, rotateRefreshTokens = true, refreshTokensWithoutOfflineAccess = true }) {
  const profileClaims = [
    ...STANDARD_PROFILE_CLAIMS,
    ...Object.keys(user).filter((k) => !['sub', 'email', 'email_verified', ...STANDARD_PROFILE_CLAIMS].includes(k)),
  ];

  return {
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
    rotateRefreshToken: rotateRefreshTokens,
    // Tokens die with the provider session, so RP-initiated logout revokes them too
    // (default: only when offline_access was not granted).
    expiresWithSession: async () => true,
    // Issue a refresh token for every code/refresh exchange of these clients, even when
    // offline_access was not requested/granted.
    // Off: oidc-provider's own rule, as at most providers: only with offline_access granted.
    issueRefreshToken: async (/** @type {any} */ _ctx, /** @type {any} */ client, /** @type {any} */ code) => (
      originsByClient.has(client.clientId) && client.grantTypeAllowed('refresh_token')
      && (refreshTokensWithoutOfflineAccess || code.scopes.has('offline_access'))
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
}
