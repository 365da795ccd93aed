import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// React 18 lives in its own small install (test/react18): npm cannot hold
// React 18 and 19 side by side in one tree, since react-dom pins its react peer.
const react18 = fileURLToPath(new URL('./test/react18/node_modules/', import.meta.url))

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['fake-indexeddb/auto', 'test/support/unit-setup.ts'],
        },
      },
      {
        // The React tests again on React 18 (18.3.1, its last release), which
        // the peer range allows. The aliases cover our code and the test files;
        // Testing Library, loaded from the same install, brings its react-dom.
        resolve: {
          alias: [
            { find: /^react(\/.*)?$/, replacement: `${react18}react$1` },
            { find: /^react-dom(\/.*)?$/, replacement: `${react18}react-dom$1` },
            { find: /^@testing-library\/react(\/.*)?$/, replacement: `${react18}@testing-library/react$1` },
          ],
        },
        test: {
          name: 'react18',
          include: ['test/unit/**/*.test.tsx'],
          environment: 'jsdom',
          setupFiles: ['test/support/react18-setup.ts', 'fake-indexeddb/auto', 'test/support/unit-setup.ts'],
        },
      },
      {
        // Real Chromium driven by playwright-core from Node: real IndexedDB,
        // BroadcastChannel, Web Locks and several real tabs of one origin.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // Real Chromium against a real OpenID provider (oidc-provider on 127.0.0.1).
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        // Measurements, run by `npm run bench` (bench/run.mjs), never by `npm test`.
        test: {
          name: 'bench',
          include: ['bench/**/*.bench.ts'],
          environment: 'node',
          testTimeout: 900_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
