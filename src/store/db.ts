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
  /**
   * The caller states every row order it needs with ORDER BY, so rows outside an ORDER BY may come in
   * any order. DuckDB then runs the statement with `preserve_insertion_order` off for its connection:
   * a LIMIT over a filtered scan and the result collection run on all threads (with it on, a LIMIT
   * above 10,000 rows over a scan is single-threaded). ORDER BY results keep their order either way.
   * PostgreSQL ignores it.
   */
  unordered?: boolean
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

export interface BulkWriterOptions {
  /**
   * Rows per commit. DuckDB: the writer's own transaction commits every `flushRows` rows (default
   * 250,000) and at `close()`; PostgreSQL: every segment (about 8 MiB of COPY data, or `flushRows`
   * rows if fewer) is one COPY committed on its own. `Infinity` makes the whole load one transaction
   * committed at `close()` (PostgreSQL then holds one pooled connection until close/abort).
   */
  flushRows?: number
}

/**
 * A streaming bulk load into one table: `write` columnar batches (same column order as given to
 * `bulkWriter`), then `close` (returns rows written). `abort` discards what was not yet committed.
 * Outside a transaction a writer holds no pooled connection between writes, so any number of writers
 * may be open at once; encoding in JavaScript overlaps with the database loading the previous segment.
 * A refused segment (constraint, bad value) fails the next `write` or `close`; earlier commits stay.
 * Accepted values: string, number, bigint, boolean, null; Date | epoch-ms number | epoch-µs bigint |
 * ISO string for TIMESTAMP columns; objects/arrays are JSON-encoded for JSON/text columns.
 */
export interface BulkWriter {
  write(batch: BulkBatch): Promise<void>
  close(): Promise<number>
  abort(): Promise<void>
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
  /**
   * Fast columnar bulk insert of one batch, atomic (DuckDB: column files + CSV reader; PostgreSQL:
   * binary COPY). Inside `transaction` it is part of that transaction. Columns missing from the batch
   * get NULL. Same value rules as `BulkWriter`.
   */
  bulkLoad(batch: BulkBatch): Promise<number>
  /**
   * Optional (PostgreSQL, whose wire protocol carries every value as text): runs a statement and hands
   * each row to `onRow` as it arrives, every value in the engine's text output form (null for SQL
   * NULL), without building JS values or holding the rows. The caller's work on each row overlaps with
   * the database producing the next ones. If `onRow` throws, no further rows are handed over, the
   * statement is cancelled and the call rejects with that error. Resolves to the number of rows.
   */
  streamText?(
    sql: string,
    params: readonly SqlValue[],
    onRow: (values: readonly (string | null)[]) => void,
    opts?: QueryOptions,
  ): Promise<number>
  /** A streaming loader for many batches into one table (the demo / ingestion path). */
  bulkWriter(table: string, columns: readonly string[], opts?: BulkWriterOptions): BulkWriter
  close(): Promise<void>
}
