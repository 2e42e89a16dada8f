import pg from 'pg'
import { BulwarkError } from '../core/errors.js'
import type { BulkBatch, ColumnInfo, Db, QueryOptions, QueryOutput, Row, SqlValue } from './db.js'

export interface PostgresOptions {
  url: string
  /** Schema to use (created if missing); tests use a fresh one per run. */
  schema?: string
  maxConnections?: number
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

class PgBase {
  constructor(protected readonly q: Queryable) {}
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

  async #run(sql: string, params: readonly SqlValue[], opts?: QueryOptions): Promise<pg.QueryResult> {
    if (!opts?.signal) return this.q.query({ text: sql, values: params.map(toParam), types }).catch(wrap)
    // Cancellation: run on a dedicated client and cancel its backend when the signal fires.
    const pool = this.q as pg.Pool
    const client = 'release' in this.q ? this.q : await pool.connect()
    const pid = (client as unknown as { processID: number }).processID
    const onAbort = () => {
      void pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined)
    }
    opts.signal.addEventListener('abort', onAbort, { once: true })
    try {
      if (opts.signal.aborted) throw new BulwarkError(408, 'QueryCancelled', 'The query was cancelled')
      return await client.query({ text: sql, values: params.map(toParam), types }).catch(wrap)
    } finally {
      opts.signal.removeEventListener('abort', onAbort)
      if (client !== this.q) client.release()
    }
  }
}

class PgTx extends PgBase implements Db {
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this)
  }
  bulkLoad(batch: BulkBatch): Promise<number> {
    return bulkInsert(this.q, batch)
  }
  async close(): Promise<void> {}
}

export class PostgresDb extends PgBase implements Db {
  constructor(readonly pool: pg.Pool) {
    super(pool)
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const out = await fn(new PgTx(client))
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }

  bulkLoad(batch: BulkBatch): Promise<number> {
    return bulkInsert(this.pool, batch)
  }

  async close(): Promise<void> {
    await this.pool.end()
  }
}

/** Baseline multi-row INSERT; the COPY path lives with the bulk loader (see src/store/CONTEXT.md). */
async function bulkInsert(q: Queryable, batch: BulkBatch): Promise<number> {
  const n = batch.data[0]?.length ?? 0
  const cols = batch.columns.map((c) => `"${c}"`).join(', ')
  const chunk = Math.max(1, Math.floor(30000 / Math.max(1, batch.columns.length)))
  for (let start = 0; start < n; start += chunk) {
    const end = Math.min(n, start + chunk)
    const values: unknown[] = []
    const tuples: string[] = []
    for (let r = start; r < end; r++) {
      const ph: string[] = []
      for (let c = 0; c < batch.columns.length; c++) {
        const v = batch.data[c]![r]
        values.push(
          v === undefined
            ? null
            : typeof v === 'object' && v !== null && !(v instanceof Date)
              ? JSON.stringify(v)
              : v,
        )
        ph.push(`$${values.length}`)
      }
      tuples.push(`(${ph.join(', ')})`)
    }
    await q.query(`INSERT INTO "${batch.table}" (${cols}) VALUES ${tuples.join(', ')}`, values)
  }
  return n
}

export async function openPostgres(opts: PostgresOptions): Promise<PostgresDb> {
  const schema = opts.schema
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new BulwarkError(
      400,
      'InvalidConfiguration',
      `postgres schema name "${schema}" is not a plain identifier`,
    )
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.maxConnections ?? 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
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
  return new PostgresDb(pool)
}
