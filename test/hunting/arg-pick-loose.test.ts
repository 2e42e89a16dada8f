import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery } from '../../src/api/hunting/run-query.js'
import { HuntingEngine, huntingCatalogue, type HuntingScope } from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { NOW, openHuntingDb } from './harness.js'

/**
 * `Table | summarize arg_max/arg_min(v, …) by k` on PostgreSQL is a loose index scan
 * (src/hunting/operators/arg-pick-loose.ts). Its answers equal the generic lowering's (`DISTINCT ON`,
 * reached here through `where 1 == 1`, which fuses into the scan and so opts out) and the known answers,
 * on both engines: NULL and '' keys in one group, null values, ties, other tenants, the device scope and
 * the time window.
 */
const engine = HuntingEngine.shared()
const at = (hhmm: string, day = '2025-06-01') => `TIMESTAMP '${day} ${hhmm}:00'`
const ROWS: [tenant: string, ts: string, device: string | null, file: string][] = [
  ['t1', at('10:00'), 'd1', 'a.exe'],
  ['t1', at('11:00'), 'd1', 'b.exe'],
  ['t1', at('09:00'), 'd1', 'c.exe'],
  ['t1', at('10:30'), 'd2', 'tie1.exe'],
  ['t1', at('10:30'), 'd2', 'tie2.exe'],
  ['t1', at('08:00'), 'd2', 'old2.exe'],
  ['t1', at('07:00'), '', 'empty.exe'],
  ['t1', at('07:30'), null, 'null.exe'],
  ['t1', at('06:00'), null, 'null0.exe'],
  ['t1', 'NULL', 'd3', 'nullts.exe'],
  ['t1', at('05:00'), 'd3', 'd3.exe'],
  ['t1', 'NULL', 'd4', 'd4null.exe'],
  ['t1', at('04:00', '2025-04-01'), 'd5', 'd5old.exe'],
  // Another tenant: newer rows for the same and other keys, never visible to t1.
  ['t2', at('12:00'), 'd1', 'other.exe'],
  ['t2', at('12:00'), null, 'othernull.exe'],
  ['t2', at('12:00'), 'd9', 'd9.exe'],
]

const WINDOW = Date.parse('2025-05-02T12:00:00Z') * 1000
const scopes: Record<string, HuntingScope> = {
  all: { tenantId: 't1', deviceIds: null },
  window: { tenantId: 't1', deviceIds: null, minTimestampUs: WINDOW },
  devices: { tenantId: 't1', deviceIds: ['d2', '', 'd5', 'zz'] },
  'devices+window': { tenantId: 't1', deviceIds: ['d2', '', 'd5', 'd1'], minTimestampUs: WINDOW },
  other: { tenantId: 't2', deviceIds: null },
  none: { tenantId: 't3', deviceIds: null },
}

/** FileName per key; `tie` = either tied row. */
const known: Record<string, Record<string, Record<string, string>>> = {
  'summarize arg_max(Timestamp, FileName) by DeviceId': {
    all: { d1: 'b.exe', d2: 'tie', '': 'null.exe', d3: 'd3.exe', d4: 'd4null.exe', d5: 'd5old.exe' },
    window: { d1: 'b.exe', d2: 'tie', '': 'null.exe', d3: 'd3.exe' },
    devices: { d2: 'tie', '': 'empty.exe', d5: 'd5old.exe' },
    'devices+window': { d1: 'b.exe', d2: 'tie', '': 'empty.exe' },
    other: { d1: 'other.exe', '': 'othernull.exe', d9: 'd9.exe' },
    none: {},
  },
  'summarize arg_min(Timestamp, FileName) by DeviceId': {
    all: { d1: 'c.exe', d2: 'old2.exe', '': 'null0.exe', d3: 'd3.exe', d4: 'd4null.exe', d5: 'd5old.exe' },
    window: { d1: 'c.exe', d2: 'old2.exe', '': 'null0.exe', d3: 'd3.exe' },
    devices: { d2: 'old2.exe', '': 'empty.exe', d5: 'd5old.exe' },
    'devices+window': { d1: 'c.exe', d2: 'old2.exe', '': 'empty.exe' },
    other: { d1: 'other.exe', '': 'othernull.exe', d9: 'd9.exe' },
    none: {},
  },
}

const shapes = [
  'summarize arg_max(Timestamp, FileName) by DeviceId',
  'summarize arg_min(Timestamp, FileName) by DeviceId',
  'summarize arg_max(Timestamp, *) by DeviceId',
  'summarize arg_min(Timestamp, *) by DeviceId',
  'summarize Last = arg_max(Timestamp, FileName, Tag = strcat(FileName, "!")) by Device = DeviceId',
  'summarize arg_max(Timestamp, DeviceId) by DeviceId',
]

const isLoose = (query: string, scope: HuntingScope) => {
  const c = engine.compile(query, { dialect: 'postgres', scope, nowMs: Date.parse(NOW), rowLimit: 100 })
  assert.ok(c.ok, query)
  return c.query.sql.includes('WITH RECURSIVE')
}

describe('loose index scan for arg_max/arg_min by a key (PostgreSQL lowering)', () => {
  test('applies to one plain key and one row picker straight over an indexed table', () => {
    for (const s of shapes)
      for (const scope of Object.values(scopes)) assert.ok(isLoose(`DeviceProcessEvents | ${s}`, scope), s)
    assert.ok(
      isLoose('DeviceNetworkEvents | summarize arg_max(Timestamp, RemoteIP) by DeviceId', scopes.all!),
    )
  })

  test('falls back to DISTINCT ON elsewhere', () => {
    for (const q of [
      'DeviceProcessEvents | where 1 == 1 | summarize arg_max(Timestamp, FileName) by DeviceId',
      'DeviceProcessEvents | summarize arg_max(Timestamp, FileName), count() by DeviceId',
      'DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by DeviceId, FileName',
      'DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by DeviceName',
      'DeviceProcessEvents | summarize arg_max(ProcessId, FileName) by DeviceId',
      'DeviceProcessEvents | summarize arg_max(Timestamp + 1d, FileName) by DeviceId',
      'DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by tolower(DeviceId)',
      'DeviceProcessEvents | take 10 | summarize arg_max(Timestamp, FileName) by DeviceId',
      'DeviceTvmSoftwareInventory | summarize arg_max(OSVersion, *) by DeviceId',
    ])
      assert.ok(!isLoose(q, scopes.all!), q)
    const duck = engine.compile('DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId', {
      dialect: 'duckdb',
      scope: scopes.all!,
      nowMs: Date.parse(NOW),
      rowLimit: 100,
    })
    assert.ok(duck.ok && !duck.query.sql.includes('RECURSIVE'))
  })
})

for (const b of backends)
  describe(`arg_max/arg_min by DeviceId over a table on ${b.name}`, () => {
    let db: Db
    before(async () => {
      db = await openHuntingDb(b)
      const values = ROWS.map(
        ([t, ts, d, f]) => `('${t}', ${ts}, ${d === null ? 'NULL' : `'${d}'`}, '${f}')`,
      ).join(', ')
      await db.execute(
        `INSERT INTO "DeviceProcessEvents" ("TenantId", "Timestamp", "DeviceId", "FileName") VALUES ${values}`,
      )
      // The product's indexes (the engine's test tables have none), so PostgreSQL walks the real plan.
      if (db.dialect === 'postgres') {
        for (const [i, ix] of (huntingCatalogue.pgIndexes['DeviceProcessEvents'] ?? []).entries())
          await db.execute(
            `CREATE INDEX "dpe_${i}" ON "DeviceProcessEvents" (${ix.map((c) => `"${c}"`).join(', ')})`,
          )
        await db.execute('ANALYZE "DeviceProcessEvents"')
      }
    })
    after(async () => {
      await db.close()
    })

    const run = async (query: string, scope: HuntingScope, stable: boolean) => {
      const r = await runHuntingQuery({
        db,
        engine,
        clock: new ManualClock(NOW),
        query,
        scope,
        limits: { rowLimit: 1000, timeoutMs: 30_000, resultBytesLimit: 1 << 24 },
        external: { allowList: [], maxBytes: 0, timeoutMs: 1000, maxRows: 0 },
        fetcher: () => Promise.reject(new Error('no network')),
        stable,
        encoder: 'both',
      })
      assert.ok(r.ok, r.ok ? '' : `${r.message}\n${query}`)
      return r.results
    }
    // Unstable mode picks either tied row: the tied rows differ only in FileName (and what derives from it).
    const canon = (rows: Record<string, unknown>[], stable: boolean) =>
      rows
        .map((r) =>
          JSON.stringify(r, (_, v: unknown) =>
            !stable && typeof v === 'string' ? v.replace(/tie[12]/, 'tie') : v,
          ),
        )
        .sort()

    for (const [q, perScope] of Object.entries(known))
      for (const [name, expected] of Object.entries(perScope))
        test(`${q} (${name}): known answer`, async () => {
          const got = await run(`DeviceProcessEvents | ${q}`, scopes[name]!, false)
          const byKey = Object.fromEntries(got.map((r) => [String(r.DeviceId), String(r.FileName)]))
          assert.equal(got.length, Object.keys(byKey).length, 'one row per key')
          const want = Object.fromEntries(Object.entries(expected).map(([k, f]) => [k, f]))
          for (const [k, f] of Object.entries(byKey))
            if (want[k] === 'tie') assert.match(f, /^tie[12]\.exe$/, k)
          assert.deepEqual(
            Object.fromEntries(Object.entries(byKey).map(([k, f]) => [k, want[k] === 'tie' ? 'tie' : f])),
            want,
          )
        })

    for (const s of shapes)
      for (const stable of [false, true])
        test(`${s}: equals the generic lowering in every scope${stable ? ' (stable)' : ''}`, async () => {
          for (const [name, scope] of Object.entries(scopes)) {
            const loose = await run(`DeviceProcessEvents | ${s}`, scope, stable)
            const generic = await run(`DeviceProcessEvents | where 1 == 1 | ${s}`, scope, stable)
            assert.deepEqual(canon(loose, stable), canon(generic, stable), `${name}: ${s}`)
          }
        })

    test('null Timestamps: a group whose rows all have none still answers (no time window)', async () => {
      const rows = await run(
        'DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by DeviceId',
        scopes.all!,
        true,
      )
      const d4 = rows.find((r) => r.DeviceId === 'd4')
      assert.ok(d4)
      assert.equal(d4.FileName, 'd4null.exe')
    })
  })
