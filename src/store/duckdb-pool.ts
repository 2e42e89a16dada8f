import type { DuckDBConnection } from '@duckdb/node-api'

/**
 * The connections of one DuckDB instance. A DuckDB connection runs one statement at a time, so each
 * statement (or transaction) borrows a connection for its duration: reads run side by side on
 * different connections (MVCC snapshots), while writes also take the single write lock, so two
 * writers of this process never race for the same rows (DuckDB's optimistic concurrency would make
 * the second one fail with a conflict instead of waiting the way PostgreSQL's row locks do).
 */
export class DuckConnectionPool {
  readonly #idle: DuckDBConnection[]
  readonly #waiting: ((c: DuckDBConnection) => void)[] = []
  #writeTail: Promise<unknown> = Promise.resolve()
  #busy = 0
  #drained: (() => void)[] = []

  constructor(readonly connections: readonly DuckDBConnection[]) {
    if (connections.length === 0) throw new Error('a DuckDB pool needs at least one connection')
    this.#idle = [...connections]
  }

  /**
   * Runs `fn` on a free connection (waits for one when all are busy). With `prefer`, an idle connection
   * it accepts is taken first (connections keep session settings such as `preserve_insertion_order`, so
   * a statement that needs one finds a connection that already has it).
   */
  async use<T>(
    fn: (conn: DuckDBConnection) => Promise<T>,
    prefer?: (c: DuckDBConnection) => boolean,
  ): Promise<T> {
    this.#busy++
    try {
      const conn = this.#take(prefer) ?? (await new Promise<DuckDBConnection>((r) => this.#waiting.push(r)))
      try {
        return await fn(conn)
      } finally {
        const next = this.#waiting.shift()
        if (next) next(conn)
        else this.#idle.push(conn)
      }
    } finally {
      if (--this.#busy === 0) for (const done of this.#drained.splice(0)) done()
    }
  }

  #take(prefer?: (c: DuckDBConnection) => boolean): DuckDBConnection | undefined {
    if (prefer)
      for (let i = this.#idle.length - 1; i >= 0; i--)
        if (prefer(this.#idle[i]!)) return this.#idle.splice(i, 1)[0]
    return this.#idle.pop()
  }

  /** Runs `fn` holding the write lock (FIFO) on a free connection. */
  write<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = () => this.use(fn)
    const out = this.#writeTail.then(run, run)
    this.#writeTail = out.catch(() => undefined)
    return out
  }

  /** Resolves once no statement is running or waiting. */
  drain(): Promise<void> {
    if (this.#busy === 0) return Promise.resolve()
    return new Promise((r) => this.#drained.push(r))
  }

  closeAll(): void {
    for (const c of this.connections) c.closeSync()
  }
}
