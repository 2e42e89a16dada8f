#!/usr/bin/env node
// Runs the compiled benchmarks (dist/bench/*.js), one after another, each in its own process.
// Usage: npm run bench [-- name-substring ...]. Each benchmark prints its figures and its ratio against
// the baseline it measures in the same run.
import { readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'

const dir = join(new URL('..', import.meta.url).pathname, 'dist', 'bench')
const filters = process.argv.slice(2)
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.js') && !f.endsWith('.test.js') && !f.startsWith('_'))
      .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
      .sort()
  : []
if (files.length === 0) {
  console.error('run-bench: no benchmark matched')
  process.exit(1)
}
let failed = 0
for (const f of files) {
  console.log(`\n== bench/${f.replace(/\.js$/, '.ts')} ==`)
  const r = spawnSync(process.execPath, ['--enable-source-maps', join(dir, f)], { stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed ? 1 : 0)
