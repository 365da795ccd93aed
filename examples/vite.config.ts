import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const fromHere = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * The example app. Started by examples/run.mjs (`npm run example`), which also
 * starts the dev OpenID provider and passes its issuer in VITE_OIDC_ISSUER.
 * `authsession` is the library's source, not dist/: no build step needed.
 */
export default defineConfig({
  root: fromHere('.'),
  plugins: [react()],
  resolve: {
    // Anchored: a plain 'authsession' key would also rewrite 'authsession/react'.
    alias: [
      { find: /^authsession$/, replacement: fromHere('../src/index.ts') },
      { find: /^authsession\/react$/, replacement: fromHere('../src/react.ts') },
      { find: /^authsession\/oidc$/, replacement: fromHere('../src/oidc.ts') },
    ],
  },
  // Kept apart from the repository's own Vite/Vitest cache.
  cacheDir: fromHere('../node_modules/.vite-example'),
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    // The library's source lives outside this root.
    fs: { allow: [fromHere('..')] },
  },
})
