import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backends } from '../../test/helpers/stores.js'
import { migrate, type Migration } from './migrations.js'

const m1: Migration = {
  id: '0001-a',
  sql: { duckdb: 'CREATE TABLE a (x INTEGER)', postgres: 'CREATE TABLE a (x INTEGER)' },
}
const m2: Migration = { id: '0002-b', sql: () => "CREATE TABLE b (y VARCHAR); INSERT INTO b VALUES ('hi')" }
const bad: Migration = {
  id: '0003-bad',
  sql: () => 'CREATE TABLE c (z INTEGER); SELECT * FROM no_such_table',
}

for (const backend of backends) {
  describe(`migrations on ${backend.name}`, () => {
    it('applies pending migrations once, in id order', async () => {
      const db = await backend.open()
      try {
        assert.deepEqual(await migrate(db, [m2, m1]), ['0001-a', '0002-b'])
        assert.deepEqual(await migrate(db, [m1, m2]), [])
        assert.deepEqual(await db.query('SELECT y FROM b'), [{ y: 'hi' }])
      } finally {
        await db.close()
      }
    })

    it('leaves nothing behind when a migration fails', async () => {
      const db = await backend.open()
      try {
        await assert.rejects(migrate(db, [m1, m2, bad]))
        const rows = await db.query<{ n: number }>(
          "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('a', 'b', 'c', 'bulwark_migrations')",
        )
        assert.equal(Number(rows[0]!.n), 0)
      } finally {
        await db.close()
      }
    })

    it('refuses a store written by a newer version', async () => {
      const db = await backend.open()
      try {
        await migrate(db, [m1, m2])
        await assert.rejects(migrate(db, [m1]), /newer version of Bulwark.*0002-b/)
      } finally {
        await db.close()
      }
    })
  })
}
