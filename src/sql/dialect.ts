import type { SqlDialect } from '../schema/ddl.js'
import { quoteString } from './quote.js'

export type { SqlDialect }

/**
 * What differs between DuckDB and PostgreSQL, as data and tiny printers, so `odata` and `hunting` branch
 * on capabilities instead of on dialect names. Every entry is exercised against both real engines by
 * `dialect.test.ts`. Arguments are SQL expressions (already printed); results are SQL expressions.
 */
export interface DialectFeatures {
  dialect: SqlDialect
  /** `QUALIFY` clause (filter on window functions). */
  qualify: boolean
  /** `ILIKE` (both; DuckDB's is slower than `lower(x) LIKE lower(p)` on large scans, see perf notes). */
  ilike: boolean
  /** `SELECT DISTINCT ON (…)`. */
  distinctOn: boolean
  /** `count(*) FILTER (WHERE …)`. */
  aggregateFilter: boolean
  /** A native approximate distinct count; false means `approxCountDistinct` prints an exact count. */
  approxCountDistinctNative: boolean
  /** Default position of NULLs in `ORDER BY … DESC` (DuckDB: last; PostgreSQL: first). Write it explicitly. */
  nullsInDescOrder: 'first' | 'last'
  /** Integer `/` integer: DuckDB returns a double (`//` divides integers); PostgreSQL truncates. */
  integerDivision: (a: string, b: string) => string
  /** JSON type name for casts. */
  jsonType: string
  /** Text of a JSON object member (`x->>'key'`), NULL when absent. */
  jsonText: (json: string, key: string) => string
  /** JSON of a member (`x->'key'`), still JSON. */
  jsonMember: (json: string, key: string) => string
  /** Text of a JSON array element (0-based). */
  jsonIndexText: (json: string, index: number) => string
  /** Cast text to JSON. */
  toJson: (text: string) => string
  /** Case-sensitive regular-expression match (RE2 on DuckDB, POSIX ARE on PostgreSQL). */
  regexMatch: (text: string, pattern: string, caseInsensitive?: boolean) => string
  /** First match of capture group `group` (1-based), NULL when no match. */
  regexExtract: (text: string, pattern: string, group: number) => string
  /** Approximate distinct count (exact on PostgreSQL). */
  approxCountDistinct: (expr: string) => string
  /** Aggregate into a list/array value. */
  listAgg: (expr: string) => string
  /** Aggregate into a JSON array. */
  jsonArrayAgg: (expr: string) => string
  /** Microseconds since the Unix epoch of a TIMESTAMP, as BIGINT. */
  epochMicros: (ts: string) => string
  /** Floor a TIMESTAMP to a bucket of `micros` microseconds, aligned on the Unix epoch. */
  timeBucket: (ts: string, micros: number) => string
}

const duckdb: DialectFeatures = {
  dialect: 'duckdb',
  qualify: true,
  ilike: true,
  distinctOn: true,
  aggregateFilter: true,
  approxCountDistinctNative: true,
  nullsInDescOrder: 'last',
  integerDivision: (a, b) => `(${a} // ${b})`,
  jsonType: 'JSON',
  jsonText: (j, k) => `(${j} ->> ${quoteString(k)})`,
  jsonMember: (j, k) => `(${j} -> ${quoteString(k)})`,
  jsonIndexText: (j, i) => `(${j} ->> ${Math.trunc(i)})`,
  toJson: (t) => `CAST(${t} AS JSON)`,
  regexMatch: (t, p, ci) => `regexp_matches(${t}, ${p}${ci ? ", 'i'" : ''})`,
  regexExtract: (t, p, g) =>
    `CASE WHEN regexp_matches(${t}, ${p}) THEN regexp_extract(${t}, ${p}, ${Math.trunc(g)}) END`,
  approxCountDistinct: (e) => `approx_count_distinct(${e})`,
  listAgg: (e) => `list(${e})`,
  jsonArrayAgg: (e) => `to_json(list(${e}))`,
  epochMicros: (ts) => `epoch_us(${ts})`,
  timeBucket: (ts, us) => `make_timestamp((epoch_us(${ts}) // ${Math.trunc(us)}) * ${Math.trunc(us)})`,
}

const postgres: DialectFeatures = {
  dialect: 'postgres',
  qualify: false,
  ilike: true,
  distinctOn: true,
  aggregateFilter: true,
  approxCountDistinctNative: false,
  nullsInDescOrder: 'first',
  integerDivision: (a, b) => `(${a} / ${b})`,
  jsonType: 'jsonb',
  jsonText: (j, k) => `(${j} ->> ${quoteString(k)})`,
  jsonMember: (j, k) => `(${j} -> ${quoteString(k)})`,
  jsonIndexText: (j, i) => `(${j} ->> ${Math.trunc(i)})`,
  toJson: (t) => `CAST(${t} AS jsonb)`,
  regexMatch: (t, p, ci) => `(${t} ${ci ? '~*' : '~'} ${p})`,
  regexExtract: (t, p, g) => `(regexp_match(${t}, ${p}))[${Math.trunc(g)}]`,
  approxCountDistinct: (e) => `count(DISTINCT ${e})`,
  listAgg: (e) => `array_agg(${e})`,
  jsonArrayAgg: (e) => `jsonb_agg(${e})`,
  epochMicros: (ts) => `CAST(floor(extract(epoch FROM ${ts}) * 1000000) AS BIGINT)`,
  timeBucket: (ts, us) =>
    `(TIMESTAMP '1970-01-01 00:00:00' + CAST(floor(extract(epoch FROM ${ts}) * 1000000 / ${Math.trunc(us)}) * ${Math.trunc(us)} AS BIGINT) * INTERVAL '1 microsecond')`,
}

export function dialectFeatures(dialect: SqlDialect): DialectFeatures {
  return dialect === 'duckdb' ? duckdb : postgres
}
