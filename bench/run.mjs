#!/usr/bin/env node
// Runs benchmarks one at a time: `node bench/run.mjs [NAME ...]` (no name: all, sorted).
// Each NAME is bench/NAME.bench.ts, run by the vitest `bench` project.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const benchDir = dirname(fileURLToPath(import.meta.url))
const root = join(benchDir, '..')
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort()

// Accept `size`, `size.bench.ts` or `bench/size.bench.ts` alike.
const asked = process.argv.slice(2).map((arg) => arg.replace(/^(\.\/)?bench\//, '').replace(/\.bench\.ts$/, ''))
const unknown = asked.filter((name) => !available.includes(name))
if (unknown.length > 0) {
  console.error(`Unknown benchmark: ${unknown.join(', ')}. Available: ${available.join(', ') || '(none)'}`)
  process.exit(2)
}

const names = asked.length > 0 ? asked : available
const failed = []
for (const name of names) {
  console.log(`\n=== bench ${name}`)
  const { status, error } = spawnSync('npx', ['vitest', 'run', '--project', 'bench', `bench/${name}.bench.ts`], {
    cwd: root,
    stdio: 'inherit',
  })
  if (error) console.error(error)
  if (status !== 0) failed.push(name)
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(', ')}`)
  process.exit(1)
}
console.log(`\nDone: ${names.join(', ')} (results in bench/results/)`)
