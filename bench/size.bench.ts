import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile } from 'esbuild'
import { expect, it } from 'vitest'
import { report, type Row } from './support/report'

/**
 * Bytes an app pays for each entry: bundled alone by esbuild (minified ESM for
 * the browser) with the peer dependencies left out, then gzip level 9.
 */
const root = fileURLToPath(new URL('..', import.meta.url))
const PEERS = ['react', 'react-dom', 'react/jsx-runtime', 'zustand', 'zustand/*', 'idb-keyval', 'oidc-client-ts']
const BUDGET_BOTH_GZIP = 4096

/**
 * Which capability a source file serves, to show where the bytes go (the
 * issues that built them: the foundation, tab sync and logout, silent refresh;
 * and the idle timeout).
 */
const CAPABILITIES: Array<[string, RegExp]> = [
  ['react', /^src\/react\//],
  ['idle timeout', /^src\/core\/idle-[\w-]+\.ts$/],
  ['silent refresh', /^src\/core\/(refresh-[\w-]+|source-actions|source|unsaved-answer-flag|locks)\.ts$/],
  ['tab sync and logout', /^src\/core\/(tab-[\w-]+|logout-journal|provisional-end|unfinished-logout|delivery-grace|wake)\.ts$/],
  ['foundation (record, store, persistence)', /^src\/core\//],
]
const capabilityOf = (file: string) => CAPABILITIES.find(([, pattern]) => pattern.test(file))?.[0] ?? 'other'

/** Installed packages an OpenID Connect app uses today instead: the peers this library is compared with. */
const PEER_PACKAGES: Array<{ name: string; contents: string; external: string[] }> = [
  { name: 'react-oidc-context', contents: `export * from 'react-oidc-context'`, external: ['react', 'react/jsx-runtime', 'oidc-client-ts'] },
  { name: 'oidc-client-ts', contents: `export * from 'oidc-client-ts'`, external: [] },
]

interface Measured {
  minified: number
  gzip: number
  metafile: Metafile
}

async function measure(entry: { file: string } | { contents: string }, external = PEERS): Promise<Measured> {
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [`${root}/${entry.file}`] }
      : { stdin: { contents: entry.contents, resolveDir: root, loader: 'ts' as const, sourcefile: 'both.ts' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    // What an app's production build substitutes.
    define: { 'process.env.NODE_ENV': '"production"' },
    external,
    metafile: true,
    write: false,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  // A peer that slipped into the bundle would inflate every number; fail loudly instead.
  if (external === PEERS) {
    const bundledDeps = Object.keys(result.metafile.inputs).filter((path) => path.includes('node_modules'))
    expect(bundledDeps, 'dependencies bundled instead of external').toEqual([])
  }
  return { minified: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength, metafile: result.metafile }
}

it('bundle size of each entry, min+gzip, peers external', async () => {
  const entries: Array<[string, string]> = [
    ['authsession', 'src/index.ts'],
    ['authsession/react', 'src/react.ts'],
    ['authsession/oidc', 'src/oidc.ts'],
    ['authsession/http', 'src/http.ts'],
    ['authsession/kratos', 'src/kratos.ts'],
  ]
  const rows: Row[] = []
  for (const [name, file] of entries) {
    if (!existsSync(`${root}/${file}`)) continue // entries not written yet are skipped
    const { minified, gzip } = await measure({ file })
    rows.push({ entry: name, file, minified, gzip })
  }
  // One bundle importing both entries: shared modules are counted once, as in an app.
  const both = await measure({ contents: `export * from './src/index'\nexport * from './src/react'\n` })
  rows.push({ entry: 'both together', file: 'index + react', minified: both.minified, gzip: both.gzip })

  const inputs = Object.values(both.metafile.outputs)[0]!.inputs
  const topFiles = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => ({ file, bytesInOutput }))
    .sort((a, b) => b.bytesInOutput - a.bytesInOutput)
    .slice(0, 8)
  for (const { file, bytesInOutput } of topFiles) rows.push({ entry: '  top file (both)', file, minified: bytesInOutput, gzip: '' })

  // gzip cannot be split by file: each capability's gzip is its share of the minified bytes, applied to the total.
  const byCapability = new Map<string, number>()
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    if (bytesInOutput === 0) continue // entry files that only re-export
    byCapability.set(capabilityOf(file), (byCapability.get(capabilityOf(file)) ?? 0) + bytesInOutput)
  }
  const counted = [...byCapability.values()].reduce((sum, bytes) => sum + bytes, 0)
  const capabilities = [...byCapability].sort((a, b) => b[1] - a[1]).map(([capability, minified]) => ({
    capability,
    minified,
    gzipShare: Math.round((both.gzip * minified) / counted),
  }))
  for (const { capability, minified, gzipShare } of capabilities) {
    rows.push({ entry: '  capability (both)', file: capability, minified, gzip: `~${gzipShare}` })
  }

  // The same measure for the peers, bundled with their own dependencies except react and oidc-client-ts.
  const peers = []
  for (const peer of PEER_PACKAGES) {
    const { minified, gzip } = await measure({ contents: peer.contents }, peer.external)
    rows.push({ entry: `peer: ${peer.name}`, file: 'package entry', minified, gzip })
    peers.push({ name: peer.name, gzip })
  }

  // What an OpenID Connect app ships for its session layer, every dependency
  // but React bundled in: authsession (core, react, oidc) with zustand,
  // idb-keyval and oidc-client-ts, beside react-oidc-context with oidc-client-ts.
  const REACT_ONLY = ['react', 'react-dom', 'react/jsx-runtime']
  const oidcApp = await measure({ contents: `export * from './src/index'\nexport * from './src/react'\nexport * from './src/oidc'\n` }, REACT_ONLY)
  // (Each side bundles only the part of oidc-client-ts it imports.)
  const peerApp = await measure({ contents: `export * from 'react-oidc-context'\n` }, REACT_ONLY)
  const appRatio = Number((oidcApp.gzip / peerApp.gzip).toFixed(2))
  rows.push({ entry: 'OIDC app: authsession', file: 'core+react+oidc, deps bundled', minified: oidcApp.minified, gzip: oidcApp.gzip })
  rows.push({ entry: 'OIDC app: peer', file: 'react-oidc-context, deps bundled', minified: peerApp.minified, gzip: peerApp.gzip })
  rows.push({ entry: 'OIDC app ratio', file: 'authsession ÷ peer (gzip)', minified: '', gzip: appRatio })

  report('size', {
    description: `min+gzip (level 9) bytes per entry, esbuild bundle/minify/esm/browser, peers external (${PEERS.join(', ')}); top files: minified bytes in the combined bundle`,
    rows,
    summary: {
      bothGzip: both.gzip,
      budgetBothGzip: BUDGET_BOTH_GZIP,
      withinBudget: both.gzip <= BUDGET_BOTH_GZIP,
      topFilesBoth: topFiles,
      capabilitiesBoth: capabilities,
      peers,
      oidcApp: { authsessionGzip: oidcApp.gzip, peerGzip: peerApp.gzip, ratio: appRatio },
    },
  })
})
