/**
 * The port every module talks to storage through. Two adapters implement it: DuckDB (embedded default)
 * and PostgreSQL (scale). SQL is written once with `$1..$n` placeholders and double-quoted identifiers,
 * which both engines accept; where the dialects differ, callers branch on `db.dialect` or use the
 * helpers in `src/sql`. Values come back normalised: BIGINT as number when it is a safe integer
 * (bigint otherwise), TIMESTAMP as Date, JSON as text, lists as arrays.
 */
export type Dialect = 'duckdb' | 'postgres'

export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array | readonly string[]

export type Row = Record<string, unknown>

export interface ColumnInfo {
  name: string
  /** The engine's type name, upper-case (`VARCHAR`, `BIGINT`, `TIMESTAMP`, `text`, `int8`, …). */
  type: string
}

export interface QueryOptions {
  /** Cancel the statement when this fires (the engine really stops: DuckDB interrupt / PG cancel). */
  signal?: AbortSignal
}

export interface QueryOutput<T = Row> {
  rows: T[]
  columns: ColumnInfo[]
}

/** A bulk row source in columnar form; see `Db.bulkLoad`. */
export interface BulkBatch {
  table: string
  columns: readonly string[]
  /** One array per column, all of the same length. */
  data: readonly (readonly unknown[])[]
}

export interface Db {
  readonly dialect: Dialect
  query<T = Row>(sql: string, params?: readonly SqlValue[], opts?: QueryOptions): Promise<T[]>
  queryWithColumns<T = Row>(
    sql: string,
    params?: readonly SqlValue[],
    opts?: QueryOptions,
  ): Promise<QueryOutput<T>>
  /** Runs a statement and returns the number of rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>
  /** Runs several statements separated by semicolons, no parameters (DDL, migrations). */
  executeScript(sql: string): Promise<void>
  /** Runs `fn` in one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>
  /** Fast columnar bulk insert (DuckDB: appender/COPY; PostgreSQL: COPY). Not transactional with `transaction`. */
  bulkLoad(batch: BulkBatch): Promise<number>
  close(): Promise<void>
}
