// `npm run dev-provider`: the development OpenID provider alone, for an app of
// your own (see ../oidc-dev-provider.mjs and the README).

import { startDevProvider } from '../oidc-dev-provider.mjs';

/**
 * Starts a provider for an app of one's own and keeps it up until SIGINT/SIGTERM.
 * Env: OIDC_PORT (default 9400), APP_PORT (default 5173), OIDC_ACCESS_TOKEN_TTL (seconds,
 * default 30), OIDC_LOG=1 to log requests.
 */
async function main() {
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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
