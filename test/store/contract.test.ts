import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { dialectFeatures } from '../../src/sql/dialect.js'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrations.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import { backends } from '../helpers/stores.js'

/** The store contract: every backend in test/helpers/stores.ts must pass the same cases. */
const STRINGS = [
  '',
  'plain',
  "it's a 'quote'",
  '"starts with a double quote',
  'ends with a double quote"',
  'comma, and; semicolon',
  'line\nbreak',
  'carriage\r\nreturn',
  'tab\there',
  'back\\slash \\N',
  '\u0001N\u0001',
  'unit\u001fseparator',
  'ünïcödé ✓ 😀 𝔘',
  ' leading and trailing spaces ',
  'x'.repeat(10_000),
]

const T_COLS = ['k', 's', 'big', 'i', 'd', 'b', 'ts', 'j'] as const

function ddl(table: string, db: Db): string {
  const pg = db.dialect === 'postgres'
  return `CREATE TABLE ${table} (k INTEGER NOT NULL, s ${pg ? 'text' : 'VARCHAR'}, big BIGINT, i INTEGER,
    d DOUBLE PRECISION, b BOOLEAN, ts ${pg ? 'timestamp without time zone' : 'TIMESTAMP'}, j ${pg ? 'jsonb' : 'JSON'})`
}

interface Case {
  k: number
  s: string | null
  big: bigint | number | null
  i: number | null
  d: number | null
  b: boolean | null
  /** ISO with microseconds. */
  ts: string | null
  j: unknown
}

function cases(): Case[] {
  const out: Case[] = STRINGS.map((s, k) => ({
    k,
    s,
    big: k % 2 ? 2n ** 62n + BigInt(k) : -k * 1_000_000_007,
    i: k % 3 ? k : null,
    d: k % 4 ? k / 7 : null,
    b: k % 3 === 0 ? null : k % 2 === 0,
    ts: `2024-0${(k % 9) + 1}-1${k % 10}T0${k % 10}:0${k % 6}:59.${String(123456 + k).padStart(6, '0')}Z`,
    j: k % 5 === 0 ? null : { a: s, n: [k, true, null], nested: { deep: 'é"\\' } },
  }))
  out.push({ k: 100, s: null, big: null, i: null, d: null, b: null, ts: null, j: null })
  return out
}

async function readBack(db: Db, table: string): Promise<Record<string, unknown>[]> {
  const f = dialectFeatures(db.dialect)
  const rows = await db.query<Record<string, unknown>>(
    `SELECT k, s, CAST(big AS VARCHAR) AS big, i, d, b, ${f.epochMicros('ts')} AS ts_us, CAST(j AS VARCHAR) AS j
       FROM ${table} ORDER BY k`,
  )
  return rows.map((r) => ({
    ...r,
    ts_us: r.ts_us === null ? null : String(r.ts_us as number | bigint),
    j: r.j === null ? null : (JSON.parse(r.j as string) as unknown),
  }))
}

function expectedRows(cs: readonly Case[]): Record<string, unknown>[] {
  return cs.map((c) => ({
    k: c.k,
    s: c.s,
    big: c.big === null ? null : String(c.big),
    i: c.i,
    d: c.d,
    b: c.b,
    ts_us:
      c.ts === null
        ? null
        : String(BigInt(Date.parse(c.ts.replace(/\.\d+Z$/, 'Z'))) * 1000n + BigInt(c.ts.slice(20, 26))),
    j: c.j,
  }))
}

function columnar(cs: readonly Case[]): unknown[][] {
  return T_COLS.map((col) => cs.map((c) => (col === 'j' && c.j !== null ? c.j : c[col])))
}

/** A statement that runs until cancelled. */
function slowSql(db: Db): string {
  return db.dialect === 'postgres'
    ? 'SELECT pg_sleep(60)'
    : 'SELECT count(*) FROM range(100000000000) a(x) WHERE hash(x) % 7 = 3'
}

async function withDb(open: () => Promise<Db>, fn: (db: Db) => Promise<void>): Promise<void> {
  const db = await open()
  try {
    await fn(db)
  } finally {
    await db.close()
  }
}

for (const backend of backends) {
  describe(`store contract: ${backend.name}`, () => {
    it('round-trips every type through parameters and through bulkLoad identically', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(`${ddl('a', db)}; ${ddl('b', db)}; ${ddl('c', db)}`)
          const cs = cases()
          for (const c of cs)
            await db.execute(
              `INSERT INTO a (k, s, big, i, d, b, ts, j) VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS TIMESTAMP), CAST($8 AS ${dialectFeatures(db.dialect).jsonType}))`,
              [
                c.k,
                c.s,
                c.big,
                c.i,
                c.d,
                c.b,
                c.ts?.replace('T', ' ').replace('Z', '') ?? null,
                c.j === null ? null : JSON.stringify(c.j),
              ],
            )
          assert.equal(await db.bulkLoad({ table: 'b', columns: T_COLS, data: columnar(cs) }), cs.length)
          const w = db.bulkWriter('c', T_COLS)
          const half = Math.floor(cs.length / 2)
          await w.write({ table: 'c', columns: T_COLS, data: columnar(cs.slice(0, half)) })
          await w.write({ table: 'c', columns: T_COLS, data: columnar(cs.slice(half)) })
          assert.equal(await w.close(), cs.length)
          const want = expectedRows(cs)
          assert.deepEqual(await readBack(db, 'a'), want)
          assert.deepEqual(await readBack(db, 'b'), want)
          assert.deepEqual(await readBack(db, 'c'), want)
        },
      ))

    it('bulk-loads columns of plain values (no quoting needed), empty strings and nulls exactly', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('plain', db))
          const n = 500
          const s = Array.from({ length: n }, (_, i) =>
            i % 7 === 0 ? '' : `value ${i} ünï ✓ ${'y'.repeat(i % 50)}`,
          )
          const d = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : i / 4))
          const big = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : BigInt(i) * 10_000_000_000n))
          const w = db.bulkWriter('plain', ['k', 's', 'd', 'big'])
          await w.write({ table: 'plain', columns: ['k', 's', 'd', 'big'], data: [[...s.keys()], s, d, big] })
          assert.equal(await w.close(), n)
          const rows = await db.query<{ k: number; s: string | null; d: number | null; big: string | null }>(
            'SELECT k, s, d, CAST(big AS VARCHAR) AS big FROM plain ORDER BY k',
          )
          assert.deepEqual(
            rows.map((r) => [r.k, r.s, r.d, r.big]),
            s.map((v, i) => [i, v, d[i], big[i] === null ? null : String(big[i])]),
          )
        },
      ))

    it('accepts Date, epoch-ms, epoch-µs and ISO values for timestamps in bulk loads', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('t', db))
          const iso = '2024-02-29T23:59:58.654321Z'
          const ms = Date.parse('2024-02-29T23:59:58.654Z')
          await db.bulkLoad({
            table: 't',
            columns: ['k', 'ts'],
            data: [
              [1, 2, 3, 4],
              [new Date(ms), ms, BigInt(ms) * 1000n + 321n, iso],
            ],
          })
          const got = (await readBack(db, 't')).map((r) => r.ts_us)
          const us = String(BigInt(ms) * 1000n)
          assert.deepEqual(got, [
            us,
            us,
            String(BigInt(ms) * 1000n + 321n),
            String(BigInt(ms) * 1000n + 321n),
          ])
          const rows = await db.query<{ ts: Date }>('SELECT ts FROM t WHERE k = 1')
          assert.deepEqual(rows[0]!.ts, new Date(ms))
        },
      ))

    it('streams many batches through a bulk writer, and missing columns become NULL', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('w', db))
          const w = db.bulkWriter('w', ['k', 's'], { flushRows: 7 })
          let k = 0
          for (let b = 0; b < 5; b++) {
            const n = 3 + b
            await w.write({
              table: 'w',
              columns: ['k', 's'],
              data: [
                Array.from({ length: n }, () => k++),
                Array.from({ length: n }, (_, i) => `v${b}-${i}\n`),
              ],
            })
          }
          assert.equal(await w.close(), k)
          const rows = await db.query<{ n: number; s: number; ts: number }>(
            'SELECT count(*) AS n, count(DISTINCT s) AS s, count(ts) AS ts FROM w',
          )
          assert.deepEqual(
            rows.map((r) => [Number(r.n), Number(r.s), Number(r.ts)]),
            [[k, k, 0]],
          )
        },
      ))

    it('rejects a bad batch with a clear error and writes none of it', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('x', db))
          await assert.rejects(
            db.bulkLoad({ table: 'x', columns: ['k', 'nope'], data: [[1], [2]] }),
            /no column nope/,
          )
          await assert.rejects(
            db.bulkLoad({ table: 'missing', columns: ['k'], data: [[1]] }),
            /no table missing/,
          )
          await assert.rejects(
            db.bulkLoad({
              table: 'x',
              columns: ['k', 'big'],
              data: [
                [1, 2],
                [5, 'seven'],
              ],
            }),
          )
          assert.deepEqual(await db.query('SELECT k FROM x'), [])
          await db.bulkLoad({ table: 'x', columns: ['k'], data: [[9]] })
          assert.deepEqual(await db.query('SELECT k FROM x'), [{ k: 9 }])
        },
      ))

    it('rolls back a transaction, including its bulk loads', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('r', db))
          await assert.rejects(
            db.transaction(async (tx) => {
              await tx.execute('INSERT INTO r (k) VALUES ($1)', [1])
              await tx.bulkLoad({ table: 'r', columns: ['k'], data: [[2, 3]] })
              assert.equal((await tx.query('SELECT k FROM r')).length, 3)
              throw new Error('boom')
            }),
            /boom/,
          )
          assert.deepEqual(await db.query('SELECT k FROM r'), [])
          await db.transaction(async (tx) => {
            await tx.bulkLoad({ table: 'r', columns: ['k'], data: [[4]] })
          })
          assert.deepEqual(await db.query('SELECT k FROM r'), [{ k: 4 }])
        },
      ))

    it('cancels a long query when the signal fires, and stays usable', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          const slow =
            db.dialect === 'postgres'
              ? 'SELECT pg_sleep(60)'
              : 'SELECT count(*) FROM range(100000000000) a(x) WHERE hash(x) % 7 = 3'
          const ac = new AbortController()
          const started = db.query(slow, [], { signal: ac.signal })
          setTimeout(() => ac.abort(), 300)
          await assert.rejects(started, (err: Error & { code?: string }) => err.code === 'QueryCancelled')
          assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
          const pre = new AbortController()
          pre.abort()
          await assert.rejects(db.query('SELECT 1', [], { signal: pre.signal }), /cancelled/)
        },
      ))

    it('streams rows as text (where the store can): every value as the engine prints it, row by row', (t) =>
      withDb(
        () => backend.open(),
        async (db) => {
          if (!db.streamText) return t.skip('this store has no streamText (DuckDB)')
          const got: (readonly (string | null)[])[] = []
          const n = await db.streamText(
            `SELECT x, x::text || 'é' AS s, NULL::int AS z, TIMESTAMP '2026-11-29 21:30:00.5' + x * INTERVAL '1 day' AS ts,
               x % 2 = 0 AS b, jsonb_build_object('k', x) AS j, x / 4.0 AS r FROM generate_series(1, $1::int) AS g(x)`,
            [3],
            (v) => got.push([...v]),
          )
          assert.equal(n, 3)
          assert.deepEqual(got[0], [
            '1',
            '1é',
            null,
            '2026-11-30 21:30:00.5',
            'f',
            '{"k": 1}',
            '0.25000000000000000000',
          ])
          assert.deepEqual(
            got.map((r) => r[0]),
            ['1', '2', '3'],
          )
          // Several thousand rows through one call; the pool is not exhausted by many calls.
          for (let i = 0; i < 25; i++) {
            let rows = 0
            assert.equal(
              await db.streamText('SELECT g FROM generate_series(1, 5000) g', [], () => rows++),
              5000,
            )
            assert.equal(rows, 5000)
          }
          // A failing statement rejects with the engine's error and leaves the store usable.
          await assert.rejects(
            db.streamText('SELECT 1/0', [], () => undefined),
            /division by zero/,
          )
          assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
        },
      ))

    it('stops a text stream when the row callback throws or the signal fires: the statement is cancelled', (t) =>
      withDb(
        () => backend.open(),
        async (db) => {
          if (!db.streamText) return t.skip('this store has no streamText (DuckDB)')
          // Rows come while the statement runs: the first twenty (20 KB: the server sends its 8 KiB
          // buffer whenever it fills) right away, the rest after 30 s of pg_sleep; the callback refuses
          // the first.
          const refused = new Error('enough')
          let calls = 0
          const started = Date.now()
          await assert.rejects(
            db.streamText(
              "SELECT g, repeat('x', 1000), pg_sleep(CASE WHEN g > 20 THEN 30 ELSE 0 END) FROM generate_series(1, 25) g",
              [],
              () => {
                if (++calls === 1) throw refused
              },
            ),
            (err) => err === refused,
          )
          assert.equal(calls, 1, 'no row is handed over after the callback threw')
          assert.ok(Date.now() - started < 20_000, 'the sleeping statement was cancelled, not waited for')
          const ac = new AbortController()
          const slow = db.streamText('SELECT pg_sleep(60)', [], () => undefined, { signal: ac.signal })
          setTimeout(() => ac.abort(), 300)
          await assert.rejects(slow, (err: Error & { code?: string }) => err.code === 'QueryCancelled')
          const pre = new AbortController()
          pre.abort()
          await assert.rejects(
            db.streamText('SELECT 1', [], () => undefined, { signal: pre.signal }),
            /cancelled/,
          )
          assert.deepEqual(await db.query('SELECT 2 AS two'), [{ two: 2 }])
        },
      ))

    it('a cancel request that arrives after the statement ended does not cancel the next statement', (t) =>
      withDb(
        () => backend.open(),
        async (db) => {
          if (!db.streamText) return t.skip('this store has no streamText (DuckDB)')
          const refused = new Error('enough')
          // The callback refuses the last row: the statement has already ended when the cancel request
          // arrives. The statement run right after must not be the one it cancels (with the connection
          // put back in the pool, 2 in 5 were here).
          for (let i = 0; i < 10; i++) {
            await assert.rejects(
              db.streamText('SELECT g FROM generate_series(1, 3) g', [], (v) => {
                if (v[0] === '3') throw refused
              }),
              (err) => err === refused,
            )
            assert.deepEqual(await db.query('SELECT pg_sleep(0.2) IS NOT NULL AS slept'), [{ slept: true }])
          }
        },
      ))

    it('runs reads side by side: a fast query finishes while a slow one runs; cancelling one query leaves the others running', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          const a = new AbortController()
          const b = new AbortController()
          // Safety net: if the fast queries were queued behind the slow ones, cancel those after 30 s
          // so the assertions below fail instead of hanging.
          const safety = setTimeout(() => (a.abort(), b.abort()), 30_000)
          try {
            const settled = { a: false, b: false }
            const slowA = db.query(slowSql(db), [], { signal: a.signal }).finally(() => (settled.a = true))
            const slowB = db.query(slowSql(db), [], { signal: b.signal }).finally(() => (settled.b = true))
            const fast = await Promise.all(
              Array.from({ length: 20 }, (_, i) => db.query<{ v: number }>('SELECT $1 + 1 AS v', [i])),
            )
            assert.deepEqual(
              fast.map((r) => Number(r[0]!.v)),
              Array.from({ length: 20 }, (_, i) => i + 1),
            )
            assert.deepEqual(settled, { a: false, b: false }, 'the fast queries waited for the slow ones')
            a.abort()
            await assert.rejects(slowA, (err: Error & { code?: string }) => err.code === 'QueryCancelled')
            assert.equal(settled.b, false, 'cancelling one query stopped another')
            assert.deepEqual(await db.query('SELECT 2 AS two'), [{ two: 2 }])
            b.abort()
            await assert.rejects(slowB, (err: Error & { code?: string }) => err.code === 'QueryCancelled')
          } finally {
            clearTimeout(safety)
          }
        },
      ))

    it('reads outside a write transaction see the last committed state and do not wait for it', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('m', db))
          await db.execute('INSERT INTO m (k, s) VALUES (1, $1)', ['before'])
          await db.transaction(async (tx) => {
            await tx.execute('UPDATE m SET s = $1 WHERE k = 1', ['inside'])
            await tx.execute('INSERT INTO m (k, s) VALUES (2, $1)', ['new'])
            assert.deepEqual(await tx.query('SELECT k, s FROM m ORDER BY k'), [
              { k: 1, s: 'inside' },
              { k: 2, s: 'new' },
            ])
            assert.deepEqual(await db.query('SELECT k, s FROM m ORDER BY k'), [{ k: 1, s: 'before' }])
          })
          assert.deepEqual(await db.query('SELECT k, s FROM m ORDER BY k'), [
            { k: 1, s: 'inside' },
            { k: 2, s: 'new' },
          ])
        },
      ))

    it('concurrent writers of the same row all succeed, none is lost', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript('CREATE TABLE ctr (k INTEGER PRIMARY KEY, n INTEGER NOT NULL)')
          const N = 30
          const upserts = await Promise.all(
            Array.from({ length: N }, () =>
              db.query<{ n: number }>(
                `INSERT INTO ctr (k, n) VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET n = ctr.n + 1 RETURNING n`,
              ),
            ),
          )
          assert.deepEqual(
            upserts.map((r) => Number(r[0]!.n)).sort((x, y) => x - y),
            Array.from({ length: N }, (_, i) => i + 1),
          )
          await Promise.all([
            ...Array.from({ length: N }, (_, i) =>
              db.transaction(async (tx) => {
                await tx.execute('UPDATE ctr SET n = n + 1 WHERE k = 1')
                await tx.execute('INSERT INTO ctr (k, n) VALUES ($1, 0)', [100 + i])
              }),
            ),
            ...Array.from({ length: N }, () => db.execute('UPDATE ctr SET n = n + 1 WHERE k = 1')),
          ])
          assert.deepEqual(
            (await db.query<{ n: number; c: number }>('SELECT max(n) AS n, count(*) AS c FROM ctr')).map(
              (r) => [Number(r.n), Number(r.c)],
            ),
            [[3 * N, N + 1]],
          )
        },
      ))

    it('bulk writers of several tables run alongside transactions and reads', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(`${ddl('p1', db)}; ${ddl('p2', db)}; ${ddl('p3', db)}; ${ddl('q', db)}`)
          const tables = ['p1', 'p2', 'p3']
          const writers = tables.map((t) => db.bulkWriter(t, ['k', 's'], { flushRows: 50 }))
          const load = async (t: number) => {
            for (let b = 0; b < 10; b++)
              await writers[t]!.write({
                table: tables[t]!,
                columns: ['k', 's'],
                data: [
                  Array.from({ length: 20 }, (_, i) => b * 20 + i),
                  Array.from({ length: 20 }, () => `t${t}`),
                ],
              })
            return writers[t]!.close()
          }
          const [loaded] = await Promise.all([
            Promise.all(tables.map((_, t) => load(t))),
            ...Array.from({ length: 10 }, (_, i) =>
              db.transaction((tx) => tx.execute('INSERT INTO q (k) VALUES ($1)', [i])),
            ),
            ...Array.from({ length: 10 }, () => db.query('SELECT count(*) AS n FROM q')),
          ])
          assert.deepEqual(loaded, [200, 200, 200])
          const counts = await db.query<{ n: number }>(
            `SELECT (SELECT count(DISTINCT k) FROM p1) + (SELECT count(DISTINCT k) FROM p2) + (SELECT count(DISTINCT k) FROM p3) + (SELECT count(*) FROM q) AS n`,
          )
          assert.equal(Number(counts[0]!.n), 610)
        },
      ))

    it('keeps more bulk writers open than the store has connections, each committing as it goes', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          const tables = Array.from({ length: 30 }, (_, i) => `many${i}`)
          await db.executeScript(tables.map((t) => ddl(t, db)).join('; '))
          const writers = tables.map((t) => db.bulkWriter(t, ['k', 's'], { flushRows: 2 }))
          for (let b = 0; b < 3; b++)
            for (const [i, w] of writers.entries())
              await w.write({
                table: tables[i]!,
                columns: ['k', 's'],
                data: [
                  [b * 2, b * 2 + 1],
                  ['x', 'y'],
                ],
              })
          // Rows are committed per flush, before close().
          assert.equal(
            Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM many7'))[0]!.n) >= 2,
            true,
          )
          assert.deepEqual(
            await Promise.all(writers.map((w) => w.close())),
            tables.map(() => 6),
          )
          const n = await db.query<{ n: number }>(
            `SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})`).join(' + ')} AS n`,
          )
          assert.equal(Number(n[0]!.n), 180)
        },
      ))

    it('a bulk writer with flushRows: Infinity is one transaction; abort leaves nothing', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('inf', db))
          const rows = (from: number, n: number) => ({
            table: 'inf',
            columns: ['k'],
            data: [Array.from({ length: n }, (_, i) => from + i)],
          })
          const w = db.bulkWriter('inf', ['k'], { flushRows: Infinity })
          for (let b = 0; b < 3; b++) await w.write(rows(b * 20_000, 20_000))
          assert.deepEqual(
            await db.query('SELECT count(*) AS n FROM inf').then((r) => r.map((x) => Number(x.n))),
            [0],
          )
          await w.abort()
          assert.deepEqual(
            await db.query('SELECT count(*) AS n FROM inf').then((r) => r.map((x) => Number(x.n))),
            [0],
          )
          const w2 = db.bulkWriter('inf', ['k'], { flushRows: Infinity })
          for (let b = 0; b < 3; b++) await w2.write(rows(b * 20_000, 20_000))
          assert.equal(await w2.close(), 60_000)
          assert.deepEqual(
            await db.query('SELECT count(DISTINCT k) AS n FROM inf').then((r) => r.map((x) => Number(x.n))),
            [60_000],
          )
        },
      ))

    it('a bulk writer whose rows the database refuses fails at close and keeps none of that flush', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          await db.executeScript(ddl('nn', db))
          const w = db.bulkWriter('nn', ['k', 's'])
          await w.write({
            table: 'nn',
            columns: ['k', 's'],
            data: [
              [1, 2],
              ['a', 'b'],
            ],
          })
          await w.write({ table: 'nn', columns: ['k', 's'], data: [[null], ['c']] })
          await assert.rejects(w.close(), /null|NOT NULL/i)
          assert.deepEqual(
            await db.query('SELECT count(*) AS n FROM nn').then((r) => r.map((x) => Number(x.n))),
            [0],
          )
          await assert.rejects(w.write({ table: 'nn', columns: ['k'], data: [[3]] }), /closed/)
          assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
        },
      ))

    it('the unordered hint applies to its own statement only', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          if (db.dialect !== 'duckdb') return
          // DuckDB: `unordered` runs the statement with preserve_insertion_order off; every other use of
          // a connection (plain statements, transactions, concurrent reads on other connections) sees it on.
          const setting = (opts?: { unordered: boolean }) =>
            db
              .query<{ v: unknown }>("SELECT current_setting('preserve_insertion_order') AS v", [], opts)
              .then((r) => r[0]!.v)
          for (let i = 0; i < 3; i++) {
            assert.equal(await setting({ unordered: true }), false)
            assert.equal(await setting(), true)
            const [u, o] = await Promise.all([setting({ unordered: true }), setting()])
            assert.deepEqual([u, o], [false, true])
            assert.equal(await setting({ unordered: true }), false)
            await db.transaction(async (tx) => {
              assert.equal(
                (
                  await tx.query<{ v: unknown }>("SELECT current_setting('preserve_insertion_order') AS v")
                )[0]!.v,
                true,
              )
            })
          }
          await db.executeScript('CREATE TABLE o (k INTEGER)')
          await db.query("SELECT current_setting('preserve_insertion_order') AS v", [], { unordered: true })
          await db.execute('INSERT INTO o SELECT range FROM range(300000)')
          const rows = await db.query<{ k: number }>('SELECT k FROM o')
          assert.ok(
            rows.every((r, i) => r.k === i),
            'rows come back in insertion order',
          )
        },
      ))

    it('applies the catalogue migrations once', () =>
      withDb(
        () => backend.open(),
        async (db) => {
          assert.equal((await migrate(db, catalogueMigrations)).length, catalogueMigrations.length)
          assert.deepEqual(await migrate(db, catalogueMigrations), [])
          assert.deepEqual(
            await db
              .query('SELECT count(*) AS n FROM "DeviceProcessEvents"')
              .then((r) => r.map((x) => Number(x.n))),
            [0],
          )
        },
      ))
  })
}
