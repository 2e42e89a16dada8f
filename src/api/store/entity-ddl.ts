import type { EntityDef, FieldDef } from '../../schema/catalogue-types.js'
import type { Dialect } from '../../store/db.js'

/**
 * DDL for catalogue entities, used until the schema generator (`npm run gen`) provides migrations for
 * the MDE entities. Idempotent (`IF NOT EXISTS`) so a generated migration creating the same tables
 * later does not conflict.
 */
export function columnType(f: FieldDef, dialect: Dialect): string {
  switch (f.type) {
    case 'string':
    case 'guid':
    case 'enum':
      return dialect === 'postgres' ? 'TEXT' : 'VARCHAR'
    case 'int':
      return 'INTEGER'
    case 'long':
      return 'BIGINT'
    case 'double':
      return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE'
    case 'bool':
      return 'BOOLEAN'
    case 'datetime':
      return 'TIMESTAMP'
    case 'json':
    case 'string[]':
      return dialect === 'postgres' ? 'JSONB' : 'JSON'
  }
}

export function entityDdl(e: EntityDef, dialect: Dialect): string {
  const cols = Object.entries(e.fields).map(([name, f]) => {
    const notNull = f.nullable ? '' : ' NOT NULL'
    const def = f.default !== undefined ? ` DEFAULT ${f.default}` : ''
    return `"${name}" ${columnType(f, dialect)}${def}${notNull}`
  })
  const pk = `PRIMARY KEY (${e.key.map((k) => `"${k}"`).join(', ')})`
  const stmts = [`CREATE TABLE IF NOT EXISTS "${e.table}" (${[...cols, pk].join(', ')})`]
  for (const idx of e.indexes ?? []) {
    const name = `${e.table}_${idx.join('_')}_idx`.replace(/[^A-Za-z0-9_]/g, '').toLowerCase()
    stmts.push(`CREATE INDEX IF NOT EXISTS ${name} ON "${e.table}" (${idx.map((c) => `"${c}"`).join(', ')})`)
  }
  return stmts.join(';\n')
}
