import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { cpus, platform } from 'node:os'
import { fileURLToPath } from 'node:url'

export type Row = Record<string, string | number>

export interface Report {
  description: string
  rows: Row[]
  summary: Record<string, unknown>
  /** Raw measurements: written to the JSON only, not printed. */
  samples?: unknown
}

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url))

/** A plain text table: columns are the union of the rows' keys, numbers right-aligned. */
export function formatTable(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const cell = (value: string | number | undefined) => (value === undefined ? '' : String(value))
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)))
  const line = (values: string[], numeric: boolean[]) =>
    values.map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join('  ').trimEnd()
  const header = line(columns, columns.map(() => false))
  const body = rows.map((row) => line(columns.map((c) => cell(row[c])), columns.map((c) => typeof row[c] === 'number')))
  return [header, widths.map((w) => '-'.repeat(w)).join('  '), ...body].join('\n')
}

/** Prints the table and summary, and writes bench/results/NAME.json (meant to be committed). */
export function report(name: string, { description, rows, summary, samples }: Report): void {
  const result = {
    name,
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, platform: platform() },
    description,
    rows,
    summary,
    ...(samples === undefined ? {} : { samples }),
  }
  // One console.log call, so vitest prints it as one block.
  console.log(`\n${name}: ${description}\n\n${formatTable(rows)}\n\nsummary ${JSON.stringify(summary, null, 2)}\n`)
  mkdirSync(resultsDir, { recursive: true })
  // Write then rename, so an interrupted run never leaves half a file behind.
  const file = `${resultsDir}${name}.json`
  writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`)
  renameSync(`${file}.tmp`, file)
}

/** Shared statistics for the timing benchmarks. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  // Linear interpolation between the closest ranks.
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export const median = (values: number[]) => quantile(values, 0.5)

/** Rounds for display/JSON: numbers to `digits` decimals. */
export const round = (value: number, digits = 2) => Number(value.toFixed(digits))
