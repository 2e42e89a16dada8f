import type { KType } from '../ir/ir.js'
import { KqlCompileError } from '../diagnostics.js'
import { re2RewriteToPg, re2ToPg } from './regex.js'
import { ident, list, param, raw, seq, sql, type SqlNode } from './sql-tree.js'

/**
 * Everything that differs between DuckDB and PostgreSQL, as capability flags and small templates.
 * Lowering code never branches on the engine name; it asks the dialect.
 */
export interface SqlDialect {
  name: 'duckdb' | 'postgres'
  /** SQL type names for each KQL type. */
  types: Readonly<Record<KType, string>>
  /** Supports `QUALIFY`. */
  qualify: boolean
  /**
   * One row per group as `SELECT DISTINCT ON (keys) … ORDER BY keys, …` (arg_max/arg_min by keys).
   * PostgreSQL: faster than filtering a row_number() window (measured 1M rows: ~0.7x the time) and what a
   * DBA writes. DuckDB: QUALIFY row_number() = 1, which matches its hand-written form.
   */
  distinctOn: boolean
  /**
   * `summarize arg_max/arg_min(v, …) by k` straight over a table with a (TenantId, k, v) btree is lowered
   * as a loose index scan (operators/arg-pick-loose.ts): a recursive walk over the distinct keys, one
   * index probe per key. PostgreSQL has no skip scan of its own; DuckDB has no such indexes.
   */
  looseIndexScan: boolean
  /**
   * The system column naming a stored row's physical location (PostgreSQL `ctid`), or ''. The one-descent
   * loose walk (arg-pick-loose.ts) carries it instead of the picked row's values and fetches each picked
   * row by it once at the end (a TID scan), so the recursion copies two narrow columns per step.
   */
  rowId: string
  /** String comparison collation to force ordinal (byte) ordering in ORDER BY, or ''. */
  ordinalCollation: string
  /** Typed placeholder text for parameter n. */
  placeholder(n: number, type: KType): string
  epochUs(x: SqlNode): SqlNode
  fromEpochUs(x: SqlNode): SqlNode
  /** datetime `x` plus `us` microseconds (a bigint: KQL timespans are microseconds in SQL). */
  addMicros(x: SqlNode, us: SqlNode): SqlNode
  /** `x` (JSON) at a JSON path given as a list of keys/indices (parameters). */
  jsonPath(x: SqlNode, path: SqlNode, kind: 'json' | 'text'): SqlNode
  /** Path parameter value for `jsonPath`. */
  jsonPathParam(steps: readonly (string | number)[]): string
  jsonIndex(x: SqlNode, i: SqlNode): SqlNode
  /** JSON value → text (strings unquoted, other values as JSON text). */
  jsonToText(x: SqlNode): SqlNode
  /** JSON type name, normalised to lower-case: array, object, string, number, boolean, null. */
  jsonType(x: SqlNode): SqlNode
  jsonArrayLength(x: SqlNode): SqlNode
  /** The first `n` elements of a JSON array. */
  jsonArrayHead(x: SqlNode, n: SqlNode): SqlNode
  /** Text → JSON; text that is not valid JSON becomes a JSON string (KQL parse_json). */
  parseJson(x: SqlNode): SqlNode
  /** Any SQL scalar → JSON value. */
  toJson(x: SqlNode): SqlNode
  jsonBuildArray(items: SqlNode[]): SqlNode
  jsonBuildObject(pairs: SqlNode[]): SqlNode
  /**
   * Aggregate the non-null values of `x` into a JSON array, optionally DISTINCT. `order`: 'value' sorts
   * by the value itself (ordinal for text), a node orders by that expression, null leaves the order to
   * the engine.
   */
  jsonAgg(x: SqlNode, distinct: boolean, filter: SqlNode | null, order: JsonAggOrder): SqlNode
  /** Table function rows `(idx, v)` for the elements of a JSON array (objects/scalars normalised by caller). */
  jsonElements(x: SqlNode): SqlNode
  regexMatch(x: SqlNode, re: SqlNode): SqlNode
  /** Text of capture group `group` (0 = whole match) or NULL. */
  regexExtract(x: SqlNode, re: SqlNode, group: number): SqlNode
  regexReplace(x: SqlNode, re: SqlNode, rewrite: SqlNode): SqlNode
  contains(hay: SqlNode, needle: SqlNode): SqlNode
  startsWith(hay: SqlNode, needle: SqlNode): SqlNode
  endsWith(hay: SqlNode, needle: SqlNode): SqlNode
  /**
   * Substring / prefix / suffix test against a constant needle known at compile time. PostgreSQL: a LIKE
   * pattern, whose selectivity its planner can estimate (strpos gets a flat 1/3, which with the row
   * limit turned a parallel scan into a serial one); DuckDB: the same as with a non-constant needle.
   */
  matchText(hay: SqlNode, needle: string, where: 'contains' | 'prefix' | 'suffix'): SqlNode
  tryCast(x: SqlNode, to: KType): SqlNode
  /** Split into a JSON array of strings on a literal delimiter. */
  split(x: SqlNode, delim: SqlNode): SqlNode
  /** Datetime → text `yyyy-MM-ddTHH:mm:ss.ffffffZ` (6 digits; the formatter adds the 7th). */
  formatDatetime(x: SqlNode): SqlNode
  /**
   * The JSON text of a result column's wire value (never NULL), for the types the engine prints exactly as
   * the JS formatter does (`wireValue`): strings and guids (NULL → `""`), long/int, real/decimal
   * (non-finite → `"NaN"`/`"Infinity"`/`"-Infinity"`, −0 → 0), bool, datetime (7 fractional digits); NULL
   * → `null` otherwise. `x` is a column reference (it may be printed more than once).
   */
  jsonText(x: SqlNode, t: KType): SqlNode
  /** Concatenation of non-NULL text parts in one pass (no per-pair copies, no argument-count limit). */
  concatText(parts: readonly SqlNode[]): SqlNode
  /**
   * A row's whole JSON object (`{"Name":value,…}`, fields in order, keys and values exactly as `jsonText`
   * and `JSON.stringify` of the name write them) as one text expression, or null when this engine cannot
   * write these fields in one call (then `Lowerer.rowJson` joins `jsonText` parts with `concatText`).
   * DuckDB: `to_json(struct_pack(…))`, one function instead of a concat of 2n parts (66 columns: ~1.4 ms
   * less binding and planning per statement); struct keys are identifiers (case-insensitive, never empty,
   * control characters escaped with upper-case hex), so such names fall back. `fields` have SQL_JSON types.
   */
  rowObject?(fields: readonly RowField[]): SqlNode | null
  /** Base64 → UTF-8 text with NUL characters removed (PostgreSQL text cannot hold them); NULL if invalid. */
  base64Decode(x: SqlNode): SqlNode
  /** 64-bit hash of text (md5-based; identical on both engines). */
  hash(x: SqlNode): SqlNode
  bytesLength(x: SqlNode): SqlNode
  /** Integer division flooring toward −∞ of two bigints. */
  floorDiv(a: SqlNode, b: SqlNode): SqlNode
  /** CTE materialization hint. */
  materialized: string
  /** CTE marker that makes the engine inline a CTE into every reference (filters pushed into each). */
  notMaterialized: string
  /** `AS` table function with column names, e.g. for unnest of a JSON array. */
  rangeRows(n: SqlNode, alias: string, col: string): SqlNode
}

/** One field of `SqlDialect.rowObject`: the KQL column name, the column reference, its type. */
export interface RowField {
  name: string
  x: SqlNode
  type: KType
}

export type JsonAggOrder = { by: 'value'; text: boolean } | { by: SqlNode } | null

const duckTypes: Record<KType, string> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  int: 'INTEGER',
  real: 'DOUBLE',
  bool: 'BOOLEAN',
  datetime: 'TIMESTAMP',
  timespan: 'BIGINT',
  dynamic: 'JSON',
  guid: 'VARCHAR',
  decimal: 'DOUBLE',
}

const pgTypes: Record<KType, string> = {
  string: 'text',
  long: 'bigint',
  int: 'integer',
  real: 'double precision',
  bool: 'boolean',
  datetime: 'timestamp',
  timespan: 'bigint',
  dynamic: 'jsonb',
  guid: 'text',
  decimal: 'double precision',
}

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  types: duckTypes,
  qualify: true,
  distinctOn: false,
  looseIndexScan: false,
  rowId: '',
  ordinalCollation: '',
  placeholder: (n, type) => `CAST($${n} AS ${duckTypes[type]})`,
  epochUs: (x) => sql`epoch_us(${x})`,
  fromEpochUs: (x) => sql`make_timestamp(CAST(${x} AS BIGINT))`,
  addMicros: (x, us) => sql`make_timestamp(CAST(epoch_us(${x}) + ${us} AS BIGINT))`,
  jsonPath: (x, path, kind) =>
    kind === 'json' ? sql`json_extract(${x}, ${path})` : sql`json_extract_string(${x}, ${path})`,
  jsonPathParam: (steps) =>
    '$' +
    steps
      .map((s) =>
        typeof s === 'number' ? (s < 0 ? `[#${s}]` : `[${s}]`) : `."${s.replace(/["\\]/g, (c) => '\\' + c)}"`,
      )
      .join(''),
  jsonIndex: (x, i) =>
    sql`json_extract(${x}, CASE WHEN ${i} < 0 THEN '$[#' || CAST(${i} AS VARCHAR) || ']' ELSE '$[' || CAST(${i} AS VARCHAR) || ']' END)`,
  jsonToText: (x) => sql`json_extract_string(${x}, '$')`,
  jsonType: (x) =>
    sql`CASE json_type(${x}) WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'object' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'boolean' WHEN 'NULL' THEN 'null' WHEN 'BIGINT' THEN 'number' WHEN 'UBIGINT' THEN 'number' WHEN 'DOUBLE' THEN 'number' END`,
  jsonArrayLength: (x) =>
    sql`CASE WHEN json_type(${x}) = 'ARRAY' THEN CAST(json_array_length(${x}) AS BIGINT) END`,
  jsonArrayHead: (x, n) => sql`to_json(list_slice(CAST(${x} AS JSON[]), 1, ${n}))`,
  parseJson: (x) => sql`coalesce(TRY_CAST(${x} AS JSON), to_json(${x}))`,
  toJson: (x) => sql`to_json(${x})`,
  jsonBuildArray: (items) => seq(raw('json_array('), ...joinNodes(items), raw(')')),
  jsonBuildObject: (pairs) => seq(raw('json_object('), ...joinNodes(pairs), raw(')')),
  jsonAgg: (x, distinct, filter, order) => {
    const f = filter ? sql` AND (${filter})` : raw('')
    const where = sql`FILTER (WHERE ${x} IS NOT NULL${f})`
    const empty = raw(`CAST('[]' AS JSON)`)
    if (distinct)
      return order && order.by === 'value'
        ? sql`coalesce(to_json(list_sort(list_distinct(list(${x}) ${where}))), ${empty})`
        : sql`coalesce(to_json(list_distinct(list(to_json(${x})) ${where})), ${empty})`
    const ob = !order ? raw('') : order.by === 'value' ? sql` ORDER BY ${x}` : sql` ORDER BY ${order.by}`
    return sql`coalesce(to_json(list(to_json(${x})${ob}) ${where}), ${empty})`
  },
  jsonElements: (x) => sql`(SELECT CAST(je.key AS BIGINT) AS idx, je.value AS v FROM json_each(${x}) je)`,
  regexMatch: (x, re) => sql`regexp_matches(${x}, ${re})`,
  regexExtract: (x, re, group) =>
    sql`CASE WHEN regexp_matches(${x}, ${re}) THEN regexp_extract(${x}, ${re}, ${raw(String(group))}) END`,
  regexReplace: (x, re, rw) => sql`regexp_replace(${x}, ${re}, ${rw}, 'g')`,
  contains: (h, n) => sql`contains(${h}, ${n})`,
  startsWith: (h, n) => sql`starts_with(${h}, ${n})`,
  endsWith: (h, n) => sql`suffix(${h}, ${n})`,
  matchText: (h, n, where) => {
    const p = param(n, 'string')
    if (where === 'contains') return sql`contains(${h}, ${p})`
    return where === 'prefix' ? sql`starts_with(${h}, ${p})` : sql`suffix(${h}, ${p})`
  },
  tryCast: (x, to) => sql`TRY_CAST(${x} AS ${raw(duckTypes[to])})`,
  split: (x, d) => sql`to_json(string_split(${x}, ${d}))`,
  formatDatetime: (x) => sql`strftime(${x}, '%Y-%m-%dT%H:%M:%S.%fZ')`,
  jsonText: (x, t) => {
    switch (t) {
      case 'string':
      case 'guid':
        return sql`CAST(to_json(CAST(coalesce(${x}, '') AS VARCHAR)) AS VARCHAR)`
      case 'datetime':
        // %f is always 6 digits; the wire form has 7 (as `datetimeValue` appends)
        return sql`coalesce('"' || strftime(${x}, '%Y-%m-%dT%H:%M:%S.%f0Z') || '"', 'null')`
      case 'real':
      case 'decimal':
        // to_json prints NaN/Infinity unquoted and −0 as -0.0; adding 0.0 turns −0 into 0
        return sql`CASE WHEN isfinite(${x}) THEN CAST(to_json(CAST(${x} AS DOUBLE) + 0.0) AS VARCHAR) WHEN isnan(${x}) THEN '"NaN"' WHEN ${x} > 0 THEN '"Infinity"' WHEN ${x} < 0 THEN '"-Infinity"' ELSE 'null' END`
      case 'long':
      case 'int':
      case 'bool':
        return sql`coalesce(CAST(to_json(${x}) AS VARCHAR), 'null')`
      case 'timespan':
      case 'dynamic':
        return jsEncoded(t)
    }
  },
  // `a || b || …` copies the growing prefix once per operator (132 parts of a wide row: ~30x slower)
  concatText: (parts) =>
    parts.length === 1 ? parts[0]! : seq(raw('concat('), ...joinNodes(parts), raw(')')),
  rowObject: (fields) => {
    if (!fields.length || !distinctStructKeys(fields)) return null
    const items = fields.map((f) => sql`${ident(f.name)} := ${duckStructValue(f.x, f.type)}`)
    return sql`CAST(to_json(struct_pack(${list(items)})) AS VARCHAR)`
  },
  base64Decode: (x) => sql`TRY(replace(decode(from_base64(${x})), chr(0), ''))`,
  hash: (x) => sql`CAST(('0x' || left(md5(${x}), 15)) AS BIGINT)`,
  bytesLength: (x) => sql`CAST(octet_length(encode(${x})) AS BIGINT)`,
  floorDiv: (a, b) => sql`CAST(floor(CAST(${a} AS DOUBLE) / ${b}) AS BIGINT)`,
  materialized: 'MATERIALIZED ',
  notMaterialized: 'NOT MATERIALIZED ',
  rangeRows: (n, alias, col) => sql`range(0, ${n}) AS ${raw(alias)}(${raw(col)})`,
}

export const postgresDialect: SqlDialect = {
  name: 'postgres',
  types: pgTypes,
  qualify: false,
  distinctOn: true,
  looseIndexScan: true,
  rowId: 'ctid',
  ordinalCollation: ' COLLATE "C"',
  placeholder: (n, type) => `$${n}::${pgTypes[type]}`,
  epochUs: (x) => sql`(floor(extract(epoch from ${x}) * 1000000))::bigint`,
  fromEpochUs: (x) => sql`(timestamp '1970-01-01' + (${x}) * interval '1 microsecond')`,
  // Not through epochUs: `extract(epoch …)` is numeric arithmetic, several times the cost per row.
  addMicros: (x, us) => sql`(${x} + (${us}) * interval '1 microsecond')`,
  jsonPath: (x, path, kind) =>
    kind === 'json' ? sql`(${x} #> (${path})::text[])` : sql`(${x} #>> (${path})::text[])`,
  jsonPathParam: (steps) =>
    '{' + steps.map((s) => `"${String(s).replace(/["\\]/g, (c) => '\\' + c)}"`).join(',') + '}',
  jsonIndex: (x, i) => sql`(${x} -> (${i})::int)`,
  jsonToText: (x) => sql`(${x} #>> '{}')`,
  jsonType: (x) => sql`jsonb_typeof(${x})`,
  jsonArrayLength: (x) =>
    sql`CASE WHEN jsonb_typeof(${x}) = 'array' THEN jsonb_array_length(${x})::bigint END`,
  jsonArrayHead: (x, n) =>
    sql`(SELECT coalesce(jsonb_agg(h.e ORDER BY h.o), '[]'::jsonb) FROM jsonb_array_elements(${x}) WITH ORDINALITY AS h(e, o) WHERE h.o <= ${n})`,
  parseJson: (x) => sql`bulwark_parse_json(${x})`,
  toJson: (x) => sql`to_jsonb(${x})`,
  jsonBuildArray: (items) => seq(raw('jsonb_build_array('), ...joinNodes(items), raw(')')),
  jsonBuildObject: (pairs) => seq(raw('jsonb_build_object('), ...joinNodes(pairs), raw(')')),
  jsonAgg: (x, distinct, filter, order) => {
    const f = filter ? sql` AND (${filter})` : raw('')
    const where = sql`FILTER (WHERE ${x} IS NOT NULL${f})`
    const v = order && order.by === 'value' && order.text ? sql`${x} COLLATE "C"` : x
    const uv = order && order.by === 'value' && order.text ? raw('u.v COLLATE "C"') : raw('u.v')
    if (distinct)
      return order && order.by === 'value'
        ? sql`coalesce((SELECT to_jsonb(array_agg(${uv} ORDER BY ${uv})) FROM unnest(array_agg(DISTINCT ${x}) ${where}) AS u(v)), '[]'::jsonb)`
        : sql`coalesce(jsonb_agg(DISTINCT to_jsonb(${x})) ${where}, '[]'::jsonb)`
    const ob = !order ? raw('') : order.by === 'value' ? sql` ORDER BY ${v}` : sql` ORDER BY ${order.by}`
    return sql`coalesce(jsonb_agg(to_jsonb(${x})${ob}) ${where}, '[]'::jsonb)`
  },
  jsonElements: (x) =>
    sql`(SELECT (je.ord - 1)::bigint AS idx, je.v AS v FROM jsonb_array_elements(${x}) WITH ORDINALITY AS je(v, ord))`,
  regexMatch: (x, re) => sql`(${x} ~ (${pgRegex(re, false)}))`,
  regexExtract: (x, re, group) => sql`(regexp_match(${x}, ${pgRegex(re, true)}))[${raw(String(group + 1))}]`,
  regexReplace: (x, re, rw) =>
    sql`regexp_replace(${x}, ${pgRegex(re, false)}, ${rw.t === 'param' && typeof rw.value === 'string' ? param(re2RewriteToPg(rw.value), 'string') : rw}, 'g')`,
  contains: (h, n) => sql`(strpos(${h}, ${n}) > 0)`,
  startsWith: (h, n) => sql`starts_with(${h}, ${n})`,
  endsWith: (h, n) => sql`(right(${h}, length(${n})) = ${n})`,
  matchText: (h, n, where) => {
    // LIKE's default escape character is the backslash; escape it and the two wildcards.
    const lit = n.replace(/[\\%_]/g, (c) => `\\${c}`)
    const pattern = where === 'contains' ? `%${lit}%` : where === 'prefix' ? `${lit}%` : `%${lit}`
    return sql`(${h} LIKE ${param(pattern, 'string')})`
  },
  tryCast: (x, to) =>
    sql`bulwark_try_${raw(to === 'int' ? 'int' : to === 'long' || to === 'timespan' ? 'bigint' : to === 'real' || to === 'decimal' ? 'double' : to === 'datetime' ? 'timestamp' : to === 'bool' ? 'bool' : 'text')}(${x})`,
  split: (x, d) => sql`to_jsonb(string_to_array(${x}, ${d}))`,
  formatDatetime: (x) => sql`to_char(${x}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  jsonText: (x, t) => {
    switch (t) {
      case 'string':
      case 'guid':
        return sql`to_json(coalesce(${x}, '')::text)::text`
      case 'datetime':
        return sql`coalesce('"' || to_char(${x}, 'YYYY-MM-DD"T"HH24:MI:SS.US"0Z"') || '"', 'null')`
      case 'real':
      case 'decimal':
        // to_json quotes NaN and ±Infinity already; adding 0.0 turns −0 into 0
        return sql`coalesce(to_json((${x})::double precision + 0.0)::text, 'null')`
      case 'long':
      case 'int':
      case 'bool':
        return sql`coalesce(to_json(${x})::text, 'null')`
      case 'timespan':
      case 'dynamic':
        return jsEncoded(t)
    }
  },
  // concat() takes at most 100 arguments and `||` copies the growing prefix per operator; an ARRAY has no
  // limit and array_to_string joins it in one pass
  concatText: (parts) =>
    parts.length === 1 ? parts[0]! : seq(raw('array_to_string(ARRAY['), ...joinNodes(parts), raw("], '')")),
  base64Decode: (x) => sql`bulwark_base64_decode(${x})`,
  hash: (x) => sql`('x' || lpad(left(md5(${x}), 15), 16, '0'))::bit(64)::bigint`,
  bytesLength: (x) => sql`octet_length(${x})::bigint`,
  floorDiv: (a, b) => sql`floor((${a})::numeric / (${b}))::bigint`,
  materialized: 'MATERIALIZED ',
  notMaterialized: 'NOT MATERIALIZED ',
  rangeRows: (n, alias, col) => sql`generate_series(0, (${n}) - 1) AS ${raw(alias)}(${raw(col)})`,
}

/**
 * A KQL (RE2) pattern for PostgreSQL: constant patterns are translated to an equivalent ARE (see
 * regex.ts); `wrap` adds a group around the whole pattern (so group 0 is capture 1). Patterns computed
 * at run time are passed through as is.
 */
export function pgRegex(re: SqlNode, wrap: boolean): SqlNode {
  if (re.t === 'param' && typeof re.value === 'string') {
    const t = re2ToPg(re.value)
    if (!t.ok)
      throw new KqlCompileError(
        'kql-unsupported',
        `The regular expression ${JSON.stringify(re.value.slice(0, 60))} uses ${t.reason}, which is not supported on PostgreSQL`,
        undefined,
      )
    return param(wrap ? `${t.flags}(${t.body})` : t.flags + t.body, 'string')
  }
  return wrap ? sql`'(' || ${re} || ')'` : re
}

/**
 * Whether DuckDB writes these names as struct keys exactly as `JSON.stringify` does: not empty (no empty
 * identifiers), no control characters (DuckDB writes `\u001F` where JS writes `\u001f`; NUL ends an
 * identifier), distinct case-insensitively (struct keys are; JS lower-casing folds at least every pair
 * DuckDB's ASCII folding does).
 */
function distinctStructKeys(fields: readonly RowField[]): boolean {
  const seen = new Set<string>()
  for (const f of fields) {
    // eslint-disable-next-line no-control-regex
    if (!f.name || /[\u0000-\u001f]/.test(f.name)) return false
    const k = f.name.toLowerCase()
    if (seen.has(k)) return false
    seen.add(k)
  }
  return true
}

/**
 * A struct field's value for `to_json(struct_pack(…))`, printing what `jsonText` prints: NULL strings as
 * `""`, datetimes as 7-digit text (NULL → null), numbers and bools as they are (NULL → null), reals as
 * JSON (NaN/±Infinity as strings, −0 as 0; a JSON-typed field is embedded unquoted).
 */
function duckStructValue(x: SqlNode, t: KType): SqlNode {
  switch (t) {
    case 'string':
    case 'guid':
      return sql`CAST(coalesce(${x}, '') AS VARCHAR)`
    case 'datetime':
      return sql`strftime(${x}, '%Y-%m-%dT%H:%M:%S.%f0Z')`
    case 'real':
    case 'decimal':
      return sql`CASE WHEN isfinite(${x}) THEN CAST(CAST(${x} AS DOUBLE) + 0.0 AS JSON) WHEN isnan(${x}) THEN '"NaN"' WHEN ${x} > 0 THEN '"Infinity"' WHEN ${x} < 0 THEN '"-Infinity"' END`
    case 'long':
    case 'int':
    case 'bool':
      return x
    case 'timespan':
    case 'dynamic':
      return jsEncoded(t)
  }
}

/** Timespans and bags are written by the JS formatter (`Lowerer.rowJson` never asks the dialect). */
function jsEncoded(t: KType): never {
  throw new KqlCompileError('kql-internal', `${t} values are written to JSON by the formatter`, undefined)
}

function joinNodes(items: readonly SqlNode[]): SqlNode[] {
  const out: SqlNode[] = []
  items.forEach((n, i) => {
    if (i > 0) out.push(raw(', '))
    out.push(n)
  })
  return out
}

export function dialectFor(name: 'duckdb' | 'postgres'): SqlDialect {
  return name === 'duckdb' ? duckdbDialect : postgresDialect
}
