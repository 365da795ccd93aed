// @vitest-environment node
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * Apps compile with stricter settings than this project (@tsconfig/strictest
 * turns on exactOptionalPropertyTypes): there an optional property typed
 * `x?: number` refuses an explicit `undefined`. Where the library accepts
 * undefined at runtime, its types must say so, or the README's own samples
 * fail to compile in such an app. Only the fixture's diagnostics count.
 */
const fixture = fileURLToPath(new URL('../fixtures/strict-consumer/readme-cookie-source.ts', import.meta.url))

describe('types under an app’s exactOptionalPropertyTypes', () => {
  it("the README's cookie source compiles (a source answers clockSkewMs and returnTo that may be undefined)", () => {
    const program = ts.createProgram([fixture], {
      strict: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: true,
      noEmit: true,
    })
    const source = program.getSourceFile(fixture)!
    const messages = ts
      .getPreEmitDiagnostics(program, source)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n')[0])
    expect(messages).toEqual([])
  }, 60_000)
})
