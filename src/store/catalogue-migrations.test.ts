import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { backends } from '../../test/helpers/stores.js'
import type { EntityDef } from '../schema/catalogue-types.js'
import { entityDdlTables, huntingDdlTables, syncScript, type DdlTable } from '../schema/ddl.js'
import { allEntities } from '../schema/entities/index.js'
import { catalogueMigrations } from './catalogue-migrations.js'
import type { Db } from './db.js'
import { migrate, type Migration } from './migrations.js'
import { storedColumns } from './introspect.js'

function generatedDdl(dialect: string): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return readFileSync(join(dir, 'src', 'schema', 'generated', `ddl-${dialect}.sql`), 'utf8')
}

function expected(tables: readonly DdlTable[]): Map<string, string[]> {
  return new Map(
    tables.map((t) => [t.name, t.columns.map((c) => `${c.name} ${c.sqlType.replace(/ COLLATE .*/, '')}`)]),
  )
}

async function actual(db: Db, names: readonly string[]): Promise<Map<string, string[]>> {
  const cols = await storedColumns(db)
  return new Map(names.map((n) => [n, (cols.get(n) ?? []).map((c) => `${c.name} ${c.type}`)]))
}

const widget = (extra: boolean): EntityDef => ({
  name: 'Widget',
  table: 'widgets',
  key: ['tenantId', 'id'],
  fields: {
    tenantId: { type: 'string', internal: true },
    id: { type: 'string' },
    size: { type: 'long', nullable: true },
    ...(extra ? { colour: { type: 'string' as const, default: "'blue'" } } : {}),
  },
  indexes: [['tenantId', 'size']],
})

const syncOf = (e: EntityDef): Migration => ({
  id: '0000-test-widgets',
  repeatable: true,
  sql: (d) => syncScript(entityDdlTables([e], d)),
})

for (const backend of backends) {
  describe(`catalogue migrations on ${backend.name}`, () => {
    it('yield exactly the generated tables and columns, and re-apply as a no-op', async () => {
      const db = await backend.open()
      try {
        const applied = await migrate(db, catalogueMigrations)
        assert.deepEqual(applied, ['0000-store-01-hunting-tables', '0000-store-02-entity-tables'])
        const tables = [...huntingDdlTables(db.dialect), ...entityDdlTables(allEntities, db.dialect)]
        const want = expected(tables)
        assert.deepEqual(await actual(db, [...want.keys()]), want)
        assert.deepEqual(await migrate(db, catalogueMigrations), [])
      } finally {
        await db.close()
      }
    })

    it('yield the same tables and columns as the committed generated DDL file', async () => {
      const viaMigrations = await backend.open()
      const viaFile = await backend.open()
      try {
        await migrate(viaMigrations, catalogueMigrations)
        await viaFile.executeScript(generatedDdl(viaFile.dialect))
        const a = await storedColumns(viaMigrations)
        a.delete('bulwark_migrations')
        const b = await storedColumns(viaFile)
        assert.ok(b.size > 27)
        assert.deepEqual(a, b)
      } finally {
        await viaMigrations.close()
        await viaFile.close()
      }
    })

    it('re-applies a changed repeatable sync additively, keeping rows', async () => {
      const db = await backend.open()
      try {
        await migrate(db, [syncOf(widget(false))])
        await db.execute('INSERT INTO widgets ("tenantId", id, size) VALUES ($1, $2, $3)', ['t1', 'w1', 5])
        assert.deepEqual(await migrate(db, [syncOf(widget(true))]), ['0000-test-widgets'])
        assert.deepEqual(await db.query('SELECT id, size, colour FROM widgets'), [
          { id: 'w1', size: 5, colour: 'blue' },
        ])
        assert.deepEqual(await actual(db, ['widgets']), expected(entityDdlTables([widget(true)], db.dialect)))
        assert.deepEqual(await migrate(db, [syncOf(widget(true))]), [])
      } finally {
        await db.close()
      }
    })
  })
}
