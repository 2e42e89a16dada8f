import { entityDdlTables, huntingDdlTables, syncScript } from '../schema/ddl.js'
import { allEntities } from '../schema/entities/index.js'
import type { Migration } from './migrations.js'

/**
 * The catalogue's tables as migrations. Until the first release both are *repeatable* catalogue syncs:
 * idempotent `CREATE TABLE IF NOT EXISTS` + `ADD COLUMN IF NOT EXISTS` + `CREATE INDEX IF NOT EXISTS`,
 * re-applied whenever the generated SQL changes, so adding an entity or a field needs only
 * `npm run gen`. Ids sort before every module's own migrations. Rules: src/store/CONTEXT.md.
 */
export const catalogueMigrations: Migration[] = [
  {
    id: '0000-store-01-hunting-tables',
    repeatable: true,
    sql: (dialect) => syncScript(huntingDdlTables(dialect)),
  },
  {
    id: '0000-store-02-entity-tables',
    repeatable: true,
    sql: (dialect) => syncScript(entityDdlTables(allEntities, dialect)),
  },
]
