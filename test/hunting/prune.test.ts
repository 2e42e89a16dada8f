import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery, type RunQueryOutcome } from '../../src/api/hunting/run-query.js'
import { HuntingEngine } from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { corpusUrls, DEMO_NOW_MS, fakeFeed, loadDemo, readCorpus } from './demo-data.js'
import { openHuntingDb, orderedSql } from './harness.js'

/**
 * Column pruning (src/hunting/ir/prune.ts): scans read only the columns later operators use, and the
 * answers are those of the unpruned plan — over the whole dev corpus on DuckDB.
 */
const pruned = HuntingEngine.shared()
const whole = HuntingEngine.create({ pruneColumns: false })

function sqlOf(engine: HuntingEngine, query: string): string {
  const p = engine.plan(query)
  assert.ok(p.ok, query)
  const l = engine.lower(p.plan, {
    dialect: 'duckdb',
    scope: { tenantId: 't', deviceIds: null, minTimestampUs: 0 },
    nowMs: DEMO_NOW_MS,
    rowLimit: 100,
  })
  assert.ok(l.ok, query)
  return l.query.sql
}

/** The columns the first CTE (the table scan) selects. */
function scanColumns(sql: string): string[] {
  const m = /^WITH s1 AS \(SELECT (.*?) FROM "/.exec(sql)
  assert.ok(m, sql)
  return [...m[1]!.matchAll(/ AS "([^"]+)"/g)].map((x) => x[1]!)
}

describe('column pruning: what the scans read', () => {
  before(() => pruned.warmUp())

  const cases: [string, string[]][] = [
    ['DeviceProcessEvents | summarize count() by DeviceName | top 10 by count_', ['DeviceName']],
    [
      'DeviceProcessEvents | where FileName =~ "cmd.exe" | project Timestamp, DeviceName',
      ['Timestamp', 'DeviceName', 'FileName'],
    ],
    ['DeviceProcessEvents | count', ['Timestamp']],
    [
      'DeviceProcessEvents | extend x = strlen(ProcessCommandLine) | where x > 10 | project DeviceId',
      ['DeviceId', 'ProcessCommandLine'],
    ],
    [
      'DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by DeviceId',
      ['Timestamp', 'DeviceId', 'FileName'],
    ],
    [
      'DeviceProcessEvents | project SHA1, FolderPath | sort by FolderPath asc | take 5 | project SHA1',
      ['FolderPath', 'SHA1'],
    ],
    // Functions that read columns by name keep them.
    ['DeviceProcessEvents | project v = column_ifexists("SHA256", "none")', ['SHA256']],
    ['DeviceProcessEvents | project t = ingestion_time()', ['Timestamp']],
  ]
  for (const [query, expected] of cases)
    test(query, () => {
      assert.deepEqual(new Set(scanColumns(sqlOf(pruned, query))), new Set(expected))
    })

  test('queries whose result is every column read every column', () => {
    const all = scanColumns(sqlOf(whole, 'DeviceProcessEvents | take 1'))
    assert.ok(all.length > 60)
    for (const q of [
      'DeviceProcessEvents | where FileName == "x" | take 1',
      'DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId',
      'DeviceProcessEvents | serialize n = row_number() | project n',
      // take, sort and top break ties by every input column in stable mode
      'DeviceProcessEvents | take 10 | project DeviceId',
      'DeviceProcessEvents | sort by Timestamp | project DeviceId',
      'DeviceProcessEvents | top 3 by Timestamp | project DeviceId',
      // innerunique keeps one left row per key, chosen over all left columns in stable mode
      'DeviceProcessEvents | join (DeviceNetworkEvents) on DeviceId | project DeviceId',
    ])
      assert.deepEqual(scanColumns(sqlOf(pruned, q)), all, q)
  })

  test('joins read the keys and the columns used after them', () => {
    const sql = sqlOf(
      pruned,
      'DeviceProcessEvents | join kind=inner DeviceNetworkEvents on DeviceId | summarize dcount(RemoteIP) by FileName',
    )
    assert.deepEqual(new Set(scanColumns(sql)), new Set(['DeviceId', 'FileName']))
    assert.match(
      sql,
      /s2 AS \(SELECT "DeviceId" AS "DeviceId", "RemoteIP" AS "RemoteIP" FROM "DeviceNetworkEvents"/,
    )
  })
})

test('corpus on DuckDB: pruned plans return the rows of unpruned plans', { timeout: 900_000 }, async () => {
  const b = backends.find((x) => x.name === 'duckdb')!
  const db: Db = await openHuntingDb(b)
  after(() => db.close())
  const tenantId = await loadDemo(db, 4)
  const corpus = readCorpus()
  const urls = corpusUrls(corpus)
  const run = (engine: HuntingEngine, query: string) =>
    runHuntingQuery({
      db,
      engine,
      clock: new ManualClock(DEMO_NOW_MS),
      query,
      scope: { tenantId, deviceIds: null },
      limits: { rowLimit: 10_000, timeoutMs: 20_000, resultBytesLimit: 64 << 20 },
      external: { allowList: urls, maxBytes: 1 << 20, timeoutMs: 5000, maxRows: 100_000 },
      fetcher: fakeFeed,
      stable: true,
    })
  const rows = (o: RunQueryOutcome & { ok: true }) => {
    const x = o.results.map((r) => JSON.stringify(r))
    return orderedSql(o.sql) ? x : x.sort()
  }
  let compared = 0
  let narrower = 0
  const mismatches: string[] = []
  for (const q of corpus) {
    // Only queries whose SQL pruning changes are run twice.
    const pa = pruned.plan(q.query)
    const pb = whole.plan(q.query)
    if (pa.ok && pb.ok && !pa.plan.ir.discoveries.length && !pa.plan.externalSources.length) {
      const shape = {
        dialect: 'duckdb' as const,
        scope: { tenantId, deviceIds: null },
        nowMs: DEMO_NOW_MS,
        rowLimit: 10,
      }
      const la = pruned.lower(pa.plan, shape)
      const lb = whole.lower(pb.plan, shape)
      if (la.ok && lb.ok && la.query.sql === lb.query.sql) continue
    }
    const a = await run(pruned, q.query)
    const b2 = await run(whole, q.query)
    if (a.ok !== b2.ok) {
      mismatches.push(
        `${q.id}: ${a.ok ? 'only pruned runs' : `only unpruned runs (${a.ok ? '' : a.message})`}`,
      )
      continue
    }
    if (!a.ok || !b2.ok) continue
    compared++
    if (a.sql !== b2.sql) narrower++
    assert.deepEqual(a.schema, b2.schema, q.id)
    if (!a.deterministic) {
      if (a.results.length !== b2.results.length) mismatches.push(`${q.id}: row counts differ`)
      continue
    }
    if (JSON.stringify(rows(a)) !== JSON.stringify(rows(b2))) mismatches.push(`${q.id}: rows differ`)
  }
  console.log(
    `[prune] ${compared} corpus queries with pruned SQL compared with their unpruned plans (${narrower} narrower); mismatches ${mismatches.length}`,
  )
  for (const m of mismatches.slice(0, 10)) console.log(`  ${m}`)
  assert.deepEqual(mismatches, [])
  assert.ok(narrower > corpus.length / 3, `pruning applies to many queries (${narrower}/${corpus.length})`)
})
