#!/usr/bin/env node
// Installs test/react18 (React 18 for the react18 vitest project) with npm ci,
// unless what is installed there already matches its lockfile: `npm test`
// calls this every run, and a reinstall each time would need the registry.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const dir = fileURLToPath(new URL('../react18/', import.meta.url))
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'))
const wanted = Object.entries(readJson(`${dir}package-lock.json`).packages).filter(([path]) => path !== '')
const installedLock = `${dir}node_modules/.package-lock.json`
const installed = existsSync(installedLock) ? readJson(installedLock).packages : {}
const upToDate = wanted.every(([path, { version }]) => installed[path]?.version === version)

if (!upToDate) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' })
