// @vitest-environment node
import { join } from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildIfStale, root } from '../support/built-dist'

/**
 * The built declarations (dist/*.d.ts) as an app's editor reads them: what
 * hovering a name shows, and what type-aware linters see. A doc comment in
 * src can land on the wrong declaration in the bundle (a file's header on
 * its first export), and a type made with Pick or an indexed access can drop
 * the docs of what it copies, so this reads dist, not src.
 */
let program: ts.Program
let checker: ts.TypeChecker
const exported = new Map<string, ts.Symbol>()

beforeAll(() => {
  buildIfStale()
  const entries = ['index', 'react', 'oidc', 'http', 'kratos'].map((entry) => join(root, `dist/${entry}.d.ts`))
  program = ts.createProgram(entries, {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
  })
  checker = program.getTypeChecker()
  for (const entry of entries) {
    for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entry)!)!)) {
      exported.set(symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol)
    }
  }
}, 120_000)

const docOf = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()
const typeOf = (name: string) => checker.getDeclaredTypeOfSymbol(exported.get(name)!)
/** The members the package declares (not zustand's getState, nor Error's message), of every variant of a union. */
const ownMembers = (name: string) =>
  [typeOf(name)].flatMap((type) => (type.isUnion() ? type.types : [type])).flatMap((type) => type.getProperties())
    .filter((member) => member.declarations?.some((d) => !d.getSourceFile().fileName.includes('node_modules')))
/** The declaration of a type alias `name` in dist. */
const aliasNode = (name: string) => exported.get(name)!.declarations!.find(ts.isTypeAliasDeclaration)!

it('every export of the five entries carries a doc comment', () => {
  expect(exported.size).toBeGreaterThan(80)
  expect([...exported].filter(([, symbol]) => !docOf(symbol)).map(([name]) => name)).toEqual([])
})

it.each([
  'SessionStore', 'SessionView', 'SessionState', 'SessionStoreOptions', 'RefreshOptions', 'SessionSource', 'SourceResult',
  'RefreshContext', 'SignInOptions', 'SignOutOptions', 'LogoutOptions', 'EndSessionOptions', 'OidcSourceOptions', 'MappedResponse', 'AuthSessionError',
  'RequireSessionProps', 'SignedOutProps',
  'HttpSourceOptions', 'HttpSessionBody', 'KratosSourceOptions', 'KratosMappingOptions', 'KratosSession', 'KratosSessionAuthenticationMethod',
  'IdleTimeout', 'IdleTimeoutOptions', 'IdleTimeoutState', 'IdlePrompt',
])('every member of %s shows a doc on hover', (name) => {
  const members = ownMembers(name)
  expect(members.length).toBeGreaterThan(0)
  expect(members.filter((member) => !docOf(member)).map((member) => member.name)).toEqual([])
})

it("each datetime of the record says whose clock it is on (the server's, or the device's)", () => {
  const datetimes = typeOf('AuthenticationSession').getProperties().filter((member) =>
    member.declarations!.some((d) => ts.isPropertySignature(d) && d.type?.getText().startsWith('IsoDateTime')))
  expect(datetimes.map((member) => member.name)).toContain('expiresAt')
  expect(datetimes.filter((member) => !/server's clock|device's clock/.test(docOf(member))).map((member) => member.name)).toEqual([])
})

describe('each error code and event type', () => {
  /** The members of a union type alias that have no doc comment before them. */
  const undocumented = (name: string) => {
    const union = aliasNode(name).type
    if (!ts.isUnionTypeNode(union)) throw new Error(`${name} is not a union`)
    const text = union.getSourceFile().text
    return union.types
      .filter((member, index) => !ts.isTypeReferenceNode(member) && !text.slice(index ? union.types[index - 1]!.end : union.pos, member.getStart()).includes('/**'))
      .map((member) => (ts.isTypeLiteralNode(member) ? member.members[0]!.getText() : member.getText()))
  }
  it.each(['AuthSessionErrorCode', 'SessionParseErrorCode', 'StorageErrorCode', 'RefreshErrorCode', 'SessionEvent'])('%s: every member documented', (name) => {
    expect(undocumented(name)).toEqual([])
  })
})

it("the store's functions and useSession()'s actions are properties, which linters let an app pass on unbound", () => {
  // typescript-eslint's unbound-method (in its recommended type-checked set)
  // flags a method passed on without its object, as the README does:
  // `addEventListener('pointerdown', store.recordActivity)`, `useAccessToken()`
  // returning `store.getAccessToken`. The store's functions need no `this`.
  const methods = ['SessionStore', 'SessionView'].flatMap((name) =>
    ownMembers(name).filter((member) => member.declarations!.some((d) => ts.isMethodSignature(d) || ts.isMethodDeclaration(d))).map((member) => `${name}.${member.name}`))
  expect(methods).toEqual([])
})
