import type { DuckDBConnection } from '@duckdb/node-api'
import { BulwarkError } from '../core/errors.js'
import type { BulkBatch, BulkWriter } from './db.js'
import { DuckColumnFiles, type DuckColumn } from './duckdb-bulk.js'

/** What the streaming writer needs from the adapter. */
export interface DuckWriterHost {
  tmpRoot: string
  columns(table: string, wanted: readonly string[]): Promise<DuckColumn[]>
  /** A connection of the writer's own (not from the statement pool: a writer keeps it between writes). */
  connect(): Promise<DuckDBConnection>
  /** The value-by-value path for a batch the CSV files cannot carry, on `conn` (inside its transaction). */
  appendRows(conn: DuckDBConnection, batch: BulkBatch): Promise<number>
  /** Called once the writer has closed or aborted. */
  finished(w: DuckStreamWriter): void
}

/**
 * Rows per segment: a segment's column files are handed to DuckDB while JavaScript encodes the next
 * segment into a second set of files (two segments at most: one being read, one being written).
 */
export const SEGMENT_ROWS = 16_384

/**
 * The DuckDB bulk writer outside a transaction: batches are encoded into per-column CSV files
 * (duckdb-bulk.ts); every segment (SEGMENT_ROWS) is inserted by DuckDB in the background, in one
 * transaction on the writer's own connection that commits every `flushRows` rows and at `close()`.
 * DuckDB's optimistic writer puts full row groups of a large transaction straight into the file (no
 * WAL), so small segments cost nothing there; the gain is that encoding and inserting overlap.
 */
export class DuckStreamWriter implements BulkWriter {
  #cols: DuckColumn[] | null = null
  #files: DuckColumnFiles | null = null
  /** File sets whose insert finished, ready for reuse (at most two sets exist). */
  #spare: DuckColumnFiles[] = []
  #all: DuckColumnFiles[] = []
  #conn: DuckDBConnection | null = null
  #inTx = false
  #txRows = 0
  #committed = 0
  #inflight: Promise<void> | null = null
  #failure: Error | null = null
  #done = false

  constructor(
    private readonly host: DuckWriterHost,
    readonly table: string,
    readonly columns: readonly string[],
    private readonly flushRows: number,
  ) {}

  async write(batch: BulkBatch): Promise<void> {
    if (this.#done) throw new Error('bulk writer is closed')
    this.#check()
    this.#cols ??= await this.host.columns(this.table, this.columns)
    this.#files ??= this.#spare.pop() ?? this.#newFiles(this.#cols)
    const b = batch.table === this.table ? batch : { ...batch, table: this.table }
    if (!this.#files.append(b)) {
      await this.#handOver()
      await this.#settle()
      const conn = await this.#begin()
      this.#txRows += await this.host.appendRows(conn, b)
      return
    }
    if (this.#files.rows >= Math.min(SEGMENT_ROWS, this.flushRows)) await this.#handOver()
  }

  async close(): Promise<number> {
    if (this.#done) return this.#committed
    try {
      await this.#handOver()
      await this.#settle()
      await this.#commit()
      return this.#committed
    } catch (err) {
      await this.#rollback()
      throw err
    } finally {
      this.#finish()
    }
  }

  async abort(): Promise<void> {
    if (this.#done) return
    this.#done = true
    await this.#inflight?.catch(() => undefined)
    await this.#rollback()
    this.#finish()
  }

  #check(): void {
    if (this.#failure) throw this.#failure
  }

  /** Starts inserting the current segment once the previous insert is done; the next write starts a new one. */
  async #handOver(): Promise<void> {
    const files = this.#files
    if (!files || files.rows === 0) return
    this.#files = null
    await this.#settle()
    this.#inflight = this.#insert(files)
      .catch((err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err))
      })
      .finally(() => {
        files.reset()
        this.#spare.push(files)
      })
  }

  #newFiles(cols: DuckColumn[]): DuckColumnFiles {
    const files = new DuckColumnFiles(this.host.tmpRoot, this.table, cols)
    this.#all.push(files)
    return files
  }

  async #settle(): Promise<void> {
    const p = this.#inflight
    this.#inflight = null
    if (p) await p
    this.#check()
  }

  async #begin(): Promise<DuckDBConnection> {
    this.#conn ??= await this.host.connect()
    if (!this.#inTx) {
      await this.#conn.run('BEGIN TRANSACTION')
      this.#inTx = true
    }
    return this.#conn
  }

  async #insert(files: DuckColumnFiles): Promise<void> {
    const conn = await this.#begin()
    const n = Number((await conn.run(files.insertSql())).rowsChanged)
    if (n !== files.rows)
      throw new BulwarkError(
        500,
        'BulkLoadMismatch',
        `bulk load ${this.table}: read ${n} rows, wrote ${files.rows}`,
      )
    this.#txRows += n
    if (this.#txRows >= this.flushRows) await this.#commit()
  }

  async #commit(): Promise<void> {
    if (!this.#inTx) return
    await this.#conn!.run('COMMIT')
    this.#inTx = false
    this.#committed += this.#txRows
    this.#txRows = 0
  }

  async #rollback(): Promise<void> {
    if (this.#inTx) await this.#conn?.run('ROLLBACK').catch(() => undefined)
    this.#inTx = false
    this.#txRows = 0
  }

  #finish(): void {
    this.#done = true
    for (const f of this.#all) f.dispose()
    this.#all = []
    this.#spare = []
    this.#files = null
    this.#conn?.closeSync()
    this.#conn = null
    this.host.finished(this)
  }
}
