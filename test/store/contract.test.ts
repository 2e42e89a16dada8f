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
          await db.executeScript(`${ddl('a', db)}; ${ddl('b', db)}`)
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
          const want = expectedRows(cs)
          assert.deepEqual(await readBack(db, 'a'), want)
          assert.deepEqual(await readBack(db, 'b'), want)
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
