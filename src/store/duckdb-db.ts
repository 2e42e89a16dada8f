import type { DuckDBConnection } from '@duckdb/node-api'
import {
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBAppender,
  type DuckDBPreparedStatement,
} from '@duckdb/node-api'
import { tmpdir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BulwarkError } from '../core/errors.js'
import type {
  BulkBatch,
  BulkWriter,
  BulkWriterOptions,
  ColumnInfo,
  Db,
  QueryOptions,
  QueryOutput,
  Row,
  SqlValue,
} from './db.js'
import { DuckColumnFiles, kindOf, type DuckColumn } from './duckdb-bulk.js'
import { DuckConnectionPool } from './duckdb-pool.js'
import { catalogChanged, isDdl, preparedOn } from './duckdb-statements.js'
import { DuckStreamWriter } from './duckdb-stream-writer.js'
import { epochMicros, textOf } from './values.js'

export interface DuckDbOptions {
  /** File path, or ':memory:'. */
  path: string
  threads?: number
  memoryLimit?: string
  /**
   * Connections on the instance (default 4, at least 2). Statements outside transactions run side by
   * side, one per connection; writes additionally take one write lock (see DuckConnectionPool).
   */
  connections?: number
}

const DEFAULT_CONNECTIONS = 4

/** Opens (or creates) a DuckDB database; a file locked by another process is a clear 503-class error. */
export async function openDuckDb(opts: DuckDbOptions): Promise<DuckDb> {
  const config: Record<string, string> = {}
  if (opts.threads) config.threads = String(opts.threads)
  if (opts.memoryLimit) config.memory_limit = opts.memoryLimit
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(opts.path, config)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    if (/lock/i.test(msg))
      throw new BulwarkError(
        503,
        'StoreLocked',
        `The DuckDB file ${opts.path} is in use by another process: ${msg}`,
        {
          cause: err,
        },
      )
    throw new BulwarkError(503, 'StoreUnavailable', `Cannot open DuckDB file ${opts.path}: ${msg}`, {
      cause: err,
    })
  }
  const n = Math.max(2, opts.connections ?? DEFAULT_CONNECTIONS)
  const conns: DuckDBConnection[] = []
  for (let i = 0; i < n; i++) conns.push(await instance.connect())
  const tmpRoot = opts.path === ':memory:' || opts.path === '' ? tmpdir() : dirname(resolve(opts.path))
  return new DuckDb(instance, new DuckConnectionPool(conns), { tmpRoot, columns: new Map() })
}

/** State shared by a DuckDb and the transaction views it hands out. */
interface DuckShared {
  /** Where bulk-load column files are written (the data dir for a file store). */
  tmpRoot: string
  /** Column names and types per table, for bulk loads. */
  columns: Map<string, DuckColumn[]>
}

/** Rows per bulk-writer flush: at least one DuckDB row group (122,880) so inserts skip the WAL. */
const DEFAULT_FLUSH_ROWS = 250_000

function cancelled(cause?: unknown): BulwarkError {
  return new BulwarkError(408, 'QueryCancelled', 'The query was cancelled', cause ? { cause } : {})
}

/** DuckDB's optimistic concurrency control refusing a write ("Conflict on update!", "write-write conflict"). */
function isConflict(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : ''
  return /^TransactionContext Error:.*conflict/i.test(msg)
}

const CONFLICT_RETRIES = 5

/**
 * True for statements that only read: they run on any free connection without the write lock. Anything
 * else (INSERT … RETURNING through `query`, DDL, SET, …) is treated as a write; a misjudged write is
 * still correct (it runs in its own auto-commit transaction and is retried on a conflict).
 */
export function isReadOnlySql(sql: string): boolean {
  const text = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*/, '')
  const m = /^([A-Za-z]+)/.exec(text)
  const first = m?.[1]?.toUpperCase()
  if (!first || !READ_KEYWORDS.has(first)) return false
  return first !== 'WITH' || !/\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM)\b/i.test(text)
}

const READ_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'SHOW', 'DESCRIBE', 'SUMMARIZE'])

function normalise(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  if (Array.isArray(v)) return v.map(normalise)
  return v
}

function bindAll(stmt: DuckDBPreparedStatement, params: readonly SqlValue[]): void {
  params.forEach((p, i) => {
    const idx = i + 1
    if (p === null || p === undefined) stmt.bindNull(idx)
    else if (typeof p === 'string') stmt.bindVarchar(idx, p)
    else if (typeof p === 'boolean') stmt.bindBoolean(idx, p)
    else if (typeof p === 'bigint') stmt.bindBigInt(idx, p)
    else if (typeof p === 'number') {
      if (Number.isSafeInteger(p)) stmt.bindBigInt(idx, BigInt(p))
      else stmt.bindDouble(idx, p)
    } else if (p instanceof Date)
      stmt.bindTimestamp(idx, new DuckDBTimestampValue(BigInt(p.getTime()) * 1000n))
    else if (p instanceof Uint8Array) stmt.bindVarchar(idx, Buffer.from(p).toString('utf8'))
    else if (Array.isArray(p)) stmt.bindVarchar(idx, JSON.stringify(p))
    else stmt.bindVarchar(idx, String(p))
  })
}

/** Where a statement may run: any connection, any connection + the write lock, or a bulk append. */
type Access = 'read' | 'write' | 'bulk'

/** Everything the root Db and a transaction share; they differ in how they obtain a connection. */
abstract class DuckSession implements Db {
  readonly dialect = 'duckdb' as const

  constructor(
    readonly instance: DuckDBInstance,
    protected readonly shared: DuckShared,
    protected readonly inTransaction: boolean,
  ) {}

  /** Runs `fn` on a connection suitable for `access`. */
  protected abstract withConn<T>(
    access: Access,
    fn: (conn: DuckDBConnection) => Promise<T>,
    unordered?: boolean,
  ): Promise<T>
  abstract transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>
  abstract close(): Promise<void>

  async queryWithColumns<T = Row>(
    sql: string,
    params: readonly SqlValue[] = [],
    opts?: QueryOptions,
  ): Promise<QueryOutput<T>> {
    if (opts?.signal?.aborted) throw cancelled()
    if (isDdl(sql)) this.ranDdl()
    return this.withConn(
      isReadOnlySql(sql) ? 'read' : 'write',
      async (conn) => {
        const reader = await run(conn, sql, params, opts)
        const names = reader.columnNames()
        const types = reader.columnTypes()
        const columns: ColumnInfo[] = names.map((name, i) => ({ name, type: String(types[i]) }))
        const rows = reader.getRowObjectsJS() as Record<string, unknown>[]
        // In place: only BIGINT (bigint) and LIST (array) values change; the row objects are fresh.
        for (const r of rows)
          for (const k of names) {
            const v = r[k]
            if (typeof v === 'bigint' || Array.isArray(v)) r[k] = normalise(v)
          }
        return { rows: rows as T[], columns }
      },
      opts?.unordered === true,
    )
  }

  async query<T = Row>(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<T[]> {
    return (await this.queryWithColumns<T>(sql, params, opts)).rows
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.withConn('write', async (conn) => {
      if (params.length === 0) return Number((await this.#runDdlAware(conn, sql)).rowsChanged)
      const stmt = await preparedOn(conn, sql)
      bindAll(stmt, params)
      return Number((await stmt.run()).rowsChanged)
    })
  }

  async executeScript(sql: string): Promise<void> {
    await this.withConn('write', (conn) => this.#runDdlAware(conn, sql))
  }

  /** Runs a statement without parameters; DDL empties every connection's prepared-statement cache. */
  async #runDdlAware(conn: DuckDBConnection, sql: string) {
    const ddl = isDdl(sql)
    try {
      return await conn.run(sql)
    } finally {
      if (ddl) {
        catalogChanged()
        this.ranDdl()
      }
    }
  }

  /** Called after DDL ran (a transaction empties the caches again when it ends). */
  protected ranDdl(): void {}

  protected async tableColumns(table: string, wanted: readonly string[]): Promise<DuckColumn[]> {
    let cols = this.shared.columns.get(table)
    if (!cols || wanted.some((w) => !cols!.some((c) => c.name === w))) {
      const rows = await this.withConn('read', (conn) =>
        conn.runAndReadAll(
          `SELECT column_name, data_type FROM information_schema.columns
            WHERE table_name = '${table.replace(/'/g, "''")}' AND table_schema = current_schema()
            ORDER BY ordinal_position`,
        ),
      )
      cols = (rows.getRows() as [string, string][]).map(([name, type]) => ({ name, type }))
      if (cols.length === 0) throw new BulwarkError(400, 'UnknownTable', `bulk load: no table ${table}`)
      this.shared.columns.set(table, cols)
    }
    const missing = wanted.filter((w) => !cols.some((c) => c.name === w))
    if (missing.length)
      throw new BulwarkError(400, 'UnknownColumn', `bulk load ${table}: no column ${missing.join(', ')}`)
    return wanted.map((w) => cols.find((c) => c.name === w)!)
  }

  /** Inserts the files' rows in one transaction (or the caller's), checking the row count. */
  #insertFiles(files: DuckColumnFiles): Promise<number> {
    const expected = files.rows
    if (expected === 0) return Promise.resolve(0)
    const own = !this.inTransaction
    return this.withConn('bulk', async (conn) => {
      if (own) await conn.run('BEGIN TRANSACTION')
      try {
        const res = await conn.run(files.insertSql())
        const n = Number(res.rowsChanged)
        if (n !== expected)
          throw new BulwarkError(
            500,
            'BulkLoadMismatch',
            `bulk load ${files.table}: read ${n} rows, wrote ${expected}`,
          )
        if (own) await conn.run('COMMIT')
        return n
      } catch (err) {
        if (own) await conn.run('ROLLBACK').catch(() => undefined)
        throw err
      }
    })
  }

  /** Slow, general path (the Appender, value by value) for batches the CSV path cannot carry. */
  protected async appendRows(batch: BulkBatch, conn?: DuckDBConnection): Promise<number> {
    await this.tableColumns(batch.table, batch.columns)
    const all = this.shared.columns.get(batch.table)!
    if (conn) return appendRowsOn(conn, all, batch)
    return this.withConn('bulk', (c) => appendRowsOn(c, all, batch))
  }

  /**
   * Columnar bulk insert through per-column CSV files and DuckDB's CSV reader (see duckdb-bulk.ts);
   * atomic (one transaction, or part of the caller's).
   */
  async bulkLoad(batch: BulkBatch): Promise<number> {
    const cols = await this.tableColumns(batch.table, batch.columns)
    const files = new DuckColumnFiles(this.shared.tmpRoot, batch.table, cols)
    try {
      if (!files.append(batch)) return await this.appendRows(batch)
      return await this.#insertFiles(files)
    } finally {
      files.dispose()
    }
  }

  bulkWriter(table: string, columns: readonly string[], opts: BulkWriterOptions = {}): BulkWriter {
    const flushRows = opts.flushRows ?? DEFAULT_FLUSH_ROWS
    let files: DuckColumnFiles | null = null
    let total = 0
    let done = false
    const flush = async () => {
      if (!files || files.rows === 0) return
      total += await this.#insertFiles(files)
      files.reset()
    }
    return {
      write: async (batch) => {
        if (done) throw new Error('bulk writer is closed')
        files ??= new DuckColumnFiles(this.shared.tmpRoot, table, await this.tableColumns(table, columns))
        const b = batch.table === table ? batch : { ...batch, table }
        if (!files.append(b)) {
          await flush()
          total += await this.appendRows(b)
        }
        if (files.rows >= flushRows) await flush()
      },
      close: async () => {
        if (done) return total
        try {
          await flush()
        } finally {
          done = true
          files?.dispose()
        }
        return total
      },
      abort: async () => {
        done = true
        files?.dispose()
        await Promise.resolve()
      },
    }
  }
}

/** Appends a batch row by row (every column of the table; missing ones NULL) and flushes. */
async function appendRowsOn(
  conn: DuckDBConnection,
  all: readonly DuckColumn[],
  batch: BulkBatch,
): Promise<number> {
  const index = new Map(batch.columns.map((c, i) => [c, i]))
  const n = batch.data[0]?.length ?? 0
  const appender = await conn.createAppender(batch.table)
  try {
    for (let r = 0; r < n; r++) {
      for (const col of all) {
        const i = index.get(col.name)
        appendValue(appender, kindOf(col.type), i === undefined ? null : batch.data[i]![r])
      }
      appender.endRow()
    }
    appender.flushSync()
  } finally {
    appender.closeSync()
  }
  return n
}

function appendValue(appender: DuckDBAppender, kind: ReturnType<typeof kindOf>, v: unknown): void {
  if (v === null || v === undefined) appender.appendNull()
  else if (kind === 'ts') appender.appendTimestamp(new DuckDBTimestampValue(BigInt(epochMicros(v))))
  else if (kind === 'bool') appender.appendBoolean(v === true || v === 1 || v === 'true')
  else if (kind === 'num' && typeof v === 'bigint') appender.appendBigInt(v)
  else if (kind === 'num' && typeof v === 'number')
    if (Number.isSafeInteger(v)) appender.appendBigInt(BigInt(v))
    else appender.appendDouble(v)
  else appender.appendVarchar(textOf(v))
}

/** Runs one statement on `conn`; `opts.signal` interrupts this connection only. */
async function run(conn: DuckDBConnection, sql: string, params: readonly SqlValue[], opts?: QueryOptions) {
  const signal = opts?.signal
  const onAbort = () => conn.interrupt()
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (signal?.aborted) throw cancelled()
    if (params.length === 0) {
      const ddl = isDdl(sql)
      try {
        return await conn.runAndReadAll(sql)
      } finally {
        if (ddl) catalogChanged()
      }
    }
    const stmt = await preparedOn(conn, sql)
    bindAll(stmt, params)
    if (signal?.aborted) throw cancelled()
    return await stmt.runAndReadAll()
  } catch (err) {
    if (signal?.aborted && !(err instanceof BulwarkError)) throw cancelled(err)
    throw err
  } finally {
    // Removed before the connection goes back to the pool, so a late abort cannot hit another query.
    signal?.removeEventListener('abort', onAbort)
  }
}

/** Connections whose session runs with `preserve_insertion_order = false` (see setUnordered). */
const unorderedConns = new WeakSet<DuckDBConnection>()

/**
 * Puts a connection's `preserve_insertion_order` in the state a statement needs, only when it differs:
 * the setting stays on the connection between statements (every use of a connection — withConn, a
 * transaction — sets what it needs first, so none inherits the wrong one; bulk loads keep insertion
 * order), and the pool hands an unordered read a connection already unordered when one is idle — a SET
 * is a round trip of ~0.5 ms. DuckDB reads the setting when the statement executes (it re-plans a
 * prepared statement per run); `conn.run`, not the DDL-aware path, so the prepared-statement caches stay.
 */
async function setUnordered(conn: DuckDBConnection, unordered: boolean): Promise<void> {
  if (unorderedConns.has(conn) === unordered) return
  await conn.run(`SET SESSION preserve_insertion_order = ${unordered ? 'false' : 'true'}`)
  if (unordered) unorderedConns.add(conn)
  else unorderedConns.delete(conn)
}

/**
 * The DuckDB adapter: a pool of connections on one instance. Reads run concurrently; writes
 * (execute, executeScript, non-read `query`, transactions) are serialised by the pool's write lock;
 * bulk appends take a connection without the lock (appends never conflict). An auto-commit statement
 * that still hits a write-write conflict is retried (it was rolled back whole); a transaction that
 * does is rolled back and fails with 409 WriteConflict.
 */
export class DuckDb extends DuckSession {
  readonly #writers = new Set<DuckStreamWriter>()

  constructor(
    instance: DuckDBInstance,
    readonly pool: DuckConnectionPool,
    shared: DuckShared,
  ) {
    super(instance, shared, false)
  }

  protected async withConn<T>(
    access: Access,
    fn: (conn: DuckDBConnection) => Promise<T>,
    unordered = false,
  ): Promise<T> {
    const prefer = (c: DuckDBConnection) => unorderedConns.has(c) === unordered
    const inMode = async (c: DuckDBConnection) => {
      await setUnordered(c, unordered)
      return fn(c)
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await (access === 'write' ? this.pool.write(inMode) : this.pool.use(inMode, prefer))
      } catch (err) {
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err
        await sleep(attempt * 2 + Math.floor(Math.random() * 3))
      }
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.pool.write(async (conn) => {
      await setUnordered(conn, false)
      await conn.run('BEGIN TRANSACTION')
      const tx = new DuckTx(this.instance, conn, this.shared)
      try {
        const out = await fn(tx)
        await conn.run('COMMIT')
        return out
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined)
        if (isConflict(err))
          throw new BulwarkError(409, 'WriteConflict', 'A concurrent write changed the same rows; retry', {
            cause: err,
          })
        throw err
      } finally {
        // Statements prepared against the transaction's (possibly rolled back) catalog are dropped.
        if (tx.ddl) catalogChanged()
      }
    })
  }

  /**
   * Outside a transaction a bulk writer streams through its own connection, overlapping encoding in
   * JavaScript with DuckDB's insert (duckdb-stream-writer.ts).
   */
  override bulkWriter(table: string, columns: readonly string[], opts: BulkWriterOptions = {}): BulkWriter {
    const w = new DuckStreamWriter(
      {
        tmpRoot: this.shared.tmpRoot,
        columns: (t, c) => this.tableColumns(t, c),
        connect: () => this.instance.connect(),
        appendRows: (conn, batch) => this.appendRows(batch, conn),
        finished: (done) => this.#writers.delete(done),
      },
      table,
      columns,
      opts.flushRows ?? DEFAULT_FLUSH_ROWS,
    )
    this.#writers.add(w)
    return w
  }

  async close(): Promise<void> {
    for (const w of [...this.#writers]) await w.abort()
    await this.pool.drain()
    this.pool.closeAll()
    this.instance.closeSync()
  }
}

/** A transaction: every statement on its one connection, one at a time. */
class DuckTx extends DuckSession {
  #queue: Promise<unknown> = Promise.resolve()
  ddl = false

  constructor(
    instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    shared: DuckShared,
  ) {
    super(instance, shared, true)
  }

  protected withConn<T>(
    _access: Access,
    fn: (conn: DuckDBConnection) => Promise<T>,
    unordered = false,
  ): Promise<T> {
    const inMode = async () => {
      await setUnordered(this.conn, unordered)
      return fn(this.conn)
    }
    const next = this.#queue.then(inMode, inMode)
    this.#queue = next.catch(() => undefined)
    return next
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this)
  }

  protected override ranDdl(): void {
    this.ddl = true
  }

  async close(): Promise<void> {}
}
