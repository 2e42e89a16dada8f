import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery } from '../../src/api/hunting/run-query.js'
import { HuntingEngine, type HuntingScope, type LowerInput } from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { openHuntingDb } from './harness.js'
import { readCorpus } from './demo-data.js'

/**
 * The compiled-query cache never changes results: for corpus queries, SQL and parameters from a warm
 * cache (filled at another time, for another caller of the same shape) equal a fresh compilation; and
 * time-relative queries executed through the cache follow the clock.
 */
const cached = HuntingEngine.create({ cacheEntries: 2000 })
const uncached = HuntingEngine.create({ cacheEntries: 0 })

const T0 = Date.parse('2025-06-01T12:00:00Z')
const scopes: HuntingScope[] = [
  { tenantId: 'tenant-a', deviceIds: null, minTimestampUs: (T0 - 30 * 86_400_000) * 1000 },
  { tenantId: 'tenant-b', deviceIds: null, minTimestampUs: (T0 - 29 * 86_400_000) * 1000 },
  { tenantId: 'tenant-a', deviceIds: ['d1', 'd2'], minTimestampUs: null },
  { tenantId: 'tenant-c', deviceIds: ['d3'], minTimestampUs: null },
]

function input(dialect: 'duckdb' | 'postgres', scope: HuntingScope, nowMs: number): LowerInput {
  return { dialect, scope, nowMs, rowLimit: 1000 }
}

describe('compiled-query cache', () => {
  test('warm compilations equal fresh ones for corpus queries (both dialects, four callers, two clocks)', () => {
    const corpus = readCorpus().filter((_, i) => i % 3 === 0)
    let compared = 0
    for (const q of corpus) {
      for (const dialect of ['duckdb', 'postgres'] as const) {
        // Fill the cache at one time for the first caller of each shape…
        cached.compile(q.query, input(dialect, scopes[0]!, T0))
        cached.compile(q.query, input(dialect, scopes[2]!, T0))
        // …then compile for other callers at another time, through the cache and without it.
        for (const scope of scopes) {
          const now = T0 + 3_723_456
          const warm = cached.compile(q.query, input(dialect, scope, now))
          const fresh = uncached.compile(q.query, input(dialect, scope, now))
          assert.equal(warm.ok, fresh.ok, q.id)
          if (!warm.ok || !fresh.ok) {
            if (!warm.ok && !fresh.ok) assert.deepEqual(warm.diagnostics, fresh.diagnostics, q.id)
            continue
          }
          assert.equal(warm.query.sql, fresh.query.sql, q.id)
          assert.deepEqual(warm.query.params, fresh.query.params, q.id)
          assert.deepEqual(warm.query.schema, fresh.query.schema, q.id)
          assert.equal(warm.query.deterministic, fresh.query.deterministic, q.id)
          compared++
        }
      }
    }
    assert.ok(compared > 1000, `compared ${compared}`)
    assert.ok(cached.planCache.hits > 0)
    assert.equal(uncached.planCache.size, 0)
  })

  test('the clock and the caller are parameters, not part of the cached SQL', () => {
    const q = 'DeviceProcessEvents | where Timestamp > ago(1h) and Timestamp < now(-1m) | count'
    const a = cached.compile(q, input('duckdb', scopes[0]!, T0))
    const b = cached.compile(q, input('duckdb', scopes[1]!, T0 + 60_000))
    assert.ok(a.ok && b.ok)
    assert.equal(a.query.sql, b.query.sql)
    assert.notDeepEqual(a.query.params, b.query.params)
    assert.ok(a.query.params.includes('tenant-a') && !a.query.sql.includes('tenant-a'))
    assert.ok(b.query.params.includes('tenant-b'))
    assert.ok(a.query.params.includes('2025-06-01 11:00:00.000000'), JSON.stringify(a.query.params))
    assert.ok(b.query.params.includes('2025-06-01 11:01:00.000000'), JSON.stringify(b.query.params))
  })

  for (const be of backends)
    describe(`executed through the cache on ${be.name}`, () => {
      let db: Db
      before(async () => {
        db = await openHuntingDb(be)
        const rows = [0, 10, 20, 30, 40, 50].map(
          (min, i) =>
            `('t1', TIMESTAMP '2025-06-01 11:${String(min).padStart(2, '0')}:00', 'dev${i % 2}', 'f${i}.exe')`,
        )
        rows.push(`('t2', TIMESTAMP '2025-06-01 11:55:00', 'dev9', 'other.exe')`)
        await db.execute(
          `INSERT INTO "DeviceProcessEvents" ("TenantId", "Timestamp", "DeviceId", "FileName") VALUES ${rows.join(', ')}`,
        )
      })
      after(async () => {
        await db.close()
      })

      const run = async (engine: HuntingEngine, nowIso: string, scope: HuntingScope) => {
        const r = await runHuntingQuery({
          db,
          engine,
          clock: new ManualClock(nowIso),
          query: 'DeviceProcessEvents | where Timestamp > ago(25m) | summarize n = count() by DeviceId',
          scope,
          limits: { rowLimit: 100, timeoutMs: 30_000, resultBytesLimit: 1 << 20 },
          external: { allowList: [], maxBytes: 0, timeoutMs: 1000, maxRows: 0 },
          fetcher: () => Promise.reject(new Error('no network')),
        })
        assert.ok(r.ok, r.ok ? '' : r.message)
        return r.results.map((x) => `${String(x.DeviceId)}:${String(x.n)}`).sort()
      }

      test('results follow the clock and the caller, equal to an uncached engine', async () => {
        const all: HuntingScope = { tenantId: 't1', deviceIds: null }
        const cases: [string, HuntingScope][] = [
          ['2025-06-01T12:00:00Z', all],
          ['2025-06-01T11:45:00Z', all],
          ['2025-06-01T12:00:00Z', { tenantId: 't1', deviceIds: ['dev1'] }],
          ['2025-06-01T12:00:00Z', { tenantId: 't2', deviceIds: null }],
          ['2025-06-01T12:10:00Z', all],
        ]
        const seen = new Set<string>()
        for (const [now, scope] of cases) {
          const warm = await run(cached, now, scope)
          const fresh = await run(uncached, now, scope)
          assert.deepEqual(warm, fresh, `${now} ${JSON.stringify(scope)}`)
          seen.add(JSON.stringify(warm))
        }
        // The five runs are not all alike (the test would not notice a stale cached value otherwise).
        assert.ok(seen.size >= 4, [...seen].join(' | '))
      })
    })
})
