// `npm run example`: the dev OpenID provider and the example app (Vite), in one command.
//
//   npm run example                 start both; Ctrl+C stops both
//   npm run example -- --check      start both, check that they answer, stop, exit 0 (1 on failure)
//
// Env: APP_PORT (default 5173), OIDC_PORT (default 9400), OIDC_LOG=1 (log provider requests),
// EXAMPLE_CHECK=1 (same as --check).

import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { startDevProvider } from '../test/support/oidc-dev-provider.mjs';

const CLIENT_ID = 'authsession-example';
const ACCESS_TOKEN_TTL_SECONDS = 30;
const CHECK_TIMEOUT_MS = 60_000;

const check = process.argv.includes('--check') || process.env.EXAMPLE_CHECK === '1';
const appPort = port('APP_PORT', 5173);
const oidcPort = port('OIDC_PORT', 9400);
const appOrigin = `http://127.0.0.1:${appPort}`;

/** @param {string} name @param {number} fallback */
function port(name, fallback) {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    console.error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

/** @type {Awaited<ReturnType<typeof startDevProvider>> | undefined} */
let provider;
/** @type {import('vite').ViteDevServer | undefined} */
let vite;

async function start() {
  try {
    provider = await startDevProvider({
      port: oidcPort,
      log: process.env.OIDC_LOG === '1',
      accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      clients: [{
        clientId: CLIENT_ID,
        redirectUris: [`${appOrigin}/callback`],
        postLogoutRedirectUris: [`${appOrigin}/`],
        origins: [appOrigin],
      }],
    });
  } catch (error) {
    throw new Error(`Could not start the OpenID provider on 127.0.0.1:${oidcPort} (${describe(error)}). Set OIDC_PORT to use another port.`);
  }

  // Read by examples/src/config.ts as import.meta.env.VITE_OIDC_*.
  process.env.VITE_OIDC_ISSUER = provider.issuer;
  process.env.VITE_OIDC_CLIENT_ID = CLIENT_ID;

  try {
    vite = await createServer({
      configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)),
      server: { host: '127.0.0.1', port: appPort, strictPort: true },
      clearScreen: false,
      logLevel: check ? 'warn' : 'info',
    });
    await vite.listen();
  } catch (error) {
    throw new Error(`Could not start the app on ${appOrigin} (${describe(error)}). Set APP_PORT to use another port.`);
  }
}

async function stop() {
  await Promise.allSettled([vite?.close(), provider?.close()]);
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {string} url @param {(body: string) => string | undefined} problem */
async function expectPage(url, problem) {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const body = await response.text();
  const found = response.ok ? problem(body) : `HTTP ${response.status}`;
  if (found) throw new Error(`${url}: ${found}`);
  console.log(`  ok  ${url}`);
}

async function runCheck() {
  const issuer = /** @type {NonNullable<typeof provider>} */ (provider).issuer;
  await expectPage(`${appOrigin}/`, (body) => (body.includes('id="root"') ? undefined : 'no <div id="root">'));
  // The callback route is the same single page.
  await expectPage(`${appOrigin}/callback`, (body) => (body.includes('id="root"') ? undefined : 'no <div id="root">'));
  // Transformed modules: the aliases resolve and the issuer reached the app.
  await expectPage(`${appOrigin}/src/main.tsx`, () => undefined);
  await expectPage(`${appOrigin}/src/App.tsx`, () => undefined);
  await expectPage(`${appOrigin}/src/config.ts`, (body) => (body.includes(issuer) ? undefined : `issuer ${issuer} not passed to the app`));
  await expectPage(`${issuer}/.well-known/openid-configuration`, (body) => {
    const config = JSON.parse(body);
    return config.issuer === issuer ? undefined : `issuer is ${config.issuer}, expected ${issuer}`;
  });
}

function printInstructions() {
  const issuer = /** @type {NonNullable<typeof provider>} */ (provider).issuer;
  const user = /** @type {NonNullable<typeof provider>} */ (provider).user;
  console.log(`
  authsession example

  App:              ${appOrigin}/
  OpenID provider:  ${issuer}  (client ${CLIENT_ID}; access tokens live ${ACCESS_TOKEN_TTL_SECONDS} s)
  Test user:        ${user.preferred_username} (${user.name}, ${user.email})
                    signed in automatically: no password prompt

  Open ${appOrigin}/ and click "Sign in".
  Then open a second tab to watch them agree: sign-in, the silent refresh
  (about every ${Math.round(ACCESS_TOKEN_TTL_SECONDS * 0.8)} s) and sign-out reach every tab.

  Ctrl+C stops the app and the provider.
`);
}

if (check) {
  const timer = setTimeout(() => {
    console.error(`FAILED: not done after ${CHECK_TIMEOUT_MS / 1000} s`);
    process.exit(1);
  }, CHECK_TIMEOUT_MS);
  let code = 0;
  try {
    await start();
    await runCheck();
    console.log('OK: the example app and the OpenID provider answer.');
  } catch (error) {
    console.error(`FAILED: ${describe(error)}`);
    code = 1;
  } finally {
    await stop();
    clearTimeout(timer);
  }
  process.exit(code);
} else {
  let stopping = false;
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    if (stopping) process.exit(1); // a second Ctrl+C: do not wait
    stopping = true;
    console.log(`\n${signal}: stopping the app and the provider...`);
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await start();
  } catch (error) {
    console.error(describe(error));
    await stop();
    process.exit(1);
  }
  printInstructions();
}
