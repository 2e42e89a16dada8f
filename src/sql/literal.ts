import type { SqlDialect } from '../schema/ddl.js'
import { quoteString } from './quote.js'

/** An ISO-8601 UTC instant with microseconds, as both engines parse it (`2024-01-02 03:04:05.123456`). */
export function timestampText(d: Date, micros = 0): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid Date')
  const iso = d.toISOString() // yyyy-mm-ddThh:mm:ss.mmmZ
  const us = String(d.getUTCMilliseconds() * 1000 + micros).padStart(6, '0')
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${us}`
}

/**
 * A printed SQL constant for a JS value: strings quoted, safe integers as numerals, other numbers as DOUBLE PRECISION (non-finite rejected),
 * booleans TRUE/FALSE, Date as a TIMESTAMP literal (UTC), null as NULL. Use parameters for user input
 * where the statement shape allows; literals are for constants the compiler itself chose.
 */
export function sqlLiteral(
  v: string | number | bigint | boolean | Date | null,
  _dialect: SqlDialect,
): string {
  if (v === null) return 'NULL'
  if (typeof v === 'string') return quoteString(v)
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE'
  if (typeof v === 'bigint') return v.toString()
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot print ${v} as a SQL literal`)
    return Number.isSafeInteger(v) ? String(v) : `CAST(${String(v)} AS DOUBLE PRECISION)`
  }
  return `TIMESTAMP '${timestampText(v)}'`
}
