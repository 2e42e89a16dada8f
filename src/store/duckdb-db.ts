import type { DuckDBConnection } from '@duckdb/node-api'
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBPreparedStatement } from '@duckdb/node-api'
import { tmpdir } from 'node:os'
import { dirname, resolve } from 'node:path'
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
import { epochMicros, textOf } from './values.js'

export interface DuckDbOptions {
  /** File path, or ':memory:'. */
  path: string
  threads?: number
  memoryLimit?: string
}

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
  const conn = await instance.connect()
  const tmpRoot = opts.path === ':memory:' || opts.path === '' ? tmpdir() : dirname(resolve(opts.path))
  return new DuckDb(instance, conn, false, { tmpRoot, columns: new Map() })
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

export class DuckDb implements Db {
  readonly dialect = 'duckdb' as const
  #queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    private readonly inTransaction: boolean,
    private readonly shared: DuckShared,
  ) {}

  /** DuckDB connections run one statement at a time; serialise on this connection. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn()
    const next = this.#queue.then(fn, fn)
    this.#queue = next.catch(() => undefined)
    return next
  }

  async #run(sql: string, params: readonly SqlValue[], opts?: QueryOptions) {
    const conn = this.connection
    const signal = opts?.signal
    const onAbort = () => conn.interrupt()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (signal?.aborted) throw cancelled()
      if (params.length === 0) return await conn.runAndReadAll(sql)
      const stmt = await conn.prepare(sql)
      bindAll(stmt, params)
      return await stmt.runAndReadAll()
    } catch (err) {
      if (signal?.aborted && !(err instanceof BulwarkError)) throw cancelled(err)
      throw err
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  async queryWithColumns<T = Row>(
    sql: string,
    params: readonly SqlValue[] = [],
    opts?: QueryOptions,
  ): Promise<QueryOutput<T>> {
    return this.#serial(async () => {
      const reader = await this.#run(sql, params, opts)
      const names = reader.columnNames()
      const types = reader.columnTypes()
      const columns: ColumnInfo[] = names.map((name, i) => ({ name, type: String(types[i]) }))
      const raw = reader.getRowObjectsJS() as Record<string, unknown>[]
      const rows = raw.map((r) => {
        const o: Record<string, unknown> = {}
        for (const k of names) o[k] = normalise(r[k])
        return o as T
      })
      return { rows, columns }
    })
  }

  async query<T = Row>(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<T[]> {
    return (await this.queryWithColumns<T>(sql, params, opts)).rows
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#serial(async () => {
      if (params.length === 0) return Number((await this.connection.run(sql)).rowsChanged)
      const stmt = await this.connection.prepare(sql)
      bindAll(stmt, params)
      return Number((await stmt.run()).rowsChanged)
    })
  }

  async executeScript(sql: string): Promise<void> {
    await this.#serial(() => this.connection.run(sql))
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this)
    return this.#serial(async () => {
      const tx = new DuckDb(this.instance, this.connection, true, this.shared)
      await this.connection.run('BEGIN TRANSACTION')
      try {
        const out = await fn(tx)
        await this.connection.run('COMMIT')
        return out
      } catch (err) {
        await this.connection.run('ROLLBACK').catch(() => undefined)
        throw err
      }
    })
  }

  async #tableColumns(table: string, wanted: readonly string[]): Promise<DuckColumn[]> {
    let cols = this.shared.columns.get(table)
    if (!cols || wanted.some((w) => !cols!.some((c) => c.name === w))) {
      const rows = await this.connection.runAndReadAll(
        `SELECT column_name, data_type FROM information_schema.columns
          WHERE table_name = '${table.replace(/'/g, "''")}' AND table_schema = current_schema()
          ORDER BY ordinal_position`,
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
  async #insertFiles(files: DuckColumnFiles): Promise<number> {
    const expected = files.rows
    if (expected === 0) return 0
    const own = !this.inTransaction
    if (own) await this.connection.run('BEGIN TRANSACTION')
    try {
      const res = await this.connection.run(files.insertSql())
      const n = Number(res.rowsChanged)
      if (n !== expected)
        throw new BulwarkError(
          500,
          'BulkLoadMismatch',
          `bulk load ${files.table}: read ${n} rows, wrote ${expected}`,
        )
      if (own) await this.connection.run('COMMIT')
      return n
    } catch (err) {
      if (own) await this.connection.run('ROLLBACK').catch(() => undefined)
      throw err
    }
  }

  /** Slow, general path (the Appender, value by value) for batches the CSV path cannot carry. */
  async #appendRows(batch: BulkBatch): Promise<number> {
    await this.#tableColumns(batch.table, batch.columns)
    const all = this.shared.columns.get(batch.table)!
    const index = new Map(batch.columns.map((c, i) => [c, i]))
    const n = batch.data[0]?.length ?? 0
    const appender = await this.connection.createAppender(batch.table)
    try {
      for (let r = 0; r < n; r++) {
        for (const col of all) {
          const i = index.get(col.name)
          const v = i === undefined ? null : batch.data[i]![r]
          const kind = kindOf(col.type)
          if (v === null || v === undefined) appender.appendNull()
          else if (kind === 'ts') appender.appendTimestamp(new DuckDBTimestampValue(BigInt(epochMicros(v))))
          else if (kind === 'bool') appender.appendBoolean(v === true || v === 1 || v === 'true')
          else if (kind === 'num' && typeof v === 'bigint') appender.appendBigInt(v)
          else if (kind === 'num' && typeof v === 'number')
            if (Number.isSafeInteger(v)) appender.appendBigInt(BigInt(v))
            else appender.appendDouble(v)
          else appender.appendVarchar(textOf(v))
        }
        appender.endRow()
      }
      appender.flushSync()
    } finally {
      appender.closeSync()
    }
    return n
  }

  /**
   * Columnar bulk insert through per-column CSV files and DuckDB's CSV reader (see duckdb-bulk.ts);
   * atomic (one transaction, or part of the caller's).
   */
  async bulkLoad(batch: BulkBatch): Promise<number> {
    return this.#serial(async () => {
      const cols = await this.#tableColumns(batch.table, batch.columns)
      const files = new DuckColumnFiles(this.shared.tmpRoot, batch.table, cols)
      try {
        if (!files.append(batch)) return await this.#appendRows(batch)
        return await this.#insertFiles(files)
      } finally {
        files.dispose()
      }
    })
  }

  bulkWriter(table: string, columns: readonly string[], opts: BulkWriterOptions = {}): BulkWriter {
    const flushRows = opts.flushRows ?? DEFAULT_FLUSH_ROWS
    let files: DuckColumnFiles | null = null
    let total = 0
    let done = false
    const flush = () =>
      this.#serial(async () => {
        if (!files || files.rows === 0) return
        total += await this.#insertFiles(files)
        files.reset()
      })
    return {
      write: async (batch) => {
        if (done) throw new Error('bulk writer is closed')
        files ??= new DuckColumnFiles(
          this.shared.tmpRoot,
          table,
          await this.#serial(() => this.#tableColumns(table, columns)),
        )
        const b = batch.table === table ? batch : { ...batch, table }
        if (!files.append(b)) {
          await flush()
          total += await this.#serial(() => this.#appendRows(b))
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

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined)
    this.connection.closeSync()
    this.instance.closeSync()
  }
}
