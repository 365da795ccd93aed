import { defineConfig } from 'rollup'
import esbuild from 'rollup-plugin-esbuild'
import { dts } from 'rollup-plugin-dts'
import { readFileSync, rmSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const entries = { index: 'src/index.ts', react: 'src/react.ts', oidc: 'src/oidc.ts', http: 'src/http.ts', kratos: 'src/kratos.ts' }
const peers = Object.keys(pkg.peerDependencies ?? {})
// Peers and their subpaths (zustand/vanilla, react/jsx-runtime) stay external.
const external = (id) => peers.some((peer) => id === peer || id.startsWith(`${peer}/`))

// The React entry is client code: the directive lets a React Server Component
// (a Next.js App Router layout) import it without a wrapper of the app's own.
// A banner, not a line in src: rollup drops module-level directives it bundles.
const banner = (chunk) => (chunk.isEntry && chunk.name === 'react' ? "'use client';" : '')

// Chunk names carry a content hash, so a build never overwrites the last
// one's chunks: without this, every earlier build's chunks would be packed too.
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true })

export default defineConfig([
  {
    input: entries,
    external,
    plugins: [esbuild({ target: 'es2020', jsx: 'automatic', minify: false })],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared/[name]-[hash].js', banner },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'shared/[name]-[hash].cjs', banner },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts()],
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'shared/[name]-[hash].d.ts' },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].d.cts', chunkFileNames: 'shared/[name]-[hash].d.cts' },
    ],
  },
])
