import type { Db } from './db.js'

export interface StoredColumn {
  name: string
  /** Engine type name as the DDL writes it (DuckDB upper case, PostgreSQL lower case). */
  type: string
  nullable: boolean
}

/** Columns of every table of the current schema, in ordinal order (information_schema, both engines). */
export async function storedColumns(db: Db): Promise<Map<string, StoredColumn[]>> {
  const rows = await db.query<{ t: string; c: string; ty: string; n: string }>(
    `SELECT table_name AS t, column_name AS c, data_type AS ty, is_nullable AS n
       FROM information_schema.columns WHERE table_schema = current_schema()
      ORDER BY table_name, ordinal_position`,
  )
  const out = new Map<string, StoredColumn[]>()
  for (const r of rows) {
    const list = out.get(r.t) ?? []
    list.push({ name: r.c, type: r.ty, nullable: r.n === 'YES' })
    out.set(r.t, list)
  }
  return out
}
