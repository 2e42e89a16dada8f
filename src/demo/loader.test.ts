import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { backends } from '../../test/helpers/stores.js'
import { ManualClock } from '../core/clock.js'
import { silentLogger } from '../core/logger.js'
import { huntingTables } from '../schema/hunting-tables.js'
import { catalogueMigrations } from '../store/catalogue-migrations.js'
import type { Db } from '../store/db.js'
import { migrate } from '../store/migrations.js'
import { DEMO_ENTITY_TABLES, ensureDemo } from './loader.js'
import { DEMO_STATE_TABLE, demoMigrations } from './migrations.js'
import { TEST_NOW } from './test-support.js'

async function counts(db: Db, tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const t of huntingTables) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM "${t.name}" WHERE "TenantId" = $1`, [
      tenantId,
    ])
    out[t.name] = Number(r!.n)
  }
  for (const t of DEMO_ENTITY_TABLES) {
    const [r] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${t} WHERE "tenantId" = $1`, [
      tenantId,
    ])
    out[t] = Number(r!.n)
  }
  return out
}

for (const backend of backends)
  describe(`demo loader (${backend.name})`, () => {
    const opened: Db[] = []
    after(async () => {
      for (const db of opened) await db.close()
    })
    const open = async () => {
      const db = await backend.open()
      opened.push(db)
      await migrate(db, [...catalogueMigrations, ...demoMigrations])
      return db
    }
    const opts = { seed: 5, devices: 3, clock: new ManualClock(TEST_NOW), log: silentLogger }

    it('loads everything once, then finds it present', async () => {
      const db = await open()
      const first = await ensureDemo(db, opts)
      assert.equal(first.action, 'loaded')
      const stored = await counts(db, first.tenantId)
      for (const t of huntingTables) assert.equal(stored[t.name], first.counts[t.name], t.name)
      assert.equal(stored.machines, 3)
      assert.ok(stored.alerts! > 0 && stored.alert_evidence! > stored.alerts!)
      if (db.dialect === 'postgres') {
        // Statistics are gathered right after the load (ANALYZE, not autovacuum's later auto-analyze).
        const analyzed = await db.query<{ relname: string }>(
          `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze IS NOT NULL`,
        )
        const names = new Set(analyzed.map((r) => r.relname))
        for (const t of huntingTables)
          if (first.counts[t.name]) assert.ok(names.has(t.name), `${t.name} analyzed after the load`)
      }
      const second = await ensureDemo(db, opts)
      assert.equal(second.action, 'present')
      assert.deepEqual(await counts(db, first.tenantId), stored)
    })

    it('wipes a half-loaded tenant (no complete marker) and reloads it to the same counts', async () => {
      const db = await open()
      const clean = await ensureDemo(db, opts)
      const expected = await counts(db, clean.tenantId)
      // Simulate a crash mid-load: marker back to loading, some rows duplicated, entities gone.
      await db.execute(
        `UPDATE ${DEMO_STATE_TABLE} SET "status" = 'loading', "heartbeatAt" = $2 WHERE "tenantId" = $1`,
        [clean.tenantId, new Date(TEST_NOW - 3_600_000)],
      )
      await db.execute(
        `INSERT INTO "DeviceProcessEvents" SELECT * FROM "DeviceProcessEvents" WHERE "TenantId" = $1 LIMIT 50`,
        [clean.tenantId],
      )
      await db.execute(`DELETE FROM machines WHERE "tenantId" = $1`, [clean.tenantId])
      const again = await ensureDemo(db, opts)
      assert.equal(again.action, 'loaded')
      assert.deepEqual(await counts(db, clean.tenantId), expected)
    })

    it('reloads when the device count changes, leaving other tenants alone', async () => {
      const db = await open()
      const a = await ensureDemo(db, opts)
      const other = await ensureDemo(db, { ...opts, seed: 6 })
      const otherCounts = await counts(db, other.tenantId)
      const b = await ensureDemo(db, { ...opts, devices: 4 })
      assert.equal(b.action, 'loaded')
      assert.equal((await counts(db, a.tenantId)).machines, 4)
      assert.deepEqual(await counts(db, other.tenantId), otherCounts)
    })
  })
