import { createHash } from 'node:crypto'
import pg from 'pg'
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
import { PgBulkWriter } from './pg-bulk-writer.js'
import { copyChunks, encodeBinaryRows, pgKinds, type PgColumn } from './pg-copy.js'

export interface PostgresOptions {
  url: string
  /** Schema to use (created if missing); tests use a fresh one per run. */
  schema?: string
  maxConnections?: number
  /**
   * PostgreSQL's JIT compilation of expressions (`jit` per connection). Default false: the hunting
   * SQL has large expressions (row JSON, wide CTEs), and once a plan's cost passes `jit_above_cost`
   * (100,000 — any scan of ~1M rows) the LLVM compile costs 100s of ms per query on these machines,
   * more than it saves on scans of a few million rows; the plans are not cached across executions, so
   * every run pays it again. True keeps the server's own setting.
   */
  jit?: boolean
  /**
   * SQL text (characters) a connection may keep as prepared statements for `streamText` (see
   * `StatementReuse`); 0 prepares none. Default 128 KiB.
   */
  preparedTextBudget?: number
}

/**
 * Which `streamText` statements run as named prepared statements. A statement seen for the second time
 * (process-wide, among the last 1,000) is prepared on the connection that runs it and reused there
 * after: PostgreSQL then skips parsing and analysing it (3 ms for the 22 KB of a wide hunting query;
 * 0.1 ms for the name's hash). Connections start with `plan_cache_mode=force_custom_plan`, so every
 * execution is still planned for its own parameter values — the plans are those of unnamed statements.
 * A prepared statement holds server memory (~0.8 MB for that wide query), so each connection keeps at
 * most `budget` characters of prepared SQL text; the connection that would pass it is closed after
 * its statement instead of being pooled (a fresh one starts empty).
 */
export class StatementReuse {
  readonly #seen = new Map<string, true>()
  readonly #prepared = new WeakMap<pg.PoolClient, { names: Set<string>; chars: number }>()

  constructor(readonly budget: number) {}

  /** The statement name to run `sql` under on `client`, or undefined (unnamed); `full`: close after. */
  name(client: pg.PoolClient, sql: string): { name?: string; full: boolean } {
    if (this.budget <= 0 || sql.length > this.budget) return { full: false }
    const name = `bw_${createHash('sha1').update(sql).digest('hex')}`
    const state = this.#prepared.get(client)
    if (state?.names.has(name)) return { name, full: false }
    if (!this.#seen.delete(name)) {
      this.#seen.set(name, true)
      if (this.#seen.size > 1000) this.#seen.delete(this.#seen.keys().next().value!)
      return { full: false }
    }
    this.#seen.set(name, true)
    const st = state ?? { names: new Set<string>(), chars: 0 }
    this.#prepared.set(client, st)
    if (st.chars + sql.length > this.budget) return { full: true }
    st.names.add(name)
    st.chars += sql.length
    return { name, full: false }
  }
}

// int8 → number when safe, numeric → number, timestamp without tz read as UTC, json/jsonb left as text.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20)
      return (v: string) => {
        const n = Number(v)
        return Number.isSafeInteger(n) ? n : BigInt(v)
      }
    if (oid === 1700 || oid === 700 || oid === 701) return (v: string) => Number(v)
    if (oid === 1114) return (v: string) => new Date(v.replace(' ', 'T') + 'Z')
    if (oid === 114 || oid === 3802) return (v: string) => v
    return pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown
  },
}

/** Every value as PostgreSQL's text output (`Db.streamText`). */
const textTypes = { getTypeParser: () => (v: string) => v }

/**
 * Cancels what `client` runs through another pooled connection (one request at most). `sent` tells the
 * caller to close that connection rather than pool it: the request may land after the statement ended
 * on its own and would cancel the next statement on it.
 */
function backendCanceller(pool: pg.Pool, client: pg.PoolClient) {
  const pid = (client as unknown as { processID: number }).processID
  let sent = false
  return {
    cancel: () => {
      if (sent) return
      sent = true
      void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined)
    },
    get sent() {
      return sent
    },
  }
}

function toParam(v: SqlValue): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (Array.isArray(v)) return JSON.stringify(v)
  return v
}

function wrap(err: unknown): never {
  const code = (err as { code?: string }).code
  if (code === '57014')
    throw new BulwarkError(408, 'QueryCancelled', 'The query was cancelled', { cause: err })
  throw err
}

type Queryable = pg.Pool | pg.PoolClient

type ColumnCache = Map<string, PgColumn[]>

class PgBase {
  constructor(
    protected readonly q: Queryable,
    protected readonly columnCache: ColumnCache,
  ) {}
  readonly dialect = 'postgres' as const

  async queryWithColumns<T = Row>(
    sql: string,
    params: readonly SqlValue[] = [],
    opts?: QueryOptions,
  ): Promise<QueryOutput<T>> {
    const res = await this.#run(sql, params, opts)
    const columns: ColumnInfo[] = res.fields.map((f) => ({ name: f.name, type: String(f.dataTypeID) }))
    return { rows: res.rows as T[], columns }
  }

  async query<T = Row>(sql: string, params: readonly SqlValue[] = [], opts?: QueryOptions): Promise<T[]> {
    return (await this.#run(sql, params, opts)).rows as T[]
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.#run(sql, params)).rowCount ?? 0
  }

  async executeScript(sql: string): Promise<void> {
    await this.q.query(sql)
  }

  protected async tableColumns(table: string, wanted: readonly string[]): Promise<PgColumn[]> {
    let cols = this.columnCache.get(table)
    if (!cols || wanted.some((w) => !cols!.some((c) => c.name === w))) {
      const res = await this.q.query<{ name: string; type: string }>(
        `SELECT column_name AS name, data_type AS type FROM information_schema.columns
          WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
        [table],
      )
      cols = res.rows
      if (cols.length === 0) throw new BulwarkError(400, 'UnknownTable', `bulk load: no table ${table}`)
      this.columnCache.set(table, cols)
    }
    const missing = wanted.filter((w) => !cols.some((c) => c.name === w))
    if (missing.length)
      throw new BulwarkError(400, 'UnknownColumn', `bulk load ${table}: no column ${missing.join(', ')}`)
    return wanted.map((w) => cols.find((c) => c.name === w)!)
  }

  /** One batch through a binary COPY on `client` (atomic: the COPY fails or commits as a whole). */
  protected async copyBatch(client: pg.PoolClient, batch: BulkBatch): Promise<number> {
    const cols = await this.tableColumns(batch.table, batch.columns)
    await copyChunks(client, batch.table, cols, [
      encodeBinaryRows(batch.table, cols, pgKinds(batch.table, cols), batch),
    ])
    return batch.data[0]?.length ?? 0
  }

  async #run(sql: string, params: readonly SqlValue[], opts?: QueryOptions): Promise<pg.QueryResult> {
    if (!opts?.signal) return this.q.query({ text: sql, values: params.map(toParam), types }).catch(wrap)
    // Cancellation: run on a dedicated client and cancel its backend when the signal fires.
    const pool = this.q as pg.Pool
    const client = 'release' in this.q ? this.q : await pool.connect()
    const canceller = backendCanceller(pool, client)
    opts.signal.addEventListener('abort', canceller.cancel, { once: true })
    try {
      if (opts.signal.aborted) throw new BulwarkError(408, 'QueryCancelled', 'The query was cancelled')
      return await client.query({ text: sql, values: params.map(toParam), types }).catch(wrap)
    } finally {
      opts.signal.removeEventListener('abort', canceller.cancel)
      if (client !== this.q) client.release(canceller.sent)
    }
  }
}

class PgTx extends PgBase implements Db {
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this)
  }
  async bulkLoad(batch: BulkBatch): Promise<number> {
    return this.copyBatch(this.q as pg.PoolClient, batch)
  }
  bulkWriter(table: string, columns: readonly string[], opts: BulkWriterOptions = {}): BulkWriter {
    const client = this.q as pg.PoolClient
    return new PgBulkWriter(
      { acquire: () => Promise.resolve({ client, done: () => undefined }), held: 'caller-transaction' },
      table,
      () => this.tableColumns(table, columns),
      opts.flushRows ?? Infinity,
    )
  }
  async close(): Promise<void> {}
}

export class PostgresDb extends PgBase implements Db {
  readonly #statements: StatementReuse

  constructor(
    readonly pool: pg.Pool,
    preparedTextBudget = 128 * 1024,
  ) {
    super(pool, new Map())
    this.#statements = new StatementReuse(preparedTextBudget)
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const out = await fn(new PgTx(client, this.columnCache))
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }

  async bulkLoad(batch: BulkBatch): Promise<number> {
    const client = await this.pool.connect()
    try {
      const n = await this.copyBatch(client, batch)
      client.release()
      return n
    } catch (err) {
      client.release(true)
      throw err
    }
  }

  /**
   * Segments of about 8 MiB are copied on pooled connections taken per COPY and committed one by one;
   * `flushRows: Infinity` makes the whole load one transaction on one connection held until close().
   */
  bulkWriter(table: string, columns: readonly string[], opts: BulkWriterOptions = {}): BulkWriter {
    const flushRows = opts.flushRows ?? Infinity
    return new PgBulkWriter(
      {
        acquire: async () => {
          const client = await this.pool.connect()
          return { client, done: (destroy: boolean) => client.release(destroy) }
        },
        held: flushRows === Infinity && opts.flushRows !== undefined ? 'own-transaction' : false,
      },
      table,
      () => this.tableColumns(table, columns),
      flushRows,
    )
  }

  /**
   * `Db.streamText`: a `pg.Query` in array row mode with every type left as text, on a connection of its
   * own; rows are handed over from its 'row' events, so none are accumulated. Cancellation (signal,
   * or `onRow` throwing) cancels the backend through another pooled connection. Repeated statements
   * run prepared (`StatementReuse`).
   */
  async streamText(
    sql: string,
    params: readonly SqlValue[],
    onRow: (values: readonly (string | null)[]) => void,
    opts?: QueryOptions,
  ): Promise<number> {
    if (opts?.signal?.aborted) throw new BulwarkError(408, 'QueryCancelled', 'The query was cancelled')
    const client = await this.pool.connect()
    const canceller = backendCanceller(this.pool, client)
    const cancel = canceller.cancel
    let failed = false
    let failure: unknown
    let rows = 0
    const reuse = this.#statements.name(client, sql)
    opts?.signal?.addEventListener('abort', cancel, { once: true })
    try {
      const config: pg.QueryArrayConfig = {
        ...(reuse.name ? { name: reuse.name } : {}),
        text: sql,
        values: params.map(toParam),
        rowMode: 'array',
        types: textTypes,
      }
      const query = new pg.Query<(string | null)[]>(config)
      query.on('row', (values) => {
        if (failed) return
        try {
          onRow(values)
          rows++
        } catch (err) {
          failed = true
          failure = err
          cancel()
        }
      })
      const done = new Promise<void>((resolve, reject) => {
        query.on('end', () => resolve())
        query.on('error', reject)
      })
      client.query(query)
      try {
        await done
      } catch (err) {
        if (!failed) wrap(err)
      }
      if (failed) throw failure
      return rows
    } finally {
      opts?.signal?.removeEventListener('abort', cancel)
      client.release(canceller.sent || reuse.full)
    }
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

/** Per-connection settings sent at connect time (`-c name=value …`), or '' for none. */
function startupOptions(schema: string | undefined, jit: boolean): string {
  return [
    ...(schema ? [`-c search_path=${schema}`] : []),
    ...(jit ? [] : ['-c jit=off']),
    // The text form of dates that `streamText` callers read (`YYYY-MM-DD HH:MI:SS[.ffffff]`), whatever
    // the server's default.
    '-c DateStyle=ISO,MDY',
    // Prepared statements (`StatementReuse`) are planned for every execution's own values, as unnamed
    // ones are: no generic plan that ignores, say, how narrow a time window is.
    '-c plan_cache_mode=force_custom_plan',
  ].join(' ')
}

export async function openPostgres(opts: PostgresOptions): Promise<PostgresDb> {
  const schema = opts.schema
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new BulwarkError(
      400,
      'InvalidConfiguration',
      `postgres schema name "${schema}" is not a plain identifier`,
    )
  const options = startupOptions(schema, opts.jit ?? false)
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    ...(options ? { options } : {}),
  })
  pool.on('error', () => undefined)
  try {
    const c = await pool.connect()
    try {
      if (schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    } finally {
      c.release()
    }
  } catch (err) {
    await pool.end().catch(() => undefined)
    const msg = err instanceof Error ? err.message : String(err)
    throw new BulwarkError(503, 'StoreUnavailable', `Cannot connect to PostgreSQL: ${msg}`, { cause: err })
  }
  return new PostgresDb(pool, opts.preparedTextBudget)
}
