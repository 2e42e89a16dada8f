/**
 * Collects generated rows into columnar batches, one per hunting table, in the table's column order
 * with the leading internal "TenantId" column. Strings missing from a row become '' (Kusto strings are
 * never null); other missing values become null. A full batch is handed to `onBatch`.
 */
export type KustoType =
  'string' | 'datetime' | 'long' | 'int' | 'bool' | 'real' | 'dynamic' | 'guid' | 'timespan' | 'decimal'

export interface TableShape {
  name: string
  /** Columns as in the hunting schema (without TenantId). */
  columns: readonly { name: string; type: KustoType }[]
}

export type RowValue = string | number | boolean | Date | null | undefined
export type Row = Record<string, RowValue>

export interface ColumnBatch {
  table: string
  /** "TenantId" first, then the schema's columns. */
  columns: readonly string[]
  data: unknown[][]
  rows: number
}

export interface SinkOptions {
  tenantId: string
  shapes: readonly TableShape[]
  batchRows?: number
  /** Throw on a row key that is not a column of its table (on by default). */
  strict?: boolean
  /** Keys silently dropped when a table lacks them (shared InitiatingProcess* helpers). */
  lenientKeys?: ReadonlySet<string>
  onBatch(batch: ColumnBatch): void
}

interface TableBuffer {
  shape: TableShape
  names: string[]
  defaults: unknown[]
  index: Map<string, number>
  data: unknown[][]
  rows: number
}

export class RowSink {
  readonly #opts: SinkOptions
  readonly #tables = new Map<string, TableBuffer>()
  readonly #batchRows: number
  readonly counts = new Map<string, number>()

  constructor(opts: SinkOptions) {
    this.#opts = opts
    this.#batchRows = opts.batchRows ?? 20_000
    for (const shape of opts.shapes) {
      const names = shape.columns.map((c) => c.name)
      this.#tables.set(shape.name, {
        shape,
        names,
        defaults: shape.columns.map((c) => (c.type === 'string' ? '' : null)),
        index: new Map(names.map((n, i) => [n, i])),
        data: [],
        rows: 0,
      })
      this.counts.set(shape.name, 0)
    }
  }

  /** Adds one row given as one or more partial objects (later parts win); see the class comment. */
  push(table: string, ...parts: Row[]): void {
    const t = this.#tables.get(table)
    if (!t) throw new Error(`demo: unknown hunting table ${table}`)
    const scratch = t.defaults.slice()
    for (const part of parts)
      for (const k in part) {
        const i = t.index.get(k)
        if (i === undefined) {
          if (this.#opts.strict !== false && !this.#opts.lenientKeys?.has(k))
            throw new Error(`demo: ${table} has no column ${k}`)
          continue
        }
        const v = part[k]
        if (v !== undefined && v !== null) scratch[i] = v
      }
    if (t.rows === 0) t.data = [[], ...t.names.map(() => [])]
    t.data[0]!.push(this.#opts.tenantId)
    for (let i = 0; i < scratch.length; i++) t.data[i + 1]!.push(scratch[i])
    t.rows++
    this.counts.set(table, (this.counts.get(table) ?? 0) + 1)
    if (t.rows >= this.#batchRows) this.#flushTable(t)
  }

  #flushTable(t: TableBuffer): void {
    if (t.rows === 0) return
    const batch: ColumnBatch = {
      table: t.shape.name,
      columns: ['TenantId', ...t.names],
      data: t.data,
      rows: t.rows,
    }
    t.data = []
    t.rows = 0
    this.#opts.onBatch(batch)
  }

  /** Hands over every partly filled batch. */
  flush(): void {
    for (const t of this.#tables.values()) this.#flushTable(t)
  }

  get pendingRows(): number {
    let n = 0
    for (const t of this.#tables.values()) n += t.rows
    return n
  }
}
