import { BulwarkError } from '../core/errors.js'

const ISO =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

function bad(v: unknown): never {
  throw new BulwarkError(400, 'InvalidTimestamp', `not a timestamp: ${String(v).slice(0, 60)}`)
}

/**
 * Microseconds since the Unix epoch (UTC) for a bulk-load timestamp value: a Date, a number (epoch
 * milliseconds), a bigint (epoch microseconds) or an ISO-8601 string (up to 9 fractional digits, an
 * optional zone; no zone means UTC).
 */
export function epochMicros(v: unknown): number | bigint {
  if (v instanceof Date) {
    const t = v.getTime()
    if (Number.isNaN(t)) bad(v)
    return t * 1000
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) bad(v)
    return Math.round(v * 1000)
  }
  if (typeof v === 'bigint') return v
  if (typeof v === 'string') {
    const m = ISO.exec(v.trim())
    if (!m) bad(v)
    const zone = !m[4] || m[4].toUpperCase() === 'Z' ? 'Z' : m[4].length === 3 ? `${m[4]}:00` : m[4]
    const time = m[2] ? (m[2].length === 5 ? `${m[2]}:00` : m[2]) : '00:00:00'
    const ms = Date.parse(
      `${m[1]}T${time}${zone.includes(':') || zone === 'Z' ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`}`,
    )
    if (Number.isNaN(ms)) bad(v)
    const frac = (m[3] ?? '').padEnd(6, '0').slice(0, 6)
    return ms * 1000 + Number(frac)
  }
  return bad(v)
}

/** Text form of a bulk value for text/JSON columns: strings as is, objects JSON-encoded, Dates ISO. */
export function textOf(v: unknown): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v)
  if (v instanceof Date) return v.toISOString()
  return JSON.stringify(v) ?? ''
}
