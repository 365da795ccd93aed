import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root, where package.json and dist/ are. */
export const root = fileURLToPath(new URL('../..', import.meta.url))

const newestIn = (dir: string): number =>
  Math.max(...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs
  }))

const stale = () => {
  const built = join(root, 'dist/index.js')
  return !existsSync(built) || statSync(built).mtimeMs < newestIn(join(root, 'src'))
}

// Test files run in parallel workers, and the build empties dist/ first: a
// second build (or a reader) during the first would see half a package. One
// build at a time, across processes: mkdir either creates the lock or fails.
const lock = join(root, 'node_modules/.cache/authsession-build.lock')
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
const STALE_LOCK_MS = 90_000
const lockedAt = () => {
  try {
    return statSync(lock).mtimeMs
  } catch {
    return Date.now() // just let go: try again
  }
}

/** `npm test` builds first; a test file run alone (or after an edit) builds what it tests. */
export function buildIfStale(): void {
  if (!stale()) return
  mkdirSync(dirname(lock), { recursive: true })
  const deadline = Date.now() + 120_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // Left by a worker killed mid-build (a build takes seconds here): taken over.
      if (Date.now() - lockedAt() > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true })
      else if (Date.now() > deadline) throw new Error(`Another test's build has held ${lock} for 2 minutes; remove it if no build runs`)
      else pause(200)
    }
  }
  try {
    // Built meanwhile by the worker that held the lock.
    if (stale()) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' })
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}
