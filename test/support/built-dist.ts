import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository's root, where package.json and dist/ are. */
export const root = fileURLToPath(new URL('../..', import.meta.url))

const newestIn = (dir: string): number =>
  Math.max(...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs
  }))

/** `npm test` builds first; a test file run alone (or after an edit) builds what it tests. */
export function buildIfStale(): void {
  const built = join(root, 'dist/index.js')
  if (!existsSync(built) || statSync(built).mtimeMs < newestIn(join(root, 'src'))) {
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' })
  }
}
