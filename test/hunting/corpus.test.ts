import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery, type RunQueryOutcome } from '../../src/api/hunting/run-query.js'
import { HuntingEngine } from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { corpusUrls, DEMO_NOW_MS, fakeFeed, loadDemo, readCorpus } from './demo-data.js'
import { openHuntingDb, orderedSql, sameRowsText, sameWire } from './harness.js'

/**
 * Every dev-corpus query against a small demo tenant. Counts: binds (lenient), executes, schema equal to
 * the binder's; prints the top failure reasons. The issue asks for DuckDB ≥ 90 % and PostgreSQL ≥ 85 %
 * of the bound queries; the test holds both at ≥ 96 % (what they run now). 100 % of executed ones must
 * report the binder's schema (for bag_unpack/pivot: of the query with the discovered output schema).
 * When both engines run, their rows are compared (multiset, or in order where the query sorts).
 */
const corpus = readCorpus()
const urls = corpusUrls(corpus)
const engine = HuntingEngine.shared()
const outcomes = new Map<string, Map<string, RunQueryOutcome>>()
const dbs: Db[] = []

before(() => engine.warmUp())
after(async () => {
  for (const db of dbs) await db.close()
})

function reason(o: RunQueryOutcome & { ok: false }): string {
  return o.message
    .replace(/\(at position.*\)/, '')
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .slice(0, 90)
}

for (const b of backends) {
  test(`corpus on ${b.name}`, { timeout: 900_000 }, async () => {
    const db = await openHuntingDb(b)
    dbs.push(db)
    // The same demo tenant on every engine, so the differential test below compares like with like.
    const tenantId = await loadDemo(db, 4)
    const results = new Map<string, RunQueryOutcome>()
    outcomes.set(b.name, results)
    let bound = 0
    let executed = 0
    let schemaEqual = 0
    let discovered = 0
    const reasons = new Map<string, number>()
    const jsonMismatch: string[] = []
    for (const q of corpus) {
      const plan = engine.plan(q.query)
      const bindsLenient = plan.ok || plan.diagnostics.every((d) => !d.code.startsWith('kql-ks'))
      if (!bindsLenient) continue
      bound++
      const run = (encoder: 'both' | 'text') =>
        runHuntingQuery({
          db,
          engine,
          clock: new ManualClock(DEMO_NOW_MS),
          query: q.query,
          scope: { tenantId, deviceIds: null },
          limits: { rowLimit: 10_000, timeoutMs: 20_000, resultBytesLimit: 64 << 20 },
          external: { allowList: urls, maxBytes: 1 << 20, timeoutMs: 5000, maxRows: 100_000 },
          fetcher: fakeFeed,
          // Ties and unordered `take` broken deterministically, so the engines' rows are comparable.
          stable: true,
          encoder,
        })
      // The database's row JSON and the JS formatter's rows from the same statement.
      const o = await run('both')
      results.set(q.id, o)
      if (!o.ok) {
        reasons.set(reason(o), (reasons.get(reason(o)) ?? 0) + 1)
        continue
      }
      executed++
      // The JSON text the routes send (written by the database) equals the JS formatter's.
      try {
        if (!sameWire(o)) jsonMismatch.push(q.id)
      } catch (err) {
        jsonMismatch.push(`${q.id}: ${String(err)}`)
      }
      // PostgreSQL's API path (encoder 'text': values streamed as text, JSON written in JS) sends the
      // same rows; its outcome is the one the differential test compares with DuckDB's.
      if (db.streamText) {
        const t = await run('text')
        if (!t.ok) jsonMismatch.push(`${q.id}: encoder text fails: ${t.message}`)
        else if (o.deterministic ? !sameRowsText(o, t) : t.rowCount !== o.rowCount)
          jsonMismatch.push(`${q.id}: encoder text sends other rows`)
        else results.set(q.id, t)
      }
      let expected = plan.ok ? plan.plan.schema : []
      if (plan.ok && plan.plan.ir.discoveries.length) {
        // Data-dependent plugins (bag_unpack, pivot): the binder's schema of the resolved query.
        const resolved = await engine.resolve(
          q.query,
          {
            dialect: db.dialect,
            scope: { tenantId, deviceIds: null },
            nowMs: DEMO_NOW_MS,
            rowLimit: 10_000,
            stable: true,
          },
          (sql, params) => db.query(sql, params),
        )
        expected = resolved.ok ? resolved.plan.schema : []
        discovered++
      }
      if (JSON.stringify(o.schema) === JSON.stringify(expected)) schemaEqual++
      else reasons.set('schema mismatch', (reasons.get('schema mismatch') ?? 0) + 1)
    }
    const pct = (n: number) => ((100 * n) / Math.max(1, bound)).toFixed(1)
    console.log(
      `[corpus ${b.name}] queries ${corpus.length}, bind (lenient) ${bound}, executed ${executed} (${pct(executed)}%), schema equal ${schemaEqual}/${executed} (${discovered} with discovered plugin columns)`,
    )
    for (const [r, n] of [...reasons].sort((x, y) => y[1] - x[1]).slice(0, 15)) console.log(`  ${n}\t${r}`)
    assert.equal(schemaEqual, executed, 'every executed query reports the binder schema')
    assert.deepEqual(jsonMismatch, [], "the database's row JSON equals the JS formatter's for every query")
    // The issue asks for 90 % (DuckDB) and 85 % (PostgreSQL); both run 769 of 793 (97.0 %) now, so the
    // bar guards against regressions.
    assert.ok(executed / bound >= 0.96, `execution rate ${pct(executed)}%`)
  })
}

/** Floats compared to 9 significant digits (engines sum in different orders); everything else exactly. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise)
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalise(x)]))
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(9))
  return v
}

/**
 * Every query both engines executed returns the same rows: in order when the result is sorted, else
 * as a multiset (dynamic values compared exactly: the response sorts bag keys, make_set sorts its
 * elements). Queries using rand()/new_guid() are compared by row count.
 */
test('corpus: DuckDB and PostgreSQL return the same rows', { skip: backends.length < 2 }, () => {
  const duck = outcomes.get('duckdb')
  const pg = outcomes.get('postgres')
  assert.ok(duck && pg)
  let compared = 0
  let countsOnly = 0
  let ordered = 0
  let rows = 0
  const mismatches: string[] = []
  for (const [id, a] of duck) {
    const p = pg.get(id)
    if (!a.ok || !p?.ok) {
      if (a.ok !== p?.ok) mismatches.push(`${id}: executes on ${a.ok ? 'DuckDB' : 'PostgreSQL'} only`)
      continue
    }
    if (!a.deterministic) {
      countsOnly++
      if (a.results.length !== p.results.length)
        mismatches.push(`${id}: ${a.results.length} vs ${p.results.length} rows`)
      continue
    }
    compared++
    rows += a.results.length
    const key = (r: Record<string, unknown>) => JSON.stringify(normalise(r))
    const x = a.results.map(key)
    const y = p.results.map(key)
    if (orderedSql(a.sql)) ordered++
    else {
      x.sort()
      y.sort()
    }
    if (JSON.stringify(x) !== JSON.stringify(y))
      mismatches.push(`${id}: rows differ (${x.length} vs ${y.length})`)
  }
  console.log(
    `[differential] ${compared} queries compared row by row (${ordered} in order, ${rows} rows), ${countsOnly} by row count; mismatches ${mismatches.length}`,
  )
  for (const m of mismatches.slice(0, 10)) console.log(`  ${m}`)
  assert.deepEqual(mismatches, [])
})
