import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery, type RunQueryOutcome } from '../../src/api/hunting/run-query.js'
import type { ExternalFetcher } from '../../src/api/hunting/external-data.js'
import {
  HuntingEngine,
  huntingTableDdl,
  pgHelperFunctionsSql,
  type HuntingScope,
  type RowEncoder,
} from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends, type TestBackend } from '../helpers/stores.js'

export const TENANT = '11111111-2222-3333-4444-555555555555'
export const NOW = '2025-06-01T12:00:00Z'

/** Opens a backend and creates the hunting tables (and the PostgreSQL helper functions). */
export async function openHuntingDb(b: TestBackend): Promise<Db> {
  const db = await b.open()
  await db.executeScript(huntingTableDdl(db.dialect))
  if (db.dialect === 'postgres') await db.executeScript(pgHelperFunctionsSql)
  return db
}

export interface KqlOptions {
  scope?: HuntingScope
  clock?: ManualClock
  rowLimit?: number
  timeoutMs?: number
  resultBytesLimit?: number
  allowList?: string[]
  fetcher?: ExternalFetcher
  /** Default 'both': the database's row JSON plus the JS formatter's rows from one statement. */
  encoder?: RowEncoder
}

const noFetch: ExternalFetcher = () => Promise.reject(new Error('no network in tests'))

export function kql(db: Db, query: string, o: KqlOptions = {}): Promise<RunQueryOutcome> {
  return runHuntingQuery({
    db,
    engine: HuntingEngine.shared(),
    clock: o.clock ?? new ManualClock(NOW),
    query,
    scope: o.scope ?? { tenantId: TENANT, deviceIds: null },
    limits: {
      rowLimit: o.rowLimit ?? 100_000,
      timeoutMs: o.timeoutMs ?? 60_000,
      resultBytesLimit: o.resultBytesLimit ?? 64 << 20,
    },
    external: { allowList: o.allowList ?? [], maxBytes: 1 << 20, timeoutMs: 5000, maxRows: 100_000 },
    fetcher: o.fetcher ?? noFetch,
    encoder: o.encoder ?? 'both',
  })
}

/**
 * The row JSON the database wrote (`resultsJson`, encoder 'both') parses to exactly what the JS formatter
 * sends for the same rows (`JSON.stringify` of its row objects, parsed): same keys, values and types.
 */
export function sameWire(o: RunQueryOutcome & { ok: true }): boolean {
  if (!o.jsResults) throw new Error('run with encoder both to compare the encoders')
  return isDeepStrictEqual(JSON.parse(o.resultsJson), JSON.parse(JSON.stringify(o.jsResults)))
}

/**
 * The rows of two outcomes' `Results` text as a multiset of row texts (each row parsed and written
 * again, so only values and key order count): equal when both sent the same rows in any order.
 */
export function sameRowsText(a: RunQueryOutcome & { ok: true }, b: RunQueryOutcome & { ok: true }): boolean {
  const canon = (o: RunQueryOutcome & { ok: true }) =>
    (JSON.parse(o.resultsJson) as unknown[]).map((r) => JSON.stringify(r)).sort()
  return isDeepStrictEqual(canon(a), canon(b))
}

/**
 * Runs a query that must succeed and returns its rows. Every call also checks that the JSON text the
 * routes send (`resultsJson`, written by the database) equals the JS formatter's JSON for the same rows,
 * and, on a store that streams text (PostgreSQL's API path: encoder 'text'), that the text encoder
 * sends the same rows.
 */
export async function rows(db: Db, query: string, o: KqlOptions = {}): Promise<Record<string, unknown>[]> {
  const r = await kql(db, query, o)
  if (!r.ok) throw new Error(`${r.code}: ${r.message}\n${query}`)
  if (r.jsResults) assert.ok(sameWire(r), `the database's row JSON differs from the JS formatter's\n${query}`)
  assert.equal(r.rowCount, r.results.length)
  if (db.streamText && (o.encoder ?? 'both') === 'both') {
    const t = await kql(db, query, { ...o, encoder: 'text' })
    if (!t.ok) throw new Error(`encoder text: ${t.code}: ${t.message}\n${query}`)
    assert.ok(sameRowsText(r, t), `the text encoder's rows differ from the database's row JSON\n${query}`)
    assert.equal(t.rowCount, r.rowCount)
  }
  return r.results
}

/**
 * Whether a lowered statement returns its rows in a defined order: it ends in `ORDER BY "__ord"`, or
 * reads a final sort/top directly (`… AS __src ORDER BY keys LIMIT n`, see `DirectRead`).
 */
export function orderedSql(sql: string): boolean {
  return /(ORDER BY "__ord"| AS __src ORDER BY .*) LIMIT \d+$/s.test(sql)
}

export type Expect = Record<string, unknown>[] | { error: RegExp } | { columns: string[] }
export interface Case {
  name: string
  q: string
  expect: Expect
  ordered?: boolean
}

/**
 * Canonical rows for comparison: floats to 12 digits, rows sorted unless ordered; arrays sorted only
 * when `sortArrays` (order-insensitive cases). Key order is part of the comparison.
 */
function canon(rows: Record<string, unknown>[], ordered: boolean, sortArrays: boolean): string[] {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? sortArrays
        ? v.map(norm).sort((a, b) => String(a).localeCompare(String(b)))
        : v.map(norm)
      : typeof v === 'number'
        ? Number(v.toPrecision(12))
        : v
  const out = rows.map((r) =>
    JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)]))),
  )
  return ordered ? out : out.sort()
}

/** Runs each case on every backend (DuckDB; PostgreSQL when BULWARK_TEST_PG_URL is set). */
export function runKnownAnswers(title: string, cases: readonly Case[], o: { sortArrays: boolean }): void {
  for (const b of backends) {
    describe(`${title} on ${b.name}`, () => {
      let db: Db
      before(async () => {
        db = await openHuntingDb(b)
      })
      after(async () => {
        await db.close()
      })
      for (const k of cases)
        test(k.name, async () => {
          const r = await kql(db, k.q, { clock: new ManualClock(NOW) })
          // PostgreSQL's API path streams every value as text and writes the JSON in JS ('text').
          const t = db.streamText
            ? await kql(db, k.q, { clock: new ManualClock(NOW), encoder: 'text' })
            : null
          if ('error' in k.expect) {
            assert.equal(r.ok, false, 'expected an error')
            if (!r.ok) assert.match(r.message, k.expect.error)
            if (t) assert.equal(t.ok, false, 'expected an error (encoder text)')
            return
          }
          assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`)
          if (!r.ok) return
          // The JSON the routes send is written by the database; it must equal the JS formatter's.
          assert.ok(sameWire(r), `the database's row JSON differs from the JS formatter's`)
          if (t) {
            assert.ok(t.ok, t.ok ? '' : `encoder text: ${t.code}: ${t.message}`)
            if (!t.ok) return
            if (k.ordered) assert.deepEqual(JSON.parse(t.resultsJson), JSON.parse(r.resultsJson))
            else assert.ok(sameRowsText(r, t), `the text encoder's rows differ from the database's row JSON`)
            assert.deepEqual(t.schema, r.schema)
          }
          if ('columns' in k.expect) {
            assert.deepEqual(
              r.schema.map((c) => c.name),
              k.expect.columns,
            )
            return
          }
          assert.deepEqual(
            canon(r.results, k.ordered ?? false, o.sortArrays),
            canon(k.expect, k.ordered ?? false, o.sortArrays),
          )
        })
    })
  }
}
