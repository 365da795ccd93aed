// @vitest-environment node
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * Apps compile with stricter settings than this project (@tsconfig/strictest
 * turns on exactOptionalPropertyTypes and noUncheckedIndexedAccess): there an
 * optional property typed `x?: number` refuses an explicit `undefined`. Where
 * the library accepts undefined at runtime its types must say so, or the
 * README's own samples fail to compile in such an app. The samples are read
 * from README.md itself, so they cannot drift from a copy; `authsession`
 * resolves to the source entries.
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const readme = readFileSync(`${root}README.md`, 'utf8')

/** The fenced code block of `language` that follows `heading` in the README. */
function sampleAfter(heading: string, language: string): string {
  const start = readme.indexOf(heading)
  const open = readme.indexOf('```' + language + '\n', start)
  expect(start, heading).toBeGreaterThanOrEqual(0)
  expect(open, `${language} block after ${heading}`).toBeGreaterThan(start)
  return readme.slice(open + language.length + 4, readme.indexOf('\n```', open))
}

/** First lines of the diagnostics the sample gets, compiled as an app in strictest mode. */
function diagnosticsOf(fileName: string, code: string): string[] {
  const file = `${root}test/unit/${fileName}`
  const options: ts.CompilerOptions = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    jsx: ts.JsxEmit.ReactJSX,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    noEmit: true,
    paths: { 'authsession': [`${root}src/index.ts`], 'authsession/*': [`${root}src/*.ts`] },
  }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, ...rest) => (name === file ? ts.createSourceFile(name, code, ts.ScriptTarget.ES2022, true) : getSourceFile(name, ...rest))
  host.fileExists = (name) => name === file || fileExists(name)
  host.readFile = (name) => (name === file ? code : readFile(name))
  const program = ts.createProgram([file], options, host)
  return ts
    .getPreEmitDiagnostics(program, program.getSourceFile(file))
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0]!)
}

describe('the README samples under an app’s strictest compiler settings', () => {
  it('the cookie source compiles', () => {
    expect(diagnosticsOf('readme-cookie-source.ts', sampleAfter('### Cookie or SAML sessions', 'ts'))).toEqual([])
  }, 60_000)

  it("the Cognito sample (Provider notes) compiles, and logoutParams takes an object, a function of the session, or undefined", () => {
    expect(diagnosticsOf('readme-cognito.ts', sampleAfter('### Provider notes', 'ts'))).toEqual([])
    const app = `
      import { createOidcSource, type LogoutParams } from 'authsession/oidc'
      declare const config: { logoutUri?: string }
      const settings = { authority: 'https://id.example.com', client_id: 'spa', redirect_uri: 'https://app.example/callback' }
      createOidcSource(settings, { logoutParams: { client_id: 'spa', logout_uri: config.logoutUri } })
      createOidcSource(settings, { logoutParams: (session) => ({ logout_hint: session.user.id }) })
      createOidcSource(settings, { logoutParams: undefined })
      export const typed: LogoutParams = { returnTo: 'https://app.example/' }
    `
    expect(diagnosticsOf('logout-params.ts', app)).toEqual([])
  }, 60_000)

  it('the Kratos sample compiles', () => {
    expect(diagnosticsOf('readme-kratos.ts', sampleAfter('### Ory Kratos', 'ts'))).toEqual([])
  }, 60_000)

  it('options may be given as undefined ("the default"), as apps pass values from their config', () => {
    const app = `
      import { createSessionStore, createDefaultPersistence, createIdleTimeout } from 'authsession'
      import { createOidcSource } from 'authsession/oidc'
      import { SessionProvider } from 'authsession/react'
      declare const config: { db?: string; seconds?: number; ms?: number; returnTo?: string; redirect?: boolean }
      const source = createOidcSource(
        { authority: 'https://id.example.com', client_id: 'spa', redirect_uri: 'https://app.example/callback' },
        { providerName: config.db, requestTimeoutSeconds: config.seconds, navigate: undefined },
      )
      const store = createSessionStore({
        source, dbName: config.db, key: undefined, openTimeoutMs: config.ms, channel: undefined, logoutJournal: undefined,
        refresh: { leadMs: config.ms, leadFraction: undefined, timeoutMs: config.ms, retryMaxMs: undefined },
      })
      createDefaultPersistence({ dbName: config.db, onUnavailable: undefined, clock: undefined })
      void store.login({ returnTo: config.returnTo, extraParams: undefined })
      void store.logout({ redirect: config.redirect, reason: undefined })
      void store.end('user-logout', { expectedGeneration: config.ms, onlyIf: undefined })
      void store.refresh({ force: config.redirect })
      createIdleTimeout(store, { timeoutMs: 60_000, promptMs: config.ms, onTimeout: undefined, activityEvents: undefined, wake: undefined })
      export const tree = <SessionProvider options={{ dbName: config.db }} />
    `
    expect(diagnosticsOf('config-options.tsx', app)).toEqual([])
  }, 60_000)

  it("a custom source's RefreshError, sign-in-failed error and mapTokenResponse options may be given as undefined", () => {
    // An adapter passes what the server's answer had, which may be nothing.
    const adapter = `
      import { AuthSessionError, RefreshError, type AuthenticationSession } from 'authsession'
      import { mapTokenResponse, type TokenResponseLike } from 'authsession/oidc'
      declare const body: { error?: string; reason?: 'admin-revoke'; returnTo?: string }
      declare const previous: AuthenticationSession | undefined
      declare const response: TokenResponseLike
      declare const sentAt: number | undefined
      export const refused = new RefreshError('refresh-rejected', 'refused', { cause: undefined, providerError: body.error, revokeReason: body.reason })
      export const failed = new AuthSessionError('sign-in-failed', 'refused', { cause: undefined, providerError: body.error, returnTo: body.returnTo })
      export const mapped = mapTokenResponse(response, {
        now: Date.now(), sentAt, previous, knownSkewMs: undefined, defaultLifetimeMs: undefined,
        deviceInfo: () => ({}), providerName: 'idp',
      })
    `
    expect(diagnosticsOf('adapter-options.ts', adapter)).toEqual([])
  }, 60_000)

  it("a session's optional fields may be given as undefined, as parseSession and update() take them", () => {
    // A session built from a server's answer passes what it had, which may be
    // nothing; parseSession drops an undefined field, and a patch's undefined
    // removes the stored one (see record-field-undefined.test.ts): under
    // exactOptionalPropertyTypes the types refused both, and removing an
    // optional field (mfaVerifiedAt after a downgrade) needed a cast.
    const app = `
      import { createSessionStore, type AuthenticationSession } from 'authsession'
      import type { TokenResponseLike } from 'authsession/oidc'
      declare const body: { id: string; refresh?: string; email?: string; city?: string; ip?: string; acr?: string; scope?: string }
      const at = new Date().toISOString()
      export const session: AuthenticationSession = {
        user: { id: body.id, email: body.email }, sessionId: body.id, status: 'active', accessToken: '',
        refreshToken: body.refresh, ipAddress: body.ip, location: { city: body.city }, authenticationMethod: { name: body.acr },
        initiatedAt: at, expiresAt: at, lastActivityAt: at, deviceInfo: { userAgent: undefined }, isMfaVerified: false,
      }
      export const response: TokenResponseLike = { access_token: 'a', token_type: 'Bearer', refresh_token: body.refresh, scope: body.scope, profile: {} }
      const store = createSessionStore()
      void store.update((stored) => ({ mfaVerifiedAt: undefined, metadata: { ...stored.metadata, step: undefined } }))
    `
    expect(diagnosticsOf('record-fields.ts', app)).toEqual([])
  }, 60_000)

  it('SessionProvider takes a store or options that may be undefined (the provider then makes its own store)', () => {
    const app = `
      import type { SessionStore, SessionStoreOptions } from 'authsession'
      import { SessionProvider } from 'authsession/react'
      declare const injected: SessionStore | undefined
      declare const config: { session?: SessionStoreOptions }
      export const fromConfig = <SessionProvider options={config.session} />
      export const injectedOrOwn = <SessionProvider store={injected} />
      export const unset = <SessionProvider store={undefined} options={undefined} />
    `
    const mixed = `
      import type { SessionStore } from 'authsession'
      import { SessionProvider } from 'authsession/react'
      declare const store: SessionStore
      export const both = <SessionProvider store={store} options={{}} />
    `
    expect(diagnosticsOf('provider-props.tsx', app)).toEqual([])
    // Still one or the other: options beside a store would be ignored.
    expect(diagnosticsOf('provider-both.tsx', mixed)).toHaveLength(1)
  }, 60_000)

  it('the protected routes sample compiles (RequireSession, SignInFailed)', () => {
    expect(diagnosticsOf('readme-protected-routes.tsx', sampleAfter('### Protected routes', 'tsx'))).toEqual([])
  }, 60_000)

  it('RequireSession takes its optional props as undefined', () => {
    const app = `
      import { RequireSession } from 'authsession/react'
      declare const config: { returnTo?: string; acr?: Record<string, string> }
      export const tree = (
        <RequireSession returnTo={config.returnTo} loginOptions={{ extraParams: config.acr }} signedOut={undefined} onError={undefined} loading={undefined}>
          secret
        </RequireSession>
      )
    `
    expect(diagnosticsOf('guard-props.tsx', app)).toEqual([])
  }, 60_000)

  it("the idle timeout's prompt compiles", () => {
    expect(diagnosticsOf('readme-idle-prompt.tsx', sampleAfter('### Idle timeout', 'tsx'))).toEqual([])
  }, 60_000)

  it('the React quick start compiles', () => {
    expect(diagnosticsOf('readme-quick-start.tsx', sampleAfter('## Quick start', 'tsx'))).toEqual([])
  }, 60_000)
})
