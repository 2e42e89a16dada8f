import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateDemo } from '../src/demo/generate.js'
import { huntingTables } from '../src/schema/hunting-tables.js'

/**
 * Demo benchmark (issue 2 performance items owned by demo):
 *  1. generator rate in-process (no store), 50 devices;
 *  2. `bulwark serve --demo` on a fresh data dir: time to /readyz 200 (demo load included) and the
 *     server's resident memory once ready (target < 1 GiB with 50 devices);
 *  3. restart on a data dir holding ≥ 1M hunting rows: time to /readyz 200 (target < 3 s).
 * The store's bulk path against DuckDB's own COPY is bench/bulk-load.ts (Helper 1), not repeated here.
 * Usage: node dist/bench/demo-load.js [devices=50] [bigDevices=245]
 */
const DEVICES = Number(process.argv[2] ?? 50)
const BIG = Number(process.argv[3] ?? 245)
const bin = fileURLToPath(new URL('../../bin/bulwark.js', import.meta.url))
const CLOCK = '2025-03-04T10:30:00Z'

function generatorRate(devices: number): { rows: number; seconds: number } {
  const t0 = performance.now()
  const gen = generateDemo({ seed: 1, devices, nowMs: Date.parse(CLOCK), shapes: huntingTables })
  let r = gen.next()
  while (!r.done) r = gen.next()
  const rows = [...r.value.counts.values()].reduce((a, b) => a + b, 0)
  return { rows, seconds: (performance.now() - t0) / 1000 }
}

const rssMb = (pid: number, field = 'VmRSS') => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Math.round(Number(m[1]) / 1024) : NaN
}

interface ServeResult {
  readyMs: number
  rssMb: number
  peakMb: number
  log: string
}

/** Starts the CLI, measures spawn → first /readyz 200, reads its memory, stops it with SIGTERM. */
async function serveOnce(dir: string, devices: number): Promise<ServeResult> {
  const t0 = performance.now()
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--demo',
      '--http',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--devices',
      String(devices),
      '--clock-start',
      CLOCK,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let log = ''
  child.stdout.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<void>((res) => child.on('close', () => res()))
  let url: string | undefined
  for (;;) {
    url ??= /Bulwark listening on (\S+)/.exec(log)?.[1]
    if (url) {
      const res = await fetch(url + '/readyz').catch(() => null)
      if (res?.status === 200) break
    }
    if (child.exitCode !== null) throw new Error('server exited:\n' + log.slice(-2000))
    if (performance.now() - t0 > 600_000) throw new Error('not ready after 10 minutes')
    await new Promise((r) => setTimeout(r, 20))
  }
  const readyMs = performance.now() - t0
  const out = { readyMs, rssMb: rssMb(child.pid!), peakMb: rssMb(child.pid!, 'VmHWM'), log }
  child.kill('SIGTERM')
  await exited
  return out
}

const dirs: string[] = []
try {
  const g = generatorRate(DEVICES)
  console.log(
    `generator (${DEVICES} devices, no store): ${g.rows} rows in ${g.seconds.toFixed(2)} s = ${Math.round(g.rows / g.seconds)} rows/s`,
  )

  const fresh = mkdtempSync(join(tmpdir(), 'bulwark-bench-demo-'))
  dirs.push(fresh)
  const first = await serveOnce(fresh, DEVICES)
  const loadSec = /"seconds":([\d.]+)/.exec(first.log)?.[1]
  const rows = /(\d+) hunting rows/.exec(first.log)?.[1]
  console.log(
    `first start with ${DEVICES}-device demo: ready in ${(first.readyMs / 1000).toFixed(1)} s (demo load ${loadSec} s, ${rows} rows = ${Math.round(Number(rows) / Number(loadSec))} rows/s incl. generation)`,
  )
  console.log(`resident memory once ready: ${first.rssMb} MiB (peak ${first.peakMb} MiB; target < 1024 MiB)`)
  const again = await serveOnce(fresh, DEVICES)
  console.log(
    `restart (${rows} rows present): ready in ${(again.readyMs / 1000).toFixed(2)} s, RSS ${again.rssMb} MiB`,
  )

  const big = mkdtempSync(join(tmpdir(), 'bulwark-bench-demo-big-'))
  dirs.push(big)
  const load = await serveOnce(big, BIG)
  const bigRows = Number(/(\d+) hunting rows/.exec(load.log)?.[1])
  console.log(
    `${BIG}-device demo: ${bigRows} hunting rows loaded, ready in ${(load.readyMs / 1000).toFixed(1)} s`,
  )
  const restart = await serveOnce(big, BIG)
  console.log(
    `restart with ${bigRows} hunting rows: /readyz 200 after ${(restart.readyMs / 1000).toFixed(2)} s (target < 3 s; ratio ${(restart.readyMs / 3000).toFixed(2)} of target)`,
  )
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
}
