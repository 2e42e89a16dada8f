import type { KType } from '../ir/ir.js'
import type { SqlDialect } from './dialect.js'
import { raw, sql, type SqlNode } from './sql-tree.js'

const numeric = new Set<KType>(['long', 'int', 'real', 'decimal'])

/** Text form of a value, as KQL `tostring()` renders it (null → ''). */
export function toText(x: SqlNode, from: KType, d: SqlDialect): SqlNode {
  switch (from) {
    case 'string':
    case 'guid':
      return sql`coalesce(${x}, '')`
    case 'dynamic':
      return sql`coalesce(${d.jsonToText(x)}, '')`
    case 'bool':
      return sql`coalesce(CASE WHEN ${x} THEN 'true' WHEN NOT ${x} THEN 'false' END, '')`
    case 'datetime':
      return sql`coalesce(${datetimeText(x, d)}, '')`
    case 'timespan':
      return sql`coalesce(${timespanText(x, d)}, '')`
    case 'long':
    case 'int':
    case 'real':
    case 'decimal':
      return sql`coalesce(CAST(${x} AS ${raw(d.types.string)}), '')`
  }
}

/** KQL datetime text: `2024-05-01T10:15:30Z`, with 7 fractional digits when the fraction is not zero. */
export function datetimeText(x: SqlNode, d: SqlDialect): SqlNode {
  const f = d.formatDatetime(x)
  return sql`CASE WHEN ${d.epochUs(x)} % 1000000 = 0 THEN substr(${f}, 1, 19) || 'Z' ELSE substr(${f}, 1, 26) || '0Z' END`
}

/** KQL timespan text `[-][d.]hh:mm:ss[.fffffff]` from microseconds. */
export function timespanText(x: SqlNode, d: SqlDialect): SqlNode {
  const a = sql`abs(${x})`
  const days = d.floorDiv(a, raw('86400000000'))
  const rest = sql`(${a} % 86400000000)`
  const hh = d.floorDiv(rest, raw('3600000000'))
  const mm = d.floorDiv(sql`(${rest} % 3600000000)`, raw('60000000'))
  const ss = d.floorDiv(sql`(${rest} % 60000000)`, raw('1000000'))
  const frac = sql`(${rest} % 1000000)`
  const t = d.types.string
  const pad2 = (n: SqlNode) => sql`lpad(CAST(${n} AS ${raw(t)}), 2, '0')`
  return sql`(CASE WHEN ${x} < 0 THEN '-' ELSE '' END || CASE WHEN ${days} > 0 THEN CAST(${days} AS ${raw(t)}) || '.' ELSE '' END || ${pad2(hh)} || ':' || ${pad2(mm)} || ':' || ${pad2(ss)} || CASE WHEN ${frac} > 0 THEN '.' || lpad(CAST(${frac} AS ${raw(t)}), 6, '0') || '0' ELSE '' END)`
}

/** Converts between KQL types where KQL converts implicitly (mostly dynamic ↔ scalar). */
export function convert(x: SqlNode, from: KType, to: KType, d: SqlDialect): SqlNode {
  if (from === to) return x
  if (to === 'string' || to === 'guid') return from === 'guid' || from === 'string' ? x : toText(x, from, d)
  if (to === 'dynamic') {
    if (from === 'datetime') return d.toJson(datetimeText(x, d))
    if (from === 'timespan') return d.toJson(timespanText(x, d))
    return d.toJson(x)
  }
  if (from === 'dynamic') {
    const text = d.jsonToText(x)
    return d.tryCast(text, to === 'decimal' ? 'real' : to)
  }
  if (numeric.has(from) && numeric.has(to)) return sql`CAST(${x} AS ${raw(d.types[to])})`
  if (from === 'string') return d.tryCast(x, to)
  if (from === 'bool' && numeric.has(to))
    return sql`CAST(CASE WHEN ${x} THEN 1 WHEN NOT ${x} THEN 0 END AS ${raw(d.types[to])})`
  if (from === 'timespan' && numeric.has(to)) return sql`CAST(${x} * 10 AS ${raw(d.types[to])})`
  if (numeric.has(from) && to === 'timespan') return sql`CAST(${x} AS BIGINT)`
  if (numeric.has(from) && to === 'bool') return sql`(${x} <> 0)`
  if (from === 'datetime' && numeric.has(to)) return sql`CAST(${d.epochUs(x)} * 10 AS ${raw(d.types[to])})`
  if (numeric.has(from) && to === 'datetime') return d.fromEpochUs(sql`CAST(${x} AS BIGINT) / 10`)
  return sql`CAST(${x} AS ${raw(d.types[to])})`
}
