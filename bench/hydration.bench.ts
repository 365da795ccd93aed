import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { findChromium, startBrowserHarness, type BrowserHarness } from '../test/support/browser-harness'
import { makeSession, uniqueDbName } from '../test/support/sessions'
import type { HydrationResult } from './fixtures/hydration-page'
import { median, quantile, report, round } from './support/report'

/**
 * Cold hydration in real Chromium: a store reading its record until it shows
 * `authenticated`, against the floor of one bare idb-keyval read of the same
 * record, alternating in one tab so machine noise hits both modes alike.
 */
const LOADS_PER_MODE = 40
const WARMUP_PAIRS = 3 // not counted: the first loads also warm Chromium's own caches
const TARGET_RATIO = 1.5

let harness: BrowserHarness
beforeAll(async () => {
  // Missing Chromium must fail the benchmark, never skip it.
  if (!findChromium()) throw new Error('Chromium is required for the hydration benchmark')
  harness = await startBrowserHarness({ entries: { hydration: 'bench/fixtures/hydration-page.ts' } })
})
afterAll(() => harness?.close())

async function load(page: Page, mode: 'store' | 'bare', dbName: string): Promise<number> {
  // A fresh navigation each time: a new document, so no JS state or open database survives.
  await page.goto(`${harness.origin}/hydration.html?mode=${mode}&db=${encodeURIComponent(dbName)}`)
  const handle = await page.waitForFunction(() => window.__hydration, undefined, { polling: 10 })
  const result = (await handle.jsonValue()) as HydrationResult | { error: string }
  if ('error' in result) throw new Error(`${mode}: ${result.error}`)
  expect(result.status, `${mode} did not see the seeded session`).toBe('authenticated')
  return result.ms
}

it('cold hydration: store vs bare idb-keyval read', async () => {
  const dbName = uniqueDbName('bench-hydration')
  const page = await harness.openTab('hydration')
  expect(await page.evaluate(([db, s]) => window.__seed(db, s), [dbName, makeSession()] as const)).toBe('authenticated')

  const samples = { store: [] as number[], bare: [] as number[] }
  for (let i = 0; i < WARMUP_PAIRS + LOADS_PER_MODE; i += 1) {
    for (const mode of ['store', 'bare'] as const) {
      const ms = await load(page, mode, dbName)
      if (i >= WARMUP_PAIRS) samples[mode].push(ms)
    }
  }
  await page.close()

  const stats = (values: number[]) => ({ median: round(median(values)), p90: round(quantile(values, 0.9)), min: round(Math.min(...values)) })
  const store = stats(samples.store)
  const bare = stats(samples.bare)
  const ratio = round(median(samples.store) / median(samples.bare))
  report('hydration', {
    description: `cold page load → authenticated (store) vs one idb-keyval get (bare), ms from just before the work; ${LOADS_PER_MODE} loads per mode alternating in one tab after ${WARMUP_PAIRS} warm-up pairs`,
    rows: [
      { mode: 'store (createSessionStore + start → authenticated)', n: samples.store.length, ...store },
      { mode: 'bare (idb-keyval get)', n: samples.bare.length, ...bare },
    ],
    summary: { store, bare, medianRatio: ratio, targetRatio: TARGET_RATIO, withinTarget: ratio <= TARGET_RATIO },
    samples: { store: samples.store.map((ms) => round(ms, 1)), bare: samples.bare.map((ms) => round(ms, 1)) },
  })
})
