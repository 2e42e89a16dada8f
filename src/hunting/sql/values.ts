import type { IrExpr, IrValue, KType } from '../ir/ir.js'
import { param, raw, sql, type SqlNode } from './sql-tree.js'
import type { SqlDialect } from './dialect.js'

/** `YYYY-MM-DD HH:MM:SS.ffffff` for epoch microseconds (the text both engines cast to TIMESTAMP). */
export function isoFromUs(us: number): string {
  const ms = Math.floor(us / 1000)
  const micros = us - ms * 1000
  const d = new Date(ms)
  if (Number.isNaN(d.getTime())) return '0001-01-01 00:00:00.000000'
  const iso = d.toISOString() // 2024-01-01T00:00:00.123Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${String(micros).padStart(3, '0')}`
}

export function isLiteral(e: IrExpr): e is IrExpr & { k: 'lit' } {
  return e.k === 'lit'
}

export function literalString(e: IrExpr): string | undefined {
  if (e.k !== 'lit') return undefined
  const v = e.value
  if (typeof v === 'string') return v
  if (v !== null && typeof v === 'object' && typeof v.json === 'string') return v.json
  return undefined
}

export function literalNumber(e: IrExpr): number | undefined {
  if (e.k !== 'lit') return undefined
  const v = e.value
  if (typeof v === 'number') return v
  if (typeof v === 'bigint') return Number(v)
  return undefined
}

/** Elements of a literal dynamic array (or undefined when not a literal array). */
export function literalArray(e: IrExpr): unknown[] | undefined {
  if (e.k !== 'lit') return undefined
  const v = e.value
  if (v !== null && typeof v === 'object' && Array.isArray(v.json)) return v.json as unknown[]
  return undefined
}

// PostgreSQL text cannot hold NUL characters, so strings never contain them on either engine (decoded
// base64 drops them too); NULs in literals are removed.
const NUL = /\0/g
const noNul = (_k: string, v: unknown) => (typeof v === 'string' ? v.replace(NUL, '') : v)

/** A literal as a bound parameter of its type. */
export function literalSql(value: IrValue, type: KType, d: SqlDialect): SqlNode {
  if (value === null) return sql`CAST(NULL AS ${raw(d.types[type])})`
  if (typeof value === 'object') return param(JSON.stringify(value.json, noNul), 'dynamic')
  if (type === 'datetime') return param(isoFromUs(Number(value)), 'datetime')
  return param(typeof value === 'string' ? value.replace(NUL, '') : value, type)
}

/** A JS value found inside a dynamic literal, as a parameter of the matching scalar type. */
export function jsonScalarParam(v: unknown): SqlNode {
  if (typeof v === 'string') return param(v, 'string')
  if (typeof v === 'boolean') return param(v, 'bool')
  if (typeof v === 'number') return Number.isInteger(v) ? param(v, 'long') : param(v, 'real')
  if (v === null || v === undefined) return param(null, 'string')
  return param(JSON.stringify(v), 'dynamic')
}
