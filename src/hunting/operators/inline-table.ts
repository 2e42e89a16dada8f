import type { IrColumn, IrValue } from '../ir/ir.js'
import { ORD, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, param, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { isoFromUs } from '../sql/values.js'

/** JSON encoding of one cell for the single-parameter inline table. */
function cell(v: unknown, type: IrColumn['type']): unknown {
  if (v === null || v === undefined) return null
  if (typeof v === 'object' && v !== null && 'json' in v) return v.json
  if (type === 'datetime') return isoFromUs(Number(v))
  if (typeof v === 'bigint') return v.toString()
  return v
}

/**
 * Rows known at compile time (datatable, externaldata, print of constants) as one JSON parameter
 * unpacked by the engine, so a 10,000-row list costs one bound value, never SQL text. Row order is kept.
 */
export function inlineTable(lx: Lowerer, columns: IrColumn[], rows: readonly (readonly unknown[])[]): Stage {
  const cols = lx.allocate(columns)
  const json = JSON.stringify(rows.map((r) => columns.map((c, i) => cell(r[i] as IrValue, c.type))))
  const doc = param(json, 'dynamic')
  const d = lx.d
  const pick = (i: number, t: IrColumn['type']): SqlNode => {
    if (d.name === 'duckdb') {
      if (t === 'dynamic') return sql`json_extract(je.value, '$[${raw(String(i))}]')`
      const text = sql`json_extract_string(je.value, '$[${raw(String(i))}]')`
      return t === 'string' || t === 'guid'
        ? sql`coalesce(${text}, '')`
        : sql`CAST(${text} AS ${raw(d.types[t])})`
    }
    if (t === 'dynamic') return sql`(je.value -> ${raw(String(i))})`
    const text = sql`(je.value ->> ${raw(String(i))})`
    return t === 'string' || t === 'guid' ? sql`coalesce(${text}, '')` : sql`(${text})::${raw(d.types[t])}`
  }
  const items = cols.map((c, i) => sql`${pick(i, c.type)} AS ${ident(c.sql)}`)
  const from =
    d.name === 'duckdb'
      ? sql`(SELECT ${doc} AS doc) AS src CROSS JOIN LATERAL json_each(src.doc) AS je`
      : sql`jsonb_array_elements(${doc}) WITH ORDINALITY AS je(value, key)`
  items.push(sql`CAST(je.key AS BIGINT) AS ${ident(ORD)}`)
  return lx.addCte(sql`SELECT ${list(items)} FROM ${from}`, cols, true)
}
