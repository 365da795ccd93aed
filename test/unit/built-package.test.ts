// @vitest-environment node
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildIfStale, root } from '../support/built-dist'

/**
 * The built package as an app meets it: dist/, imported by its name through
 * package.json `exports`, from ESM and from CommonJS, in a plain Node process
 * (no DOM). The source entries are tested everywhere else; this catches what
 * the build could change (a missing export, an import-time side effect in the
 * CommonJS output, a broken `exports` map).
 */
const ENTRIES = { 'authsession': 'index', 'authsession/react': 'react', 'authsession/oidc': 'oidc', 'authsession/http': 'http', 'authsession/kratos': 'kratos' } as const
const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'indexedDB', 'localStorage', 'sessionStorage', 'location', 'BroadcastChannel']
// Loaded before the traps are set: what the peers probe at import time is not ours to judge.
const PEERS = ['react', 'react/jsx-runtime', 'zustand', 'zustand/vanilla', 'idb-keyval', 'oidc-client-ts']

beforeAll(buildIfStale, 120_000)

/** Runs `body` in a fresh Node process inside the package (so its name resolves to itself); returns what it printed as JSON. */
function inNode(kind: 'esm' | 'cjs', body: string): Record<string, unknown> {
  const load = kind === 'esm' ? (id: string) => `await import(${JSON.stringify(id)})` : (id: string) => `require(${JSON.stringify(id)})`
  const script = [
    ...PEERS.map((peer) => `${load(peer)};`),
    'const touched = [];',
    `for (const name of ${JSON.stringify(BROWSER_GLOBALS)}) Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name) } });`,
    kind === 'esm' ? `const load = (id) => import(id);` : `const load = async (id) => require(id);`,
    kind === 'esm' ? body : `(async () => { ${body} })()`,
  ].join('\n')
  const args = kind === 'esm' ? ['--input-type=module', '-e', script] : ['-e', script]
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })) as Record<string, unknown>
}

it.each(['js', 'cjs'])("only the React entry is marked 'use client' (.%s), for React Server Components to import it", (extension) => {
  const firstLine = (file: string) => readFileSync(join(root, 'dist', `${file}.${extension}`), 'utf8').split('\n')[0]
  expect(firstLine('react')).toBe("'use client';")
  expect(firstLine('index')).not.toContain('use client')
  for (const entry of ['oidc', 'http', 'kratos']) expect(firstLine(entry)).not.toContain('use client')
})

it('shares one React context between its ESM and CommonJS builds, so a hook of one finds the provider of the other', () => {
  // An app importing the package while a dependency require()s it loads both files.
  const seen = inNode(
    'esm',
    `const { createElement } = await import('react');
     const { renderToString } = await import('react-dom/server');
     const { createRequire } = await import('node:module');
     const esm = await import('authsession/react');
     const cjs = createRequire(process.cwd() + '/package.json')('authsession/react');
     const { createSessionStore, createMemoryPersistence } = await import('authsession');
     const store = createSessionStore({ persistence: createMemoryPersistence(), channel: null });
     const Probe = () => cjs.useSession((state) => state.status);
     let html = null, error = null;
     try { html = renderToString(createElement(esm.SessionProvider, { store }, createElement(Probe))) } catch (e) { error = e.code ?? String(e) }
     console.log(JSON.stringify({ differentFiles: esm.useSession !== cjs.useSession, html, error }));`,
  )
  expect(seen).toEqual({ differentFiles: true, html: 'loading', error: null })
})

it("takes the other build's errors for its own: a CommonJS source's refusal ends a session of the ESM store", () => {
  // A source from a dependency that require()s the package throws the CommonJS
  // build's RefreshError; the ESM store must still see a definitive refusal
  // (not a transient failure retried forever), and keep its providerError.
  const seen = inNode(
    'esm',
    `const { createRequire } = await import('node:module');
     const esm = await import('authsession');
     const cjs = createRequire(process.cwd() + '/package.json')('authsession');
     const source = { name: 'cjs-dependency', async refresh() { throw new cjs.RefreshError('refresh-rejected', 'ended', { providerError: 'invalid_grant' }) } };
     const store = esm.createSessionStore({ source, persistence: esm.createMemoryPersistence(), locks: esm.createMemoryLocks(), channel: null, logoutJournal: null });
     await store.whenHydrated();
     const at = new Date().toISOString(), later = new Date(Date.now() + 3600e3).toISOString();
     await store.signIn({ user: { id: 'u' }, sessionId: 's', status: 'active', accessToken: 'a', initiatedAt: at, expiresAt: later, lastActivityAt: at, deviceInfo: {}, isMfaVerified: false });
     let refused = null;
     try { await store.refresh({ force: true }) } catch (e) { refused = { code: e.code, providerError: e.providerError } }
     const across = [
       new cjs.RefreshError('refresh-server', 'x') instanceof esm.RefreshError,
       new cjs.RefreshError('refresh-server', 'x') instanceof esm.AuthSessionError,
       new esm.StorageError('storage-quota', 'x') instanceof cjs.StorageError,
       new cjs.StorageError('storage-quota', 'x') instanceof esm.RefreshError,
       new cjs.AuthSessionError('invalid-argument', 'x') instanceof esm.SessionParseError,
       new Error('x') instanceof esm.AuthSessionError,
     ];
     console.log(JSON.stringify({ refused, status: store.getState().status, across }));
     store.destroy();`,
  )
  expect(seen).toEqual({
    refused: { code: 'refresh-rejected', providerError: 'invalid_grant' },
    status: 'unauthenticated',
    across: [true, true, true, false, false, false],
  })
})

/** What compiling `names` of the in-memory `files` (with the built package beside them) reports, one line each. */
function diagnosticsOf(files: Record<string, string>, names: string[], options: ts.CompilerOptions): string[] {
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  // The program's own options for the file carry its module format (.mts ESM, .cts CommonJS).
  host.getSourceFile = (name, format, ...rest) => (name in files ? ts.createSourceFile(name, files[name]!, format, true) : getSourceFile(name, format, ...rest))
  host.fileExists = (name) => name in files || fileExists(name)
  host.readFile = (name) => files[name] ?? readFile(name)
  const program = ts.createProgram(names, options, host)
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.replace(root, '') ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
}

it("the core's declarations compile in a server's project (Node's types, no DOM lib), from ESM and CommonJS", () => {
  // A server that renders the app imports the core; its tsconfig often has no
  // DOM lib, and skipLibCheck: false checks the package's .d.ts (and .d.cts) too.
  const files: Record<string, string> = {
    [join(root, 'test/unit/server-consumer.mts')]: `import { createSessionStore, type JournalStorage } from 'authsession'
      export const store = createSessionStore()
      export const journal: JournalStorage | null = null`,
    [join(root, 'test/unit/server-consumer.cts')]: `import core = require('authsession')
      export const store: core.SessionStore = core.createSessionStore()`,
  }
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: false, types: ['node'], lib: ['lib.es2022.d.ts'],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  }
  expect(diagnosticsOf(files, Object.keys(files), options)).toEqual([])
}, 60_000)

it.each([
  ['bundler', ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler],
  ['node16', ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
] as const)("every entry's declarations compile in an app's strictest project (%s, skipLibCheck false)", (_, module, moduleResolution) => {
  // What @tsconfig/strictest and a Vite or Next.js app turn on, checking the
  // package's .d.ts and .d.cts themselves; the app uses the public types as
  // the README does (narrowing, selectors, events, errors, a custom source).
  const files: Record<string, string> = {
    [join(root, 'test/unit/strict-app.tsx')]: `
      import { createSessionStore, RefreshError, type SessionEvent, type SessionSource, type SessionStore } from 'authsession'
      import { createOidcSource } from 'authsession/oidc'
      import { RequireSession, SessionProvider, useAccessToken, useSession } from 'authsession/react'
      import { createHttpSource } from 'authsession/http'
      import { createKratosSource, mapKratosSession, type KratosSession } from 'authsession/kratos'
      import { shallow } from 'zustand/shallow'
      export const cookie: SessionSource = createHttpSource({ sessionUrl: '/api/session', logoutUrl: '/api/logout', loginUrl: (returnTo) => '/login?next=' + String(returnTo) })
      export const kratos: SessionSource = createKratosSource({ basePath: 'https://auth.example', callbackUrl: undefined })
      export const mapped = (whoami: KratosSession) => mapKratosSession(whoami, undefined, { now: undefined })
      export const source: SessionSource = createOidcSource({ authority: 'https://id.example', client_id: 'spa', redirect_uri: 'https://app.example/cb' })
      export const store: SessionStore = createSessionStore({ source, refresh: { leadMs: undefined } })
      store.on((event: SessionEvent) => { if (event.type === 'refresh-failed' && event.error instanceof RefreshError) void event.error.definitive })
      export function Header(): string | null {
        const name: string | undefined = useSession((view) => view.session?.user.username)
        const slice = useSession((view) => ({ status: view.status, scopes: view.session?.scopes }), shallow)
        const { status, session, logout } = useSession()
        void useAccessToken(); void slice
        return status === 'authenticated' ? session.sessionId + String(name) + typeof logout : null
      }
      export const tree = <SessionProvider store={store}><SessionProvider options={undefined} /></SessionProvider>
      export const guarded = <RequireSession returnTo={() => '/x'} signedOut={({ reason, login }) => <button onClick={() => void login()}>{reason}</button>}>x</RequireSession>`,
    [join(root, 'test/unit/strict-app.cts')]: `import core = require('authsession')
      import react = require('authsession/react')
      import oidc = require('authsession/oidc')
      import http = require('authsession/http')
      import kratos = require('authsession/kratos')
      const store: core.SessionStore = core.createSessionStore()
      export = { store, useSession: react.useSession, createOidcSource: oidc.createOidcSource, createHttpSource: http.createHttpSource, createKratosSource: kratos.createKratosSource }`,
  }
  const options: ts.CompilerOptions = {
    strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, verbatimModuleSyntax: true,
    noEmit: true, skipLibCheck: false, jsx: ts.JsxEmit.ReactJSX, types: [],
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], target: ts.ScriptTarget.ES2022, module, moduleResolution,
  }
  // The CommonJS file only where a module kind has CommonJS files (node16).
  const names = Object.keys(files).filter((name) => module === ts.ModuleKind.Node16 || name.endsWith('.tsx'))
  expect(diagnosticsOf(files, names, options)).toEqual([])
}, 60_000)

describe.each(['esm', 'cjs'] as const)('the built package from %s', (kind) => {
  it('exports what the source entries export, touching no browser global when imported', async () => {
    const seen = inNode(
      kind,
      `const exported = {};
       for (const id of ${JSON.stringify(Object.keys(ENTRIES))}) exported[id] = Object.keys(await load(id)).sort();
       console.log(JSON.stringify({ touched, exported }));`,
    )
    expect(seen.touched).toEqual([])
    for (const [id, file] of Object.entries(ENTRIES)) {
      const fromSource = Object.keys(await import(`../../src/${file}.ts`)).sort()
      expect((seen.exported as Record<string, string[]>)[id], id).toEqual(fromSource)
    }
  })

  it('makes a store that falls back to memory where there is no IndexedDB, with a typed event', () => {
    const seen = inNode(
      kind,
      `const { createSessionStore, parseSession } = await load('authsession');
       const store = createSessionStore();
       const events = [];
       store.on((event) => events.push(event.type));
       let parseError = null;
       try { parseSession({}) } catch (error) { parseError = { name: error.name, code: error.code, path: error.path } }
       await store.whenHydrated();
       const { status, error } = store.getState();
       store.destroy();
       console.log(JSON.stringify({ status, errorCode: error && error.code, events, parseError }));`,
    )
    expect(seen).toMatchObject({
      status: 'unauthenticated',
      errorCode: 'storage-unavailable',
      parseError: { name: 'SessionParseError', code: 'missing-field', path: 'user' },
    })
    expect(seen.events).toContain('storage-unavailable')
  })
})
