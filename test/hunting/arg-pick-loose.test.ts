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
 * the time window — under which (without a device scope) the walk is one index descent per key.
 */
const engine = HuntingEngine.shared()
const at = (hhmm: string, day = '2025-06-01') => `TIMESTAMP '${day} ${hhmm}:00'`
const OLD = '2025-04-01'
const ROWS: [tenant: string, ts: string, device: string | null, file: string, pid?: number | null][] = [
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
  // For the one-descent walk (time window, no device scope). t4: one key.
  ['t4', at('10:00'), 'k1', 'one-a.exe'],
  ['t4', at('11:00'), 'k1', 'one-b.exe'],
  ['t4', at('12:00', OLD), 'k1', 'one-old.exe'],
  // t5: only the null group ('' and NULL), so the walk finds no key.
  ['t5', at('10:00'), '', 'e5.exe'],
  ['t5', at('09:00'), null, 'n5.exe'],
  ['t5', at('08:00', OLD), null, 'n5old.exe'],
  // t6: keys around '' (' ', '!'), case and non-ASCII, ties, keys with no row inside the window
  // (old rows only, null Timestamps only, and the greatest key 'zzz' where the descending walk starts).
  ['t6', at('10:00'), ' ', 'sp-a.exe'],
  ['t6', at('11:00'), ' ', 'sp-b.exe'],
  ['t6', at('09:00'), '!', 'ex-a.exe'],
  ['t6', at('08:00'), 'A', 'A-a.exe'],
  ['t6', at('12:00'), 'A', 'A-b.exe'],
  ['t6', at('07:00', OLD), 'A', 'A-old.exe'],
  ['t6', at('13:00'), 'a', 'a-a.exe'],
  ['t6', at('06:00'), 'a', 'a-b.exe'],
  ['t6', at('10:00', OLD), 'k-old', 'kold.exe'],
  ['t6', 'NULL', 'k-nullts', 'knull.exe'],
  ['t6', 'NULL', 'k-mixed', 'km-null.exe'],
  ['t6', at('23:00', OLD), 'k-mixed', 'km-old.exe'],
  ['t6', at('05:00'), 'k-mixed', 'km-new.exe'],
  ['t6', at('10:00'), 'zz', 'tie1.exe'],
  ['t6', at('10:00'), 'zz', 'tie2.exe'],
  ['t6', at('09:00'), 'zz', 'zz-old.exe'],
  ['t6', at('10:00'), 'é', 'e-acute.exe'],
  ['t6', at('03:00'), '', 'e6.exe'],
  ['t6', at('04:00'), null, 'n6.exe'],
  ['t6', at('23:00', OLD), 'zzz', 'zzz-old.exe'],
  // t7: another tenant's newer rows between and beyond t6's keys.
  ['t7', at('14:00'), '!', 'other7.exe'],
  ['t7', at('14:00'), 'B', 'other7.exe'],
  ['t7', at('14:00'), 'k-old', 'other7.exe'],
  ['t7', at('14:00'), 'zzzz', 'other7.exe'],
  // t8: a long key (ProcessId), walked only where the test adds a (TenantId, ProcessId, Timestamp) index.
  ['t8', at('10:00'), 'dx', 'p1-a.exe', 1],
  ['t8', at('11:00'), 'dx', 'p1-b.exe', 1],
  ['t8', at('10:00', OLD), 'dx', 'p2-old.exe', 2],
  ['t8', at('09:00'), 'dx', 'neg.exe', -5],
  ['t8', at('06:00'), 'dx', 'zero.exe', 0],
  ['t8', at('08:00'), 'dx', 'pnull.exe', null],
  ['t8', at('07:00'), 'dx', 'pnull0.exe', null],
  ['t8', 'NULL', 'dx', 'p3-nullts.exe', 3],
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
/** Tenants t3–t6 with a time window and no device scope (the one-descent walk), and for contrast without. */
const walkScopes: Record<string, HuntingScope> = {
  'one key': { tenantId: 't4', deviceIds: null, minTimestampUs: WINDOW },
  'one key, no window': { tenantId: 't4', deviceIds: null },
  'null group only': { tenantId: 't5', deviceIds: null, minTimestampUs: WINDOW },
  'many keys': { tenantId: 't6', deviceIds: null, minTimestampUs: WINDOW },
  'many keys, no window': { tenantId: 't6', deviceIds: null },
  'many keys, devices': { tenantId: 't6', deviceIds: ['zz', 'A', '', 'k-old'], minTimestampUs: WINDOW },
  'no rows': { tenantId: 't3', deviceIds: null, minTimestampUs: WINDOW },
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
    'one key': { k1: 'one-b.exe' },
    'one key, no window': { k1: 'one-b.exe' },
    'null group only': { '': 'e5.exe' },
    'many keys': {
      ' ': 'sp-b.exe',
      '!': 'ex-a.exe',
      A: 'A-b.exe',
      a: 'a-a.exe',
      'k-mixed': 'km-new.exe',
      zz: 'tie',
      é: 'e-acute.exe',
      '': 'n6.exe',
    },
    'no rows': {},
  },
  'summarize arg_min(Timestamp, FileName) by DeviceId': {
    all: { d1: 'c.exe', d2: 'old2.exe', '': 'null0.exe', d3: 'd3.exe', d4: 'd4null.exe', d5: 'd5old.exe' },
    window: { d1: 'c.exe', d2: 'old2.exe', '': 'null0.exe', d3: 'd3.exe' },
    devices: { d2: 'old2.exe', '': 'empty.exe', d5: 'd5old.exe' },
    'devices+window': { d1: 'c.exe', d2: 'old2.exe', '': 'empty.exe' },
    other: { d1: 'other.exe', '': 'othernull.exe', d9: 'd9.exe' },
    none: {},
    'one key': { k1: 'one-a.exe' },
    'one key, no window': { k1: 'one-old.exe' },
    'null group only': { '': 'n5.exe' },
    'many keys': {
      ' ': 'sp-a.exe',
      '!': 'ex-a.exe',
      A: 'A-a.exe',
      a: 'a-b.exe',
      'k-mixed': 'km-new.exe',
      zz: 'zz-old.exe',
      é: 'e-acute.exe',
      '': 'e6.exe',
    },
    'no rows': {},
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

/** `where` ranges of the value column against constants, which the walk takes into its index conditions. */
const ranges = [
  'where Timestamp > datetime(2025-06-01 09:30)',
  'where Timestamp < datetime(2025-06-01 10:15)',
  'where Timestamp between (datetime(2025-06-01 08:30) .. datetime(2025-06-01 10:45))',
  'where Timestamp >= ago(365d)',
  'where Timestamp > datetime(2025-04-15) and datetime(2025-06-01 10:15) > Timestamp',
  'where Timestamp > datetime(2025-04-01) | where Timestamp <= datetime(2025-06-01 10:30)',
]
const rangeShapes = ranges.flatMap((r) => [
  `${r} | summarize arg_max(Timestamp, FileName) by DeviceId`,
  `${r} | summarize arg_min(Timestamp, *) by DeviceId`,
])

const pgSql = (query: string, scope: HuntingScope, stable = false) => {
  const c = engine.compile(query, {
    dialect: 'postgres',
    scope,
    nowMs: Date.parse(NOW),
    rowLimit: 100,
    stable,
  })
  assert.ok(c.ok, query)
  return c.query.sql
}
const isLoose = (query: string, scope: HuntingScope) => pgSql(query, scope).includes('WITH RECURSIVE')
/** The key walk of the two-descent shape (`min(k)` per key, then a probe per key). */
const KEY_WALK = 'min("DeviceId")'

describe('loose index scan for arg_max/arg_min by a key (PostgreSQL lowering)', () => {
  test('applies to one plain key and one row picker straight over an indexed table', () => {
    for (const s of shapes)
      for (const scope of Object.values(scopes)) assert.ok(isLoose(`DeviceProcessEvents | ${s}`, scope), s)
    assert.ok(
      isLoose('DeviceNetworkEvents | summarize arg_max(Timestamp, RemoteIP) by DeviceId', scopes.all!),
    )
  })

  test('takes `where` ranges of the value column against constants into the walk', () => {
    for (const q of rangeShapes)
      for (const scope of Object.values(scopes)) assert.ok(isLoose(`DeviceProcessEvents | ${q}`, scope), q)
    // Without the API's time window a range still excludes null values: the one-descent walk.
    const walk = pgSql(`DeviceProcessEvents | ${rangeShapes[0]!}`, scopes.all!)
    assert.ok(!walk.includes(KEY_WALK) && walk.includes('"__walk"("__k", "__r")'), 'one descent per key')
    assert.ok(walk.includes(`"Timestamp" > `), 'the range is in the scan the steps read')
    for (const q of [
      'where FileName == "a.exe" | summarize arg_max(Timestamp, FileName) by DeviceId',
      'where Timestamp > datetime(2025-06-01) and FileName != "" | summarize arg_max(Timestamp, FileName) by DeviceId',
      'where Timestamp > datetime(2025-06-01) or Timestamp < datetime(2025-01-01) | summarize arg_max(Timestamp, FileName) by DeviceId',
      'where ProcessId > 3 | summarize arg_max(Timestamp, FileName) by DeviceId',
      'where Timestamp > ProcessCreationTime | summarize arg_max(Timestamp, FileName) by DeviceId',
      'where Timestamp != datetime(2025-06-01) | summarize arg_max(Timestamp, FileName) by DeviceId',
    ])
      assert.ok(!isLoose(`DeviceProcessEvents | ${q}`, scopes.window!), q)
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

  test('one descent per key when values cannot be null (time window, no device scope), stable or not', () => {
    for (const [fn, dir] of [
      ['arg_max', 'DESC'],
      ['arg_min', 'ASC'],
    ] as const)
      for (const stable of [false, true]) {
        const q = `DeviceProcessEvents | summarize ${fn}(Timestamp, FileName) by DeviceId`
        const walk = pgSql(q, scopes.window!, stable)
        assert.ok(!walk.includes(KEY_WALK), `${q}: no min(k) walk`)
        assert.ok(walk.includes(`ORDER BY "DeviceId" ${dir}, "Timestamp" ${dir}`), `${q}: the walk's order`)
        assert.ok(walk.includes(`"DeviceId" ${fn === 'arg_max' ? '<' : '>'} w."__k"`), `${q}: the step`)
        // The steps carry the picked row's location only; each picked row is read once by it at the end.
        assert.ok(walk.includes('ctid AS "__rowid"'), `${q}: the scan adds the row location`)
        assert.ok(walk.includes('"__walk"("__k", "__r")'), `${q}: the walk carries key and location`)
        assert.ok(walk.includes('WHERE "__rowid" = w."__r"'), `${q}: the fetch by location`)
        // Null values possible (no window), or the keys are the visible device ids: two descents per key.
        assert.ok(pgSql(q, scopes.all!, stable).includes(KEY_WALK), `${q}: no window`)
        const scoped = pgSql(q, scopes['devices+window']!, stable)
        assert.ok(scoped.includes('WITH RECURSIVE') && !scoped.includes(`ORDER BY "DeviceId" ${dir}`), q)
      }
  })
})

for (const b of backends)
  describe(`arg_max/arg_min by DeviceId over a table on ${b.name}`, () => {
    let db: Db
    before(async () => {
      db = await openHuntingDb(b)
      const text = (x: string | null) => (x === null ? 'NULL' : `'${x}'`)
      const values = ROWS.map(
        ([t, ts, d, f, pid]) => `('${t}', ${ts}, ${text(d)}, '${f}', ${pid ?? 'NULL'})`,
      ).join(', ')
      await db.execute(
        `INSERT INTO "DeviceProcessEvents" ("TenantId", "Timestamp", "DeviceId", "FileName", "ProcessId") VALUES ${values}`,
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
          const got = await run(`DeviceProcessEvents | ${q}`, (scopes[name] ?? walkScopes[name])!, false)
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

    for (const s of shapes)
      for (const stable of [false, true])
        test(`${s}: the one-descent walk equals the generic lowering${stable ? ' (stable)' : ''}`, async () => {
          for (const [name, scope] of Object.entries(walkScopes)) {
            const loose = await run(`DeviceProcessEvents | ${s}`, scope, stable)
            const generic = await run(`DeviceProcessEvents | where 1 == 1 | ${s}`, scope, stable)
            assert.deepEqual(canon(loose, stable), canon(generic, stable), `${name}: ${s}`)
          }
        })

    for (const stable of [false, true])
      test(`where ranges: the walk equals the generic lowering in every scope${stable ? ' (stable)' : ''}`, async () => {
        for (const q of rangeShapes)
          for (const [name, scope] of Object.entries({ ...scopes, ...walkScopes })) {
            const loose = await run(`DeviceProcessEvents | ${q}`, scope, stable)
            const generic = await run(`DeviceProcessEvents | where 1 == 1 | ${q}`, scope, stable)
            assert.deepEqual(canon(loose, stable), canon(generic, stable), `${name}: ${q}`)
          }
      })

    test('an empty table: no rows from the walk or the null group', async () => {
      for (const fn of ['arg_max', 'arg_min'])
        for (const scope of [scopes.window!, scopes.all!]) {
          const q = `summarize ${fn}(Timestamp, *) by DeviceId`
          assert.ok(isLoose(`DeviceFileEvents | ${q}`, scope), q)
          assert.deepEqual(await run(`DeviceFileEvents | ${q}`, scope, false), [], q)
          assert.deepEqual(await run(`DeviceFileEvents | where 1 == 1 | ${q}`, scope, false), [], q)
        }
    })

    test('a long key: walks non-null keys, the null key its own group (index added for the test)', async () => {
      // The catalogue has no (TenantId, k, Timestamp) index for a non-string k: this test adds one to the
      // catalogue and (PostgreSQL) to the table, so that the walk's non-string branch runs.
      const indexes = huntingCatalogue.pgIndexes as Record<string, readonly (readonly string[])[]>
      const saved = indexes['DeviceProcessEvents'] ?? []
      indexes['DeviceProcessEvents'] = [...saved, ['TenantId', 'ProcessId', 'Timestamp']]
      try {
        if (db.dialect === 'postgres') {
          await db.execute(
            'CREATE INDEX "dpe_pid" ON "DeviceProcessEvents" ("TenantId", "ProcessId", "Timestamp")',
          )
          await db.execute('ANALYZE "DeviceProcessEvents"')
        }
        const window: HuntingScope = { tenantId: 't8', deviceIds: null, minTimestampUs: WINDOW }
        const expected = {
          arg_max: { '1': 'p1-b.exe', '-5': 'neg.exe', '0': 'zero.exe', null: 'pnull.exe' },
          arg_min: { '1': 'p1-a.exe', '-5': 'neg.exe', '0': 'zero.exe', null: 'pnull0.exe' },
        }
        for (const fn of ['arg_max', 'arg_min'] as const) {
          const q = `summarize ${fn}(Timestamp, FileName) by ProcessId`
          const walk = pgSql(`DeviceProcessEvents | ${q}`, window)
          assert.ok(
            walk.includes('"ProcessId" IS NOT NULL ORDER BY "ProcessId"') && !walk.includes('min('),
            q,
          )
          const got = await run(`DeviceProcessEvents | ${q}`, window, false)
          assert.deepEqual(
            Object.fromEntries(got.map((r) => [String(r.ProcessId), String(r.FileName)])),
            expected[fn],
          )
          assert.equal(got.length, 4)
          for (const scope of [window, { tenantId: 't8', deviceIds: null }])
            for (const stable of [false, true])
              assert.deepEqual(
                canon(await run(`DeviceProcessEvents | ${q}`, scope, stable), stable),
                canon(await run(`DeviceProcessEvents | where 1 == 1 | ${q}`, scope, stable), stable),
                `${q} ${JSON.stringify(scope)}`,
              )
        }
      } finally {
        indexes['DeviceProcessEvents'] = saved
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
