/**
 * Six typical hunts on N DeviceProcessEvents rows (default 1M; BENCH_ROWS=10000000 for 10M) and N/5
 * DeviceNetworkEvents rows, DuckDB in memory: the engine's end-to-end path (`runHuntingQuery`: KQL
 * parse + bind + lower + execute + format, with tenant filter and data window, i.e. what a route does
 * after authentication) against hand-written SQL for the same answer on the same engine, side by side
 * in one run. Target: ratio <= 1.25. Median of BENCH_RUNS (default 5) after one warm-up each.
 */
import { ManualClock } from '../src/core/clock.js'
import { runHuntingQuery } from '../src/api/hunting/run-query.js'
import { HuntingEngine } from '../src/hunting/index.js'
import { openDuckDb } from '../src/store/duckdb-db.js'
import type { Db } from '../src/store/db.js'
import { BENCH_NOW_MS, BENCH_TENANT, makeHuntingData } from './hunting-data.js'

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const T = `"TenantId" = '${BENCH_TENANT}' AND "Timestamp" >= TIMESTAMP '2025-05-02 00:00:00'`

const hunts: { name: string; kql: string; sql: string }[] = [
  {
    name: 'filter + take',
    kql: 'DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ "powershell.exe" and ProcessCommandLine has "-enc" | take 100',
    sql: `SELECT * EXCLUDE ("TenantId") FROM "DeviceProcessEvents" WHERE ${T} AND "Timestamp" > TIMESTAMP '2025-05-25 00:00:00'
      AND lower("FileName") = 'powershell.exe' AND contains(lower("ProcessCommandLine"), '-enc')
      AND regexp_matches(lower("ProcessCommandLine"), '(^|[^a-z0-9])-enc($|[^a-z0-9])') LIMIT 100`,
  },
  {
    name: 'top-N count by device',
    kql: 'DeviceProcessEvents | summarize count() by DeviceName | top 10 by count_',
    sql: `SELECT "DeviceName", count(*) AS count_ FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
  },
  {
    name: 'dcount by file',
    kql: 'DeviceProcessEvents | summarize dcount(DeviceId) by FileName',
    sql: `SELECT "FileName", count(DISTINCT "DeviceId") AS d FROM "DeviceProcessEvents" WHERE ${T} GROUP BY 1`,
  },
  {
    name: 'arg_max(Timestamp, *) by DeviceId',
    kql: 'DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId',
    sql: `SELECT * EXCLUDE ("TenantId") FROM "DeviceProcessEvents" WHERE ${T} QUALIFY row_number() OVER (PARTITION BY "DeviceId" ORDER BY "Timestamp" DESC) = 1`,
  },
  {
    name: 'contains over command lines',
    kql: 'DeviceProcessEvents | where ProcessCommandLine contains "sekurlsa" | project Timestamp, DeviceName, ProcessCommandLine',
    sql: `SELECT "Timestamp", "DeviceName", "ProcessCommandLine" FROM "DeviceProcessEvents" WHERE ${T} AND contains(lower("ProcessCommandLine"), 'sekurlsa')`,
  },
  {
    name: 'process-network join, 10 min window',
    kql: `DeviceProcessEvents | join kind=inner DeviceNetworkEvents on DeviceId, InitiatingProcessId
      | where Timestamp1 between (Timestamp .. 10m)
      | summarize Connections = count(), RemoteIPs = dcount(RemoteIP) by FileName | top 20 by Connections`,
    sql: `SELECT p."FileName", count(*) AS c, count(DISTINCT n."RemoteIP") AS r
      FROM "DeviceProcessEvents" p JOIN "DeviceNetworkEvents" n ON p."DeviceId" = n."DeviceId" AND p."InitiatingProcessId" = n."InitiatingProcessId"
      WHERE p."TenantId" = '${BENCH_TENANT}' AND p."Timestamp" >= TIMESTAMP '2025-05-02 00:00:00'
        AND n."TenantId" = '${BENCH_TENANT}' AND n."Timestamp" >= TIMESTAMP '2025-05-02 00:00:00'
        AND n."Timestamp" BETWEEN p."Timestamp" AND p."Timestamp" + INTERVAL 10 MINUTE
      GROUP BY 1 ORDER BY 2 DESC LIMIT 20`,
  },
]

async function time(fn: () => Promise<number>): Promise<{ ms: number; rows: number }> {
  const rows = await fn()
  const t: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    await fn()
    t.push(performance.now() - t0)
  }
  return { ms: median(t), rows }
}

async function main(): Promise<void> {
  const engine = HuntingEngine.shared()
  engine.warmUp()
  const db: Db = await openDuckDb({ path: ':memory:' })
  const t0 = performance.now()
  await makeHuntingData(db, ROWS, Math.floor(ROWS / 5))
  console.log(
    `hunting-queries: ${ROWS} DeviceProcessEvents + ${ROWS / 5} DeviceNetworkEvents rows made in ${Math.round(performance.now() - t0)} ms (DuckDB, in memory)`,
  )
  const clock = new ManualClock(BENCH_NOW_MS)
  console.log('| hunt | engine (KQL, end to end) ms | hand-written SQL ms | ratio | rows |')
  console.log('|---|---|---|---|---|')
  for (const h of hunts) {
    const kql = await time(async () => {
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
        limits: { rowLimit: 100_000, timeoutMs: 120_000, resultBytesLimit: 1 << 30 },
        external: { allowList: [], maxBytes: 0, timeoutMs: 1000, maxRows: 0 },
        fetcher: () => Promise.reject(new Error('no network')),
      })
      if (!o.ok) throw new Error(`${h.name}: ${o.message}`)
      return o.results.length
    })
    const hand = await time(async () => (await db.query(h.sql)).length)
    const ratio = kql.ms / hand.ms
    console.log(
      `| ${h.name} | ${kql.ms.toFixed(1)} | ${hand.ms.toFixed(1)} | ${ratio.toFixed(2)}${ratio > 1.25 ? ' (over 1.25)' : ''} | ${kql.rows} / ${hand.rows} |`,
    )
  }
  await db.close()
}

await main()
