/**
 * Six typical hunts on N DeviceProcessEvents rows (default 1M; BENCH_ROWS=10000000 for 10M) and N/5
 * DeviceNetworkEvents rows: the engine's end-to-end path (`runHuntingQuery`: KQL parse + bind + lower +
 * execute + format, with tenant filter and data window, i.e. what a route does after authentication)
 * against hand-written SQL for the same answer on the same engine, side by side in one run.
 * - cold: an engine without its compiled-query cache (every run parses, binds and lowers);
 * - warm: the process-wide engine (plan and SQL cached; clock and caller filled in per run).
 * Rounds interleave cold, warm and hand so machine noise hits all three alike; median of BENCH_RUNS
 * (default 5) after one warm-up each. Target: warm ratio <= 1.25.
 * BENCH_DB=postgres (with BENCH_PG_URL) runs on PostgreSQL: the rows are made in DuckDB, written to a
 * CSV file under the OS temp folder and loaded with server-side COPY into a fresh schema (dropped after).
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock } from '../src/core/clock.js'
import { runHuntingQuery } from '../src/api/hunting/run-query.js'
import { HuntingEngine, huntingTableDdl, pgHelperFunctionsSql } from '../src/hunting/index.js'
import { openDuckDb } from '../src/store/duckdb-db.js'
import { openPostgres } from '../src/store/postgres-db.js'
import type { Db } from '../src/store/db.js'
import { BENCH_NOW_MS, BENCH_TENANT, makeHuntingData } from './hunting-data.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const DB = process.env.BENCH_DB === 'postgres' ? 'postgres' : 'duckdb'
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const since = (d: string) => (DB === 'duckdb' ? `TIMESTAMP '${d} 00:00:00'` : `TIMESTAMP '${d} 00:00:00'`)
const T = `"TenantId" = '${BENCH_TENANT}' AND "Timestamp" >= ${since('2025-05-02')}`

interface Hunt {
  name: string
  kql: string
  sql: { duckdb: string; postgres: string }
}

const hunts: Hunt[] = [
  {
    name: 'filter + take',
    kql: 'DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ "powershell.exe" and ProcessCommandLine has "-enc" | take 100',
    sql: {
      duckdb: `SELECT * EXCLUDE ("TenantId") FROM "DeviceProcessEvents" WHERE ${T} AND "Timestamp" > ${since('2025-05-25')}
        AND lower("FileName") = 'powershell.exe' AND contains(lower("ProcessCommandLine"), '-enc')
        AND regexp_matches(lower("ProcessCommandLine"), '(^|[^a-z0-9])-enc($|[^a-z0-9])') LIMIT 100`,
      postgres: `SELECT * FROM "DeviceProcessEvents" WHERE ${T} AND "Timestamp" > ${since('2025-05-25')}
        AND lower("FileName") = 'powershell.exe' AND lower("ProcessCommandLine") LIKE '%-enc%'
        AND lower("ProcessCommandLine") ~ '(^|[^a-z0-9])-enc($|[^a-z0-9])' LIMIT 100`,
    },
  },
  {
    name: 'top-N count by device',
    kql: 'DeviceProcessEvents | summarize count() by DeviceName | top 10 by count_',
    sql: {
      duckdb: `SELECT "DeviceName", count(*) AS count_ FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
      postgres: `SELECT "DeviceName", count(*) AS count_ FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
    },
  },
  {
    name: 'dcount by file',
    kql: 'DeviceProcessEvents | summarize dcount(DeviceId) by FileName',
    sql: {
      duckdb: `SELECT "FileName", count(DISTINCT "DeviceId") AS d FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1`,
      postgres: `SELECT "FileName", count(DISTINCT "DeviceId") AS d FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1`,
    },
  },
  {
    name: 'arg_max(Timestamp, *) by DeviceId',
    kql: 'DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId',
    sql: {
      duckdb: `SELECT * EXCLUDE ("TenantId") FROM "DeviceProcessEvents" WHERE ${T} QUALIFY row_number() OVER (PARTITION BY "DeviceId" ORDER BY "Timestamp" DESC) = 1`,
      postgres: `SELECT DISTINCT ON ("DeviceId") * FROM "DeviceProcessEvents" WHERE ${T} ORDER BY "DeviceId", "Timestamp" DESC`,
    },
  },
  {
    name: 'contains over command lines',
    kql: 'DeviceProcessEvents | where ProcessCommandLine contains "sekurlsa" | project Timestamp, DeviceName, ProcessCommandLine',
    sql: {
      duckdb: `SELECT "Timestamp", "DeviceName", "ProcessCommandLine" FROM "DeviceProcessEvents" WHERE ${T} AND contains(lower("ProcessCommandLine"), 'sekurlsa')`,
      postgres: `SELECT "Timestamp", "DeviceName", "ProcessCommandLine" FROM "DeviceProcessEvents" WHERE ${T} AND lower("ProcessCommandLine") LIKE '%sekurlsa%'`,
    },
  },
  {
    name: 'process-network join, 10 min window',
    kql: `DeviceProcessEvents | join kind=inner DeviceNetworkEvents on DeviceId, InitiatingProcessId
      | where Timestamp1 between (Timestamp .. 10m)
      | summarize Connections = count(), RemoteIPs = dcount(RemoteIP) by FileName | top 20 by Connections`,
    sql: {
      duckdb: joinSql('INTERVAL 10 MINUTE'),
      postgres: joinSql(`INTERVAL '10 minutes'`),
    },
  },
]

function joinSql(tenMinutes: string): string {
  return `SELECT p."FileName", count(*) AS c, count(DISTINCT n."RemoteIP") AS r
      FROM "DeviceProcessEvents" p JOIN "DeviceNetworkEvents" n ON p."DeviceId" = n."DeviceId" AND p."InitiatingProcessId" = n."InitiatingProcessId"
      WHERE p."TenantId" = '${BENCH_TENANT}' AND p."Timestamp" >= ${since('2025-05-02')}
        AND n."TenantId" = '${BENCH_TENANT}' AND n."Timestamp" >= ${since('2025-05-02')}
        AND n."Timestamp" BETWEEN p."Timestamp" AND p."Timestamp" + ${tenMinutes}
      GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20`
}

/** PostgreSQL: rows made in DuckDB, moved through CSV files and server-side COPY. */
async function loadPostgres(url: string, schema: string): Promise<Db> {
  const duck = await openDuckDb({ path: ':memory:' })
  await makeHuntingData(duck, ROWS, Math.floor(ROWS / 5))
  const pg = await openPostgres({ url, schema })
  await pg.executeScript(huntingTableDdl('postgres'))
  await pg.executeScript(pgHelperFunctionsSql)
  const dir = mkdtempSync(join(tmpdir(), 'hunting-bench-'))
  chmodSync(dir, 0o755)
  try {
    for (const table of ['DeviceProcessEvents', 'DeviceNetworkEvents']) {
      const file = join(dir, `${table}.csv`)
      await duck.execute(`COPY "${table}" TO '${file}' (HEADER, DELIMITER ',')`)
      chmodSync(file, 0o644)
      await pg.execute(`COPY "${table}" FROM '${file}' (FORMAT csv, HEADER true)`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await duck.close()
  }
  await pg.execute('ANALYZE')
  return pg
}

async function main(): Promise<void> {
  const warm = HuntingEngine.shared()
  const cold = HuntingEngine.create({ cacheEntries: 0 })
  warm.warmUp()
  const t0 = performance.now()
  const schema = `bench_${Date.now().toString(36)}`
  let db: Db
  if (DB === 'postgres') {
    const url = process.env.BENCH_PG_URL
    if (!url) throw new Error('BENCH_DB=postgres needs BENCH_PG_URL')
    db = await loadPostgres(url, schema)
  } else {
    db = await openDuckDb({ path: ':memory:' })
    await makeHuntingData(db, ROWS, Math.floor(ROWS / 5))
  }
  console.log(
    `hunting-queries on ${DB}: ${ROWS} DeviceProcessEvents + ${ROWS / 5} DeviceNetworkEvents rows made in ${Math.round(performance.now() - t0)} ms`,
  )
  const clock = new ManualClock(BENCH_NOW_MS)
  const kql = (engine: HuntingEngine, h: Hunt) => async () => {
    const o = await runHuntingQuery({
      db,
      engine,
      clock,
      query: h.kql,
      scope: {
        tenantId: BENCH_TENANT,
        deviceIds: null,
        minTimestampUs: (BENCH_NOW_MS - 30 * 86_400_000) * 1000,
      },
      limits: { rowLimit: 100_000, timeoutMs: 600_000, resultBytesLimit: 1 << 30 },
      external: { allowList: [], maxBytes: 0, timeoutMs: 1000, maxRows: 0 },
      fetcher: () => Promise.reject(new Error('no network')),
    })
    if (!o.ok) throw new Error(`${h.name}: ${o.message}`)
    return o.results.length
  }
  console.log(
    '| hunt | cold ms (no cache) | warm ms (cached plan) | hand-written SQL ms | warm ratio | cold ratio | rows |',
  )
  console.log('|---|---|---|---|---|---|---|')
  try {
    for (const h of hunts) {
      const variants = [
        { name: 'cold', fn: kql(cold, h) },
        { name: 'warm', fn: kql(warm, h) },
        { name: 'hand', fn: async () => (await db.query(h.sql[DB])).length },
      ]
      const times = new Map<string, number[]>(variants.map((v) => [v.name, []]))
      const rows = new Map<string, number>()
      for (const v of variants) rows.set(v.name, await v.fn())
      for (let i = 0; i < RUNS; i++)
        for (const v of variants) {
          const s = performance.now()
          await v.fn()
          times.get(v.name)!.push(performance.now() - s)
        }
      const [c, w, hand] = ['cold', 'warm', 'hand'].map((n) => median(times.get(n)!))
      const ratio = (x: number) => `${(x / hand!).toFixed(2)}${x / hand! > 1.25 ? ' (over)' : ''}`
      console.log(
        `| ${h.name} | ${c!.toFixed(1)} | ${w!.toFixed(1)} | ${hand!.toFixed(1)} | ${ratio(w!)} | ${ratio(c!)} | ${rows.get('warm')} / ${rows.get('hand')} |`,
      )
    }
  } finally {
    if (DB === 'postgres') await db.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await db.close()
  }
}

await main()
