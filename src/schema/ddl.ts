import type { EntityDef, FieldType } from './catalogue-types.js'
import { HUNTING_TENANT_COLUMN, huntingTables, type HuntingTable, type KqlType } from './hunting-tables.js'

/**
 * DDL for the catalogue (entity tables and hunting tables), per SQL dialect. The same text is written
 * to src/schema/generated/ddl-*.sql by `npm run gen` and applied by the store's catalogue migrations.
 * Every statement is idempotent (`IF NOT EXISTS`), so the pre-release "catalogue sync" migrations can be
 * re-applied when the catalogue grows (see src/store/CONTEXT.md).
 */
export type SqlDialect = 'duckdb' | 'postgres'

export interface DdlColumn {
  name: string
  sqlType: string
  notNull: boolean
  default?: string
}

export interface DdlTable {
  name: string
  columns: readonly DdlColumn[]
  primaryKey?: readonly string[]
  indexes: readonly { name: string; columns: readonly string[] }[]
}

const KQL_SQL: Record<KqlType, Record<SqlDialect, string>> = {
  string: { duckdb: 'VARCHAR', postgres: 'text' },
  guid: { duckdb: 'VARCHAR', postgres: 'text' },
  long: { duckdb: 'BIGINT', postgres: 'bigint' },
  int: { duckdb: 'INTEGER', postgres: 'integer' },
  real: { duckdb: 'DOUBLE', postgres: 'double precision' },
  bool: { duckdb: 'BOOLEAN', postgres: 'boolean' },
  datetime: { duckdb: 'TIMESTAMP', postgres: 'timestamp without time zone' },
  dynamic: { duckdb: 'JSON', postgres: 'jsonb' },
}

const FIELD_KQL: Record<FieldType, KqlType> = {
  string: 'string',
  guid: 'guid',
  int: 'int',
  long: 'long',
  double: 'real',
  bool: 'bool',
  datetime: 'datetime',
  json: 'dynamic',
  enum: 'string',
  'string[]': 'dynamic',
}

export function kqlSqlType(t: KqlType, dialect: SqlDialect): string {
  return KQL_SQL[t][dialect]
}

export function fieldSqlType(t: FieldType, dialect: SqlDialect): string {
  return KQL_SQL[FIELD_KQL[t]][dialect]
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** Tenant column of hunting tables: plain VARCHAR; on PostgreSQL with the "C" collation (cheap compares). */
function tenantColumn(dialect: SqlDialect): DdlColumn {
  return {
    name: HUNTING_TENANT_COLUMN,
    sqlType: dialect === 'postgres' ? 'text COLLATE "C"' : 'VARCHAR',
    notNull: true,
  }
}

/**
 * The btree indexes of a hunting table (column lists, tenant first). DuckDB: none; rows are appended in
 * time order per load so the per-row-group zone maps (min/max of TenantId and Timestamp) prune
 * time-bounded scans. PostgreSQL: (TenantId, Timestamp) for timed tables, (TenantId, DeviceId) or
 * (TenantId) otherwise; timed tables with a DeviceId also get (TenantId, DeviceId, Timestamp), which
 * the KQL engine walks as a loose index scan for `summarize arg_max(Timestamp, …) by DeviceId` (and
 * which serves per-device time ranges). docs/storage.md has the measurements behind both.
 */
export function huntingIndexColumns(t: HuntingTable, dialect: SqlDialect): string[][] {
  if (dialect !== 'postgres') return []
  const hasDevice = t.columns.some((c) => c.name === 'DeviceId')
  const second = t.timed ? 'Timestamp' : hasDevice ? 'DeviceId' : null
  const out = [second ? [HUNTING_TENANT_COLUMN, second] : [HUNTING_TENANT_COLUMN]]
  if (t.timed && hasDevice) out.push([HUNTING_TENANT_COLUMN, 'DeviceId', 'Timestamp'])
  return out
}

/** PostgreSQL identifiers are at most 63 bytes: long names leave the tenant column out of the name. */
function indexName(table: string, cols: readonly string[]): string {
  const full = `${table}_${cols.join('_')}_idx`
  return full.length <= 63
    ? full
    : `${table}_${cols.filter((c) => c !== HUNTING_TENANT_COLUMN).join('_')}_idx`
}

/** Hunting-table layout: the tenant column, the catalogue's columns, `huntingIndexColumns`. */
export function huntingDdlTable(t: HuntingTable, dialect: SqlDialect): DdlTable {
  const columns: DdlColumn[] = [
    tenantColumn(dialect),
    ...t.columns.map((c) => ({ name: c.name, sqlType: kqlSqlType(c.type, dialect), notNull: false })),
  ]
  const indexes = huntingIndexColumns(t, dialect).map((cols) => ({
    name: indexName(t.name, cols),
    columns: cols,
  }))
  return { name: t.name, columns, indexes }
}

export function entityDdlTable(e: EntityDef, dialect: SqlDialect): DdlTable {
  const columns = Object.entries(e.fields).map(([name, f]) => ({
    name,
    sqlType: fieldSqlType(f.type, dialect),
    notNull: e.key.includes(name) || f.nullable !== true,
    ...(f.default !== undefined ? { default: f.default } : {}),
  }))
  const indexes = (e.indexes ?? []).map((cols) => ({
    name: `${e.table}_${cols.join('_')}_idx`,
    columns: cols,
  }))
  return { name: e.table, columns, primaryKey: e.key, indexes }
}

function columnSql(c: DdlColumn): string {
  const def = c.default !== undefined ? ` DEFAULT ${c.default}` : ''
  return `${quoteIdent(c.name)} ${c.sqlType}${c.notNull ? ' NOT NULL' : ''}${def}`
}

/** `CREATE TABLE IF NOT EXISTS` + `CREATE INDEX IF NOT EXISTS`, one statement per line group. */
export function createTableSql(t: DdlTable): string {
  const parts = t.columns.map((c) => '  ' + columnSql(c))
  if (t.primaryKey?.length) parts.push(`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(', ')})`)
  const stmts = [`CREATE TABLE IF NOT EXISTS ${quoteIdent(t.name)} (\n${parts.join(',\n')}\n);`]
  for (const ix of t.indexes)
    stmts.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(ix.name)} ON ${quoteIdent(t.name)} (${ix.columns.map(quoteIdent).join(', ')});`,
    )
  return stmts.join('\n')
}

/**
 * Additive sync for a table that may already exist with fewer columns: `ADD COLUMN IF NOT EXISTS` for
 * every column. Added columns are nullable (existing rows have no value) but keep their DEFAULT.
 */
export function addColumnsSql(t: DdlTable): string {
  return t.columns
    .map((c) => {
      const def = c.default !== undefined ? ` DEFAULT ${c.default}` : ''
      return `ALTER TABLE ${quoteIdent(t.name)} ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.sqlType}${def};`
    })
    .join('\n')
}

export function huntingDdlTables(dialect: SqlDialect): DdlTable[] {
  return huntingTables.map((t) => huntingDdlTable(t, dialect))
}

export function entityDdlTables(entities: readonly EntityDef[], dialect: SqlDialect): DdlTable[] {
  return entities.map((e) => entityDdlTable(e, dialect))
}

/** The DDL script for a set of tables (fresh database). */
export function ddlScript(tables: readonly DdlTable[]): string {
  return tables.map(createTableSql).join('\n\n') + '\n'
}

/** The idempotent sync script: create what is missing, then add missing columns. */
export function syncScript(tables: readonly DdlTable[]): string {
  return tables.map((t) => `${createTableSql(t)}\n${addColumnsSql(t)}`).join('\n\n') + '\n'
}

/** Hunting-table DDL for one dialect (fresh database). */
export function huntingTableDdl(dialect: SqlDialect): string {
  return ddlScript(huntingDdlTables(dialect))
}
