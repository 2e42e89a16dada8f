import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type pg from 'pg'
import { openStore } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import { openPostgres, StatementReuse } from '../../src/store/postgres-db.js'
import { freshSchemaName, pgUrl } from '../helpers/stores.js'

/** Two distinct connection objects, as the pool hands them out (only their identity matters here). */
const conn = () => ({}) as pg.PoolClient

describe('StatementReuse: which streamText statements run prepared', () => {
  it('prepares a statement the second time it is seen, then reuses it on that connection', () => {
    const r = new StatementReuse(1000)
    const a = conn()
    const b = conn()
    const sql = 'SELECT 1'
    assert.deepEqual(r.name(a, sql), { full: false }, 'first sighting: unnamed')
    const second = r.name(a, sql)
    assert.match(second.name ?? '', /^bw_[0-9a-f]{40}$/)
    assert.equal(second.full, false)
    assert.deepEqual(r.name(a, sql), second, 'reused on the same connection')
    assert.deepEqual(r.name(b, sql), second, 'prepared on another connection under the same name')
    assert.notEqual(r.name(a, 'SELECT 2').name, second.name)
  })

  it('keeps each connection within its budget of SQL text; the one that would pass it is closed', () => {
    const r = new StatementReuse(25)
    const a = conn()
    const s1 = 'SELECT 1 AS aaaaaaaaaa' // 22 characters
    const s2 = 'SELECT 2 AS bbbbbbbbbb'
    r.name(a, s1)
    assert.ok(r.name(a, s1).name)
    r.name(a, s2)
    assert.deepEqual(r.name(a, s2), { full: true }, 'past the budget: unnamed, and close the connection')
    assert.ok(r.name(conn(), s2).name, 'a fresh connection starts empty')
    // A statement longer than the whole budget is never prepared, and does not close connections.
    const long = `SELECT '${'x'.repeat(40)}'`
    r.name(a, long)
    assert.deepEqual(r.name(a, long), { full: false })
    assert.deepEqual(new StatementReuse(0).name(a, s1), { full: false }, 'budget 0: never')
  })

  it('remembers the last 1,000 statements seen once', () => {
    const r = new StatementReuse(1 << 20)
    const a = conn()
    r.name(a, 'SELECT 0')
    for (let i = 1; i <= 1000; i++) r.name(a, `SELECT ${i}`)
    assert.deepEqual(r.name(a, 'SELECT 0'), { full: false }, 'forgotten: seen once again')
    assert.ok(r.name(a, 'SELECT 1000').name)
  })
})

describe('PostgreSQL streamText runs repeated statements prepared', { skip: !pgUrl }, () => {
  const open = async (budget?: number) => {
    const schema = freshSchemaName()
    const db = await openPostgres({
      url: pgUrl!,
      schema,
      maxConnections: 1,
      ...(budget === undefined ? {} : { preparedTextBudget: budget }),
    })
    return {
      db,
      close: async () => {
        await db.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
        await db.close()
      },
    }
  }
  const stream = async (db: Awaited<ReturnType<typeof openPostgres>>, sql: string, params: unknown[]) => {
    const rows: (string | null)[][] = []
    await db.streamText(sql, params as string[], (v) => rows.push([...v]))
    return rows
  }

  it('prepares on the second run, with the same rows, planned for each run (force_custom_plan)', async () => {
    const { db, close } = await open()
    try {
      const sql = 'SELECT g, $1::text AS p FROM generate_series(1, $2::int) AS g'
      const prepared = async () =>
        (await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).map(
          (r) => r.statement,
        )
      assert.deepEqual(await stream(db, sql, ['a', 2]), [
        ['1', 'a'],
        ['2', 'a'],
      ])
      assert.deepEqual(await prepared(), [], 'a statement seen once is not prepared')
      assert.deepEqual(await stream(db, sql, ['b', 1]), [['1', 'b']])
      assert.deepEqual(await prepared(), [sql])
      assert.deepEqual(await stream(db, sql, ['c', 3]), [
        ['1', 'c'],
        ['2', 'c'],
        ['3', 'c'],
      ])
      assert.deepEqual(await prepared(), [sql], 'reused, not prepared again')
      const [mode] = await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')
      assert.equal(mode!.plan_cache_mode, 'force_custom_plan')
    } finally {
      await close()
    }
  })

  it('takes its budget from the config: postgresPreparedTextBudget 0 prepares nothing', async () => {
    // Sequential calls reuse the pool's last idle connection, where the statements would be prepared.
    for (const [budget, prepared] of [
      [undefined, 1],
      [0, 0],
    ] as const) {
      const schema = freshSchemaName()
      const config = loadConfig({
        env: {},
        flags: {
          store: 'postgres',
          postgresUrl: pgUrl!,
          postgresSchema: schema,
          ...(budget === undefined ? {} : { postgresPreparedTextBudget: budget }),
        },
      })
      const db = (await openStore(config, '/nonexistent')) as Awaited<ReturnType<typeof openPostgres>>
      try {
        for (let i = 0; i < 3; i++) await stream(db, 'SELECT $1::int AS x', [i])
        const n = await db.query('SELECT count(*)::int AS n FROM pg_prepared_statements')
        assert.deepEqual(n, [{ n: prepared }], `budget ${budget ?? 'default'}`)
      } finally {
        await db.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
        await db.close()
      }
    }
  })

  it('closes a connection whose prepared SQL would pass the budget', async () => {
    const { db, close } = await open(60)
    try {
      const pid = async () => (await db.query<{ p: number }>('SELECT pg_backend_pid() AS p'))[0]!.p
      const s1 = 'SELECT 1 AS one, $1::int AS x' // 29 characters
      const s2 = 'SELECT 2 AS two, $1::int AS x, 3 AS y'
      for (let i = 0; i < 2; i++) await stream(db, s1, [i])
      const first = await pid()
      await stream(db, s2, [0])
      assert.equal(await pid(), first, 'under the budget: the connection stays')
      assert.deepEqual(await stream(db, s2, [1]), [['2', '1', '3']], 'the statement still answers')
      assert.notEqual(await pid(), first, 'past the budget: a fresh connection')
      assert.deepEqual(await db.query('SELECT count(*)::int AS n FROM pg_prepared_statements'), [{ n: 0 }])
    } finally {
      await close()
    }
  })
})
