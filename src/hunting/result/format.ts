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
 * way to the socket: `[` + the parts joined by `,` + `]` (parts are row texts, runs of rows, or UTF-8
 * chunks of runs of rows); `length` is the size of that text in UTF-8 bytes (what the size limit and
 * `Stats` count), `bytes` the UTF-8 size of each part where the producer measured it (the response
 * writer reuses it instead of measuring again).
 */
export interface JsonArrayText {
  parts: (string | Buffer)[]
  length: number
  bytes?: number[]
}

/** The text of a `JsonArrayText` as one string. */
export function joinJsonArray(t: JsonArrayText): string {
  return `[${t.parts.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join(',')}]`
}

/**
 * The `Results` array from rows whose JSON the database wrote (`Lowerer.finish` with the 'sql' encoder):
 * each row is its segments j0..jk with the JSON of `wireValue` spliced in for the columns listed in
 * `shape.encoded`. Null when the text would exceed `limit` UTF-8 bytes (stops at that row).
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
  const bytes = new Array<number>(rows.length)
  let length = rows.length ? rows.length + 1 : 2
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    let s = row.j0 as string
    for (let k = 0; k < enc.length; k++)
      s += JSON.stringify(wireValue(row[valueKeys[k]!], enc[k]!.type)) + (row[segmentKeys[k]!] as string)
    length += bytes[r] = Buffer.byteLength(s)
    if (length > limit) return null
    parts[r] = s
  }
  return { parts, length, bytes }
}

/** One value's JSON from its PostgreSQL text output (null for SQL NULL); see `TextRowsWriter`. */
type TextEncoder = (v: string | null) => string

const PG_TIMESTAMP = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?: BC)?$/

/**
 * `timestamp` text (`YYYY-MM-DD HH:MI:SS[.f…]`, DateStyle ISO) → `"YYYY-MM-DDTHH:MI:SS.fffffffZ"`, the
 * text the 'js' and 'sql' encoders send (`to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` plus Kusto's
 * seventh digit): always seven fractional digits; infinities, which to_char prints as NULL, as null.
 */
const datetimeText: TextEncoder = (v) => {
  if (v === null) return 'null'
  const m = PG_TIMESTAMP.exec(v)
  if (m) return `"${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(6, '0')}0Z"`
  if (v === 'infinity' || v === '-infinity') return 'null'
  return JSON.stringify(wireValue(v, 'datetime'))
}

const stringText: TextEncoder = (v) => (v === null ? '""' : JSON.stringify(v))

/** Integers print as JSON numbers; beyond 15 digits through a double, as `wireValue` does. */
const integerText: TextEncoder = (v) =>
  v === null ? 'null' : v.length <= 15 ? v : JSON.stringify(wireValue(Number(v), 'long'))

const numberText: TextEncoder = (v) => (v === null ? 'null' : JSON.stringify(wireValue(Number(v), 'real')))

const boolText: TextEncoder = (v) => (v === null ? 'null' : v === 't' ? 'true' : 'false')

function textEncoderFor(type: KustoTypeName): TextEncoder {
  switch (type) {
    case 'string':
    case 'guid':
      return stringText
    case 'datetime':
      return datetimeText
    case 'long':
    case 'int':
      return integerText
    case 'real':
    case 'decimal':
      return numberText
    case 'bool':
      return boolText
    case 'timespan':
      return (v) => JSON.stringify(wireValue(v === null ? null : Number(v), 'timespan'))
    case 'dynamic':
      return (v) => JSON.stringify(wireValue(v, 'dynamic'))
  }
}

/** Thrown by `TextRowsWriter.row` when the text would pass the size limit. */
export class ResultTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`The result exceeds the size limit of ${limit} bytes`)
  }
}

const CHUNK_BYTES = 1 << 20

/**
 * The `Results` array written from rows whose values arrive as text (the 'text' encoder,
 * `Db.streamText`): each row's JSON object (keys in schema order, values exactly as the 'js' and 'sql'
 * encoders write them) goes straight into UTF-8 chunks of about 1 MiB as it arrives, so the work
 * overlaps with the database producing the next rows and no row objects or row strings are kept. The
 * parts of the result are the chunks (each a run of whole rows joined by commas). `row` throws
 * `ResultTooLarge` when the text would exceed `limit` bytes.
 */
export class TextRowsWriter {
  readonly #keys: string[]
  readonly #encoders: TextEncoder[]
  readonly #limit: number
  readonly #parts: Buffer[] = []
  #chunk = Buffer.allocUnsafe(0)
  #at = 0
  #length = 2
  #rows = 0

  constructor(schema: readonly ResultColumn[], limit: number) {
    this.#keys = schema.map((c, i) => `${i ? ',' : '{'}${JSON.stringify(c.name)}:`)
    this.#encoders = schema.map((c) => textEncoderFor(c.type))
    this.#limit = limit
  }

  row(values: readonly (string | null)[]): void {
    const keys = this.#keys
    const enc = this.#encoders
    let s = keys.length ? '' : '{'
    for (let i = 0; i < keys.length; i++) s += keys[i]! + enc[i]!(values[i] ?? null)
    s += '}'
    const sep = this.#rows ? 1 : 0
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.#chunk.length - this.#at < s.length * 3 + 1) this.#next(s.length * 3 + 1)
    if (this.#at > 0) this.#chunk[this.#at++] = 0x2c // ,
    const bytes = this.#chunk.write(s, this.#at)
    this.#length += bytes + sep
    if (this.#length > this.#limit) throw new ResultTooLarge(this.#limit)
    this.#at += bytes
    this.#rows++
  }

  #next(need: number): void {
    if (this.#at > 0) this.#parts.push(this.#chunk.subarray(0, this.#at))
    this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need))
    this.#at = 0
  }

  /** The rows written so far as the parts of the `Results` array. */
  finish(): JsonArrayText {
    if (this.#at > 0) this.#parts.push(this.#chunk.subarray(0, this.#at))
    this.#chunk = Buffer.allocUnsafe(0)
    this.#at = 0
    return { parts: this.#parts, length: this.#length, bytes: this.#parts.map((p) => p.length) }
  }
}
