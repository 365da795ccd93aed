// Fails when the package would ship a file no entry reaches (a chunk left by
// an earlier build, a stray artifact) or would miss one an entry imports.
// publint and attw check what the exports point at, not what else is packed.
// Run after the build: node test/support/check-packed-files.mjs
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const [{ files }] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
)
const packed = new Set(files.map((file) => normalize(file.path)))

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const targets = (value) => (typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets))
const entries = [pkg.main, pkg.module, pkg.types, ...targets(pkg.exports)].filter(Boolean).map((file) => normalize(file))

// Relative specifiers in ESM, CJS and declaration files (import/export from, require, import()).
const SPECIFIER = /(?:from\s*|require\(\s*|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g
const reached = new Set()
const missing = []
const visit = (file) => {
  if (reached.has(file)) return
  reached.add(file)
  if (!packed.has(file)) return void missing.push(file)
  if (!/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(file)) return
  for (const [, specifier] of readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)) {
    // Declaration files name their sibling by its .js (or .cjs) path.
    const target = normalize(join(dirname(file), specifier))
    visit(file.endsWith('.d.ts') ? target.replace(/\.js$/, '.d.ts') : file.endsWith('.d.cts') ? target.replace(/\.cjs$/, '.d.cts') : target)
  }
}
entries.forEach(visit)

const unreached = [...packed].filter((file) => file.startsWith('dist/') && !reached.has(file))
if (missing.length || unreached.length) {
  if (missing.length) console.error(`Imported but not packed:\n  ${missing.join('\n  ')}`)
  if (unreached.length) console.error(`Packed but reached from no entry (stale build output?):\n  ${unreached.join('\n  ')}`)
  process.exit(1)
}
console.log(`Packed files: ${packed.size}, every dist file reached from an entry.`)
