import type { DuckDBConnection } from '@duckdb/node-api'
import { DuckDBInstance, DuckDBTimestampValue, type DuckDBPreparedStatement } from '@duckdb/node-api'
import { BulwarkError } from '../core/errors.js'
import type { BulkBatch, ColumnInfo, Db, QueryOptions, QueryOutput, Row, SqlValue } from './db.js'

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
  return new DuckDb(instance, conn, false)
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
    const onAbort = () => conn.interrupt()
    opts?.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (opts?.signal?.aborted) throw new BulwarkError(408, 'QueryCancelled', 'The query was cancelled')
      if (params.length === 0) return await conn.runAndReadAll(sql)
      const stmt = await conn.prepare(sql)
      bindAll(stmt, params)
      return await stmt.runAndReadAll()
    } finally {
      opts?.signal?.removeEventListener('abort', onAbort)
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
      const tx = new DuckDb(this.instance, this.connection, true)
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

  async bulkLoad(batch: BulkBatch): Promise<number> {
    // Baseline path: the appender, column values converted per row. The demo/ingestion bulk path may
    // replace this with a file-based COPY (see src/store/CONTEXT.md).
    return this.#serial(async () => {
      const appender = await this.connection.createAppender(batch.table)
      const n = batch.data[0]?.length ?? 0
      try {
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < batch.columns.length; c++) {
            const v = batch.data[c]![r]
            if (v === null || v === undefined) appender.appendNull()
            else if (typeof v === 'string') appender.appendVarchar(v)
            else if (typeof v === 'boolean') appender.appendBoolean(v)
            else if (typeof v === 'bigint') appender.appendBigInt(v)
            else if (typeof v === 'number') {
              if (Number.isInteger(v)) appender.appendBigInt(BigInt(v))
              else appender.appendDouble(v)
            } else if (v instanceof Date)
              appender.appendTimestamp(new DuckDBTimestampValue(BigInt(v.getTime()) * 1000n))
            else appender.appendVarchar(JSON.stringify(v))
          }
          appender.endRow()
        }
        appender.flushSync()
      } finally {
        appender.closeSync()
      }
      return n
    })
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined)
    this.connection.closeSync()
    this.instance.closeSync()
  }
}
