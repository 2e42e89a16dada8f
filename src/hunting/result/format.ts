import type { KustoTypeName } from '../catalogue/catalogue-types.js'
import type { ResultColumn } from '../front-end/analyze.js'
import type { RowJsonShape } from '../sql/lowerer.js'

/** `Schema[].Type` names of the advanced hunting API (.NET type names). */
export const WIRE_TYPE_NAMES: Readonly<Record<KustoTypeName, string>> = {
  string: 'String',
  datetime: 'DateTime',
  long: 'Int64',
  int: 'Int32',
  bool: 'Boolean',
  real: 'Double',
  dynamic: 'Object',
  guid: 'Guid',
  timespan: 'TimeSpan',
  decimal: 'Decimal',
}

/** Microseconds → `[-][d.]hh:mm:ss.fffffff`. */
export function formatTimespan(us: number): string {
  const neg = us < 0
  let a = Math.abs(Math.trunc(us))
  const days = Math.floor(a / 86_400e6)
  a -= days * 86_400e6
  const h = Math.floor(a / 3_600e6)
  a -= h * 3_600e6
  const m = Math.floor(a / 60e6)
  a -= m * 60e6
  const s = Math.floor(a / 1e6)
  const f = a - s * 1e6
  const p2 = (n: number) => String(n).padStart(2, '0')
  return `${neg ? '-' : ''}${days ? `${days}.` : ''}${p2(h)}:${p2(m)}:${p2(s)}${f ? `.${String(f).padStart(6, '0')}0` : ''}`
}

/**
 * Property bags with their keys in ordinal order, recursively: DuckDB keeps the JSON text's key order,
 * PostgreSQL's jsonb reorders keys, so the response fixes one canonical order for both engines.
 */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v === null || typeof v !== 'object') return v
  const o = v as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = sortKeys(o[k])
  return out
}

/** One SQL value (from the c0..cn columns) → its JSON wire value. */
export function wireValue(v: unknown, type: KustoTypeName): unknown {
  if (v === null || v === undefined) return type === 'string' || type === 'guid' ? '' : null
  switch (type) {
    case 'datetime': {
      const s = v instanceof Date ? v.toISOString().replace('Z', '000Z') : (v as string)
      // engines give 6 fractional digits; Kusto shows 7
      return /\.\d{6}Z$/.test(s) ? s.replace(/Z$/, '0Z') : s
    }
    case 'dynamic':
      try {
        return sortKeys(typeof v === 'string' ? (JSON.parse(v) as unknown) : v)
      } catch {
        return v
      }
    case 'long':
    case 'int':
    case 'real':
    case 'decimal': {
      const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(v)
      return Number.isFinite(n) ? n : String(n)
    }
    case 'timespan':
      return formatTimespan(Number(v))
    case 'bool':
      return typeof v === 'boolean' ? v : v === 1 || v === 't' || v === 'true'
    case 'string':
    case 'guid':
      return typeof v === 'string' ? v : JSON.stringify(v)
  }
}

type Converter = (v: unknown) => unknown

const stringValue: Converter = (v) =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v)

/** Engines print datetimes with 6 fractional digits (`…:SS.ffffffZ`); Kusto shows 7. */
const datetimeValue: Converter = (v) => {
  if (typeof v === 'string' && v.length > 8 && v.charCodeAt(v.length - 8) === 46 && v.endsWith('Z'))
    return `${v.slice(0, -1)}0Z`
  return wireValue(v, 'datetime')
}

const numberValue: Converter = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : wireValue(v, 'long'))

/** A converter per column type, with fast paths for the common value shapes. */
function converterFor(type: KustoTypeName): Converter {
  switch (type) {
    case 'string':
    case 'guid':
      return stringValue
    case 'datetime':
      return datetimeValue
    case 'long':
    case 'int':
    case 'real':
    case 'decimal':
      return numberValue
    case 'bool':
    case 'dynamic':
    case 'timespan':
      return (v) => wireValue(v, type)
  }
}

type RowBuilder = (src: Record<string, unknown>, convert: readonly Converter[]) => Record<string, unknown>

const builders = new Map<string, RowBuilder>()
const MAX_BUILDERS = 256

/**
 * A row constructor for one result schema: an object literal with the column names as constant keys,
 * so V8 gives every row the same fast shape (JSON.stringify of such rows is ~3x faster than of objects
 * filled key by key, which turn into dictionaries at 66 columns). Names are JSON-encoded, so they are
 * string literals whatever they contain; `__proto__` is written as a computed key, which makes an own
 * property. Cached per schema.
 */
function rowBuilder(schema: readonly ResultColumn[]): RowBuilder {
  const key = schema.map((c) => `${c.name}\u0000${c.type}`).join('\u0001')
  let b = builders.get(key)
  if (b) return b
  const fields = schema.map((c, i) => {
    const k = JSON.stringify(c.name)
    const name = c.name === '__proto__' ? `[${k}]` : k
    const v = `s.c${i}`
    return c.type === 'string' || c.type === 'guid'
      ? `${name}: typeof ${v} === 'string' ? ${v} : cv[${i}](${v})`
      : `${name}: cv[${i}](${v})`
  })
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from JSON-encoded names only
  b = new Function('s', 'cv', `return {${fields.join(', ')}}`) as RowBuilder
  if (builders.size >= MAX_BUILDERS) builders.delete(builders.keys().next().value!)
  builders.set(key, b)
  return b
}

/** Turns result rows keyed c0..cn into objects keyed by the KQL column names, in schema order. */
export function formatRows(
  rows: readonly Record<string, unknown>[],
  schema: readonly ResultColumn[],
): Record<string, unknown>[] {
  const build = rowBuilder(schema)
  const convert = schema.map((c) => converterFor(c.type))
  const out = new Array<Record<string, unknown>>(rows.length)
  for (let r = 0; r < rows.length; r++) out[r] = build(rows[r]!, convert)
  return out
}

/**
 * The JSON text of a `Results` array in pieces, so a large result is never copied into one string on the
 * way to the socket: `[` + `parts.join(',')` + `]` (parts are row texts or runs of rows); `length` is the
 * length of that text.
 */
export interface JsonArrayText {
  parts: string[]
  length: number
}

/** The text of a `JsonArrayText` as one string. */
export function joinJsonArray(t: JsonArrayText): string {
  return `[${t.parts.join(',')}]`
}

/**
 * The `Results` array from rows whose JSON the database wrote (`Lowerer.finish` with the 'sql' encoder):
 * each row is its segments j0..jk with the JSON of `wireValue` spliced in for the columns listed in
 * `shape.encoded`. Null when the text would exceed `limit` characters (stops at that row).
 */
export function rowsJson(
  rows: readonly Record<string, unknown>[],
  shape: RowJsonShape,
  limit: number,
): JsonArrayText | null {
  const enc = shape.encoded
  const valueKeys = enc.map((e) => `c${e.column}`)
  const segmentKeys = enc.map((_, k) => `j${k + 1}`)
  const parts = new Array<string>(rows.length)
  let length = rows.length ? rows.length + 1 : 2
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    let s = row.j0 as string
    for (let k = 0; k < enc.length; k++)
      s += JSON.stringify(wireValue(row[valueKeys[k]!], enc[k]!.type)) + (row[segmentKeys[k]!] as string)
    length += s.length
    if (length > limit) return null
    parts[r] = s
  }
  return { parts, length }
}
