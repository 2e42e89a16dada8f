import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { BulwarkError } from '../core/errors.js'
import { quoteIdent, quoteString } from '../sql/quote.js'
import type { BulkBatch } from './db.js'
import { epochMicros, textOf } from './values.js'

/**
 * DuckDB's fast columnar bulk path. The JS per-row cost of the Appender (one N-API call per value) caps
 * it near 30k wide rows/s, while DuckDB's own CSV reader runs several times faster. So each column of a
 * batch is joined into its own one-column CSV file (native `Array.join`; a value is quoted only when it
 * holds a quote, CR, LF or the unit separator, found with cheap `includes` checks), the files are
 * appended to across batches, and one `INSERT … SELECT` reads them back side by side with
 * `POSITIONAL JOIN`. Timestamps travel as epoch microseconds (`make_timestamp`). NULL is a sentinel
 * string (empty lines are skipped by the CSV reader, so '' is written as `""`).
 */
const NULL_SENTINEL = '\u0001N\u0001'

export type Kind = 'text' | 'ts' | 'bool' | 'num'

export interface DuckColumn {
  name: string
  /** information_schema data_type, e.g. VARCHAR, BIGINT, TIMESTAMP, JSON. */
  type: string
}

export function kindOf(type: string): Kind {
  const t = type.toUpperCase()
  if (t === 'TIMESTAMP' || t === 'TIMESTAMP_US' || t === 'DATETIME') return 'ts'
  if (t === 'BOOLEAN') return 'bool'
  if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|DOUBLE|FLOAT|REAL|DECIMAL.*)$/.test(t))
    return 'num'
  return 'text'
}

function quoteCsv(v: string): string {
  if (v === '') return '""'
  if (v.includes('"') || v.includes('\n') || v.includes('\r') || v.includes('\u001f'))
    return `"${v.replaceAll('"', '""')}"`
  return v
}

/** Encodes one column slice as CSV lines (no trailing newline). */
export function encodeColumn(kind: Kind, col: readonly unknown[]): string {
  const n = col.length
  const out = new Array<string>(n)
  switch (kind) {
    case 'text':
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] =
          v === null || v === undefined ? NULL_SENTINEL : quoteCsv(typeof v === 'string' ? v : textOf(v))
      }
      break
    case 'ts':
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] = v === null || v === undefined ? NULL_SENTINEL : String(epochMicros(v))
      }
      break
    case 'bool':
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] =
          v === null || v === undefined
            ? NULL_SENTINEL
            : v === true || v === 1 || v === 'true'
              ? 'true'
              : 'false'
      }
      break
    case 'num':
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] =
          v === null || v === undefined ? NULL_SENTINEL : typeof v === 'boolean' ? (v ? '1' : '0') : textOf(v)
      }
      break
  }
  return out.join('\n')
}

/** A set of per-column CSV files being filled for one table. */
export class DuckColumnFiles {
  readonly #dir: string
  readonly #kinds: Kind[]
  readonly #files: string[]
  #rows = 0

  constructor(
    tmpRoot: string,
    readonly table: string,
    readonly columns: readonly DuckColumn[],
  ) {
    this.#dir = mkdtempSync(join(tmpRoot, 'bulwark-bulk-'))
    this.#kinds = columns.map((c) => kindOf(c.type))
    this.#files = columns.map((_, i) => join(this.#dir, `c${i}.csv`))
  }

  get rows(): number {
    return this.#rows
  }

  /**
   * Encodes the batch's columns (matched by name) and appends them to the files. Returns false, writing
   * nothing, when a text value equals the NULL sentinel; the caller then loads that batch another way.
   */
  append(batch: BulkBatch): boolean {
    const n = batch.data[0]?.length ?? 0
    if (n === 0) return true
    const index = new Map(batch.columns.map((c, i) => [c, i]))
    for (let c = 0; c < this.columns.length; c++) {
      const i = index.get(this.columns[c]!.name)
      if (i !== undefined && this.#kinds[c] === 'text' && batch.data[i]!.includes(NULL_SENTINEL)) return false
    }
    const encoded = this.columns.map((col, c) => {
      const i = index.get(col.name)
      const values = i === undefined ? new Array<null>(n).fill(null) : batch.data[i]!
      if (values.length !== n)
        throw new BulwarkError(
          400,
          'InvalidBulkBatch',
          `bulk load ${this.table}: column ${col.name} has ${values.length} values, expected ${n}`,
        )
      return encodeColumn(this.#kinds[c]!, values)
    })
    encoded.forEach((text, c) => appendFileSync(this.#files[c]!, text + '\n'))
    this.#rows += n
    return true
  }

  /** The `INSERT … SELECT` reading the files back; run it in a transaction and check the row count. */
  insertSql(): string {
    const opts = `header = false, auto_detect = false, delim = '\\x1f', quote = '"', escape = '"', new_line = '\\n', nullstr = ${quoteString(NULL_SENTINEL)}`
    const scans = this.columns.map((c, i) => {
      const kind = this.#kinds[i]!
      const fileType =
        kind === 'ts' ? 'BIGINT' : kind === 'text' ? 'VARCHAR' : kind === 'bool' ? 'BOOLEAN' : c.type
      return `read_csv(${quoteString(this.#files[i]!)}, ${opts}, columns = {'v': ${quoteString(fileType)}}) AS s${i}`
    })
    const select = this.columns.map((_, i) =>
      this.#kinds[i] === 'ts' ? `make_timestamp(s${i}.v)` : `s${i}.v`,
    )
    return (
      `INSERT INTO ${quoteIdent(this.table)} (${this.columns.map((c) => quoteIdent(c.name)).join(', ')}) ` +
      `SELECT ${select.join(', ')} FROM ${scans.join(' POSITIONAL JOIN ')}`
    )
  }

  /** Empties the files for the next round. */
  reset(): void {
    for (const f of this.#files) rmSync(f, { force: true })
    this.#rows = 0
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true })
  }
}
