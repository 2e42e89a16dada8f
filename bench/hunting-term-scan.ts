/**
 * `has` term search over N ProcessCommandLine values (default 1M; BENCH_ROWS=10000000 for 10M) through
 * the engine (`where ProcessCommandLine has "sekurlsa" | count`, DuckDB in memory, end to end) against a
 * raw single-core memory scan of that column's bytes measured in the same run: the column concatenated
 * (newline-separated) into one lower-cased Buffer, then Buffer.indexOf over it counting hits. Target:
 * engine <= 3x the scan. Median of BENCH_RUNS (default 5).
 */
import { ManualClock } from '../src/core/clock.js'
import { runHuntingQuery } from '../src/api/hunting/run-query.js'
import { HuntingEngine } from '../src/hunting/index.js'
import { openDuckDb } from '../src/store/duckdb-db.js'
import { BENCH_NOW_MS, BENCH_TENANT, makeHuntingData } from './hunting-data.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function main(): Promise<void> {
  const engine = HuntingEngine.shared()
  engine.warmUp()
  const db = await openDuckDb({ path: ':memory:' })
  await makeHuntingData(db, ROWS, 1000)
  const rows = await db.query<{ c: string }>('SELECT "ProcessCommandLine" AS c FROM "DeviceProcessEvents"')
  // One Buffer written line by line: at 10M rows the column is ~1.1 GB, over V8's maximum string length.
  const lines = rows.map((r) => Buffer.from(r.c.toLowerCase()))
  const buf = Buffer.allocUnsafe(lines.reduce((n, l) => n + l.length + 1, 0))
  let at = 0
  for (const l of lines) {
    at += l.copy(buf, at)
    buf[at++] = 10
  }
  lines.length = 0
  const needle = Buffer.from('sekurlsa')
  const scan = () => {
    let hits = 0
    for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) hits++
    return hits
  }
  const scanMs: number[] = []
  let scanHits = 0
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now()
    scanHits = scan()
    if (i) scanMs.push(performance.now() - t)
  }
  const engineMs: number[] = []
  let count = 0
  for (let i = 0; i <= RUNS; i++) {
    const t = performance.now()
    const o = await runHuntingQuery({
      db,
      engine,
      clock: new ManualClock(BENCH_NOW_MS),
      query: 'DeviceProcessEvents | where ProcessCommandLine has "sekurlsa" | count',
      scope: { tenantId: BENCH_TENANT, deviceIds: null },
      limits: { rowLimit: 100_000, timeoutMs: 120_000, resultBytesLimit: 1 << 30 },
      external: { allowList: [], maxBytes: 0, timeoutMs: 1000, maxRows: 0 },
      fetcher: () => Promise.reject(new Error('no network')),
    })
    if (!o.ok) throw new Error(o.message)
    count = Number((o.results[0] as { Count: number }).Count)
    if (i) engineMs.push(performance.now() - t)
  }
  const s = median(scanMs)
  const e = median(engineMs)
  console.log(`hunting-term-scan: ${ROWS} command lines, ${(buf.length / 1e6).toFixed(1)} MB of column bytes`)
  console.log('| path | ms | hits |')
  console.log('|---|---|---|')
  console.log(
    `| raw scan (Buffer.indexOf, 1 core, lower-cased copy prepared beforehand) | ${s.toFixed(1)} | ${scanHits} |`,
  )
  console.log(`| engine: has "sekurlsa" (KQL end to end, DuckDB) | ${e.toFixed(1)} | ${count} term matches |`)
  console.log(`ratio ${(e / s).toFixed(2)} (target <= 3)`)
  await db.close()
}

await main()
