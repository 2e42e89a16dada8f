import type pg from 'pg'
import type { BulkBatch, BulkWriter } from './db.js'
import { copyChunks, encodeBinaryRows, pgKinds, type PgColumn } from './pg-copy.js'

/** Encoded COPY data per segment: about this many bytes go to the server in one COPY. */
export const SEGMENT_BYTES = 8 * 1024 * 1024

/** Where a writer's COPYs run. */
export interface PgWriterConnections {
  /** A connection for one segment; `done(destroy)` gives it back. */
  acquire(): Promise<{ client: pg.PoolClient; done: (destroy: boolean) => void }>
  /**
   * true: all segments run on one connection inside one transaction (a caller's transaction, or
   * `flushRows: Infinity`); the writer then keeps the connection from the first segment to close().
   */
  held: 'caller-transaction' | 'own-transaction' | false
}

/**
 * The PostgreSQL bulk writer. Batches are encoded in JavaScript into binary COPY tuples and kept in
 * memory until a segment is full (SEGMENT_BYTES or `flushRows` rows); the segment is then copied in
 * the background — one `COPY … FROM STDIN (FORMAT binary)` on a connection borrowed from the pool
 * only for that COPY, committed on its own — while the next segment is encoded. So any number of
 * writers can be open at once (the demo writes 27 tables) without holding pooled connections between
 * writes; each waits for a free connection only while it copies.
 */
export class PgBulkWriter implements BulkWriter {
  #kinds: ReturnType<typeof pgKinds> | null = null
  #chunks: Buffer[] = []
  #bytes = 0
  #rows = 0
  #written = 0
  #held: { client: pg.PoolClient; done: (destroy: boolean) => void } | null = null
  #inflight: Promise<void> | null = null
  #failure: Error | null = null
  #done = false

  constructor(
    private readonly conns: PgWriterConnections,
    readonly table: string,
    private readonly columns: () => Promise<PgColumn[]>,
    private readonly flushRows: number,
  ) {}

  async write(batch: BulkBatch): Promise<void> {
    if (this.#done) throw new Error('bulk writer is closed')
    this.#check()
    const cols = await this.columns()
    this.#kinds ??= pgKinds(this.table, cols)
    const buf = encodeBinaryRows(this.table, cols, this.#kinds, batch)
    this.#chunks.push(buf)
    this.#bytes += buf.length
    this.#rows += batch.data[0]?.length ?? 0
    if (this.#bytes >= SEGMENT_BYTES || this.#rows >= this.flushRows) await this.#handOver()
  }

  async close(): Promise<number> {
    if (this.#done) return this.#written
    try {
      await this.#handOver()
      await this.#settle()
      if (this.#held && this.conns.held === 'own-transaction') await this.#held.client.query('COMMIT')
      this.#release(false)
      return this.#written
    } catch (err) {
      await this.#rollback()
      throw err
    } finally {
      this.#done = true
      this.#chunks = []
    }
  }

  async abort(): Promise<void> {
    if (this.#done) return
    this.#done = true
    this.#chunks = []
    await this.#inflight?.catch(() => undefined)
    await this.#rollback()
  }

  #check(): void {
    if (this.#failure) throw this.#failure
  }

  async #handOver(): Promise<void> {
    if (this.#rows === 0) return
    const chunks = this.#chunks
    const rows = this.#rows
    this.#chunks = []
    this.#bytes = 0
    this.#rows = 0
    await this.#settle()
    this.#inflight = this.#copy(chunks, rows).catch((err: unknown) => {
      this.#failure ??= err instanceof Error ? err : new Error(String(err))
    })
  }

  async #settle(): Promise<void> {
    const p = this.#inflight
    this.#inflight = null
    if (p) await p
    this.#check()
  }

  async #copy(chunks: Buffer[], rows: number): Promise<void> {
    const cols = await this.columns()
    if (this.conns.held) {
      if (!this.#held) {
        this.#held = await this.conns.acquire()
        if (this.conns.held === 'own-transaction') await this.#held.client.query('BEGIN')
      }
      await copyChunks(this.#held.client, this.table, cols, chunks)
    } else {
      const { client, done } = await this.conns.acquire()
      try {
        await copyChunks(client, this.table, cols, chunks)
      } catch (err) {
        done(true)
        throw err
      }
      done(false)
    }
    this.#written += rows
  }

  async #rollback(): Promise<void> {
    const held = this.#held
    if (!held) return
    if (this.conns.held === 'own-transaction') {
      const ok = await held.client.query('ROLLBACK').then(
        () => true,
        () => false,
      )
      this.#release(!ok)
    } else this.#release(false)
  }

  #release(destroy: boolean): void {
    const held = this.#held
    this.#held = null
    held?.done(destroy)
  }
}
