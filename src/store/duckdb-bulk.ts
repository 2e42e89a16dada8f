import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BulwarkError } from '../core/errors.js'
import { quoteIdent, quoteString } from '../sql/quote.js'
import type { BulkBatch } from './db.js'
import { epochMicros, textOf } from './values.js'

/**
 * DuckDB's fast columnar bulk path. The JS per-row cost of the Appender (one N-API call per value) caps
 * it near 30k wide rows/s, while DuckDB's own CSV reader runs several times faster. So each column of a
 * batch is joined into its own CSV file (native `Array.join`), the files are appended to across
 * batches, and one `INSERT … SELECT` reads them back side by side with `POSITIONAL JOIN`.
 *
 * Every line is `value` + U+001F (the delimiter) — a second, always empty field — so no line is ever
 * empty (the CSV reader skips empty lines) and '' needs no quotes. That lets the common case skip all
 * per-value work: a text column of plain strings is checked on the joined text with native searches
 * (no `"` or CR; exactly n − 1 LF and U+001F, i.e. none inside a value) and written as joined; a numeric
 * column of numbers/bigints/nulls is joined as is (`join` writes null as '', read back as NULL).
 * Only columns failing the check take the per-value path (quotes where needed, objects JSON-encoded).
 * Text NULL is a sentinel string (a batch holding the sentinel itself goes through the Appender);
 * timestamps travel as epoch microseconds (`make_timestamp`).
 */
const NULL_SENTINEL = '\u0001N\u0001'
const SEP = '\u001f\n'

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

/** Characters that force quoting (besides the delimiter U+001F). */
const NEEDS_QUOTES = /["\n\r]/

function quoteCsv(v: string): string {
  return NEEDS_QUOTES.test(v) || v.includes('\u001f') ? `"${v.replaceAll('"', '""')}"` : v
}

/** How often `ch` occurs in `text` (native searches, no allocation). */
function occurrences(text: string, ch: string): number {
  let n = 0
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++
  return n
}

/** The joined lines of a text column of plain strings, or null when a value needs quoting. */
function plainText(col: readonly unknown[]): string | null {
  const n = col.length
  for (let r = 0; r < n; r++) if (typeof col[r] !== 'string') return null
  const joined = col.join(SEP)
  if (joined.includes('"') || joined.includes('\r')) return null
  if (occurrences(joined, '\n') !== n - 1 || occurrences(joined, '\u001f') !== n - 1) return null
  return joined
}

function isPlainNumber(v: unknown): boolean {
  return typeof v === 'number' || typeof v === 'bigint' || v === null || v === undefined
}

/** Encodes one column slice as CSV lines (each ending with the delimiter, no trailing newline). */
export function encodeColumn(kind: Kind, col: readonly unknown[]): string {
  const n = col.length
  if (n === 0) return ''
  switch (kind) {
    case 'text': {
      const plain = plainText(col)
      if (plain !== null) return plain + '\u001f'
      const out = new Array<string>(n)
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] =
          v === null || v === undefined ? NULL_SENTINEL : quoteCsv(typeof v === 'string' ? v : textOf(v))
      }
      return out.join(SEP) + '\u001f'
    }
    case 'num': {
      if (col.every(isPlainNumber)) return col.join(SEP) + '\u001f'
      const out = col.map((v) =>
        v === null || v === undefined ? null : typeof v === 'boolean' ? (v ? 1 : 0) : quoteCsv(textOf(v)),
      )
      return out.join(SEP) + '\u001f'
    }
    case 'ts': {
      const out = new Array<number | bigint | null>(n)
      for (let r = 0; r < n; r++) {
        const v = col[r]
        out[r] = v === null || v === undefined ? null : epochMicros(v)
      }
      return out.join(SEP) + '\u001f'
    }
    case 'bool': {
      const out = col.map((v) =>
        v === null || v === undefined ? null : v === true || v === 1 || v === 'true' ? 'true' : 'false',
      )
      return out.join(SEP) + '\u001f'
    }
  }
}

/** A set of per-column CSV files being filled for one table. */
export class DuckColumnFiles {
  readonly #dir: string
  readonly #kinds: Kind[]
  readonly #files: string[]
  /** Open descriptors (opened on the first append, closed before DuckDB reads the files). */
  #fds: number[] | null = null
  /** The next open truncates (the files are reused: creating files is the slow part on some disks). */
  #truncate = true
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
    const flag = this.#truncate ? 'w' : 'a'
    const fds = (this.#fds ??= this.#files.map((f) => openSync(f, flag)))
    this.#truncate = false
    encoded.forEach((text, c) => writeSync(fds[c]!, text + '\n'))
    this.#rows += n
    return true
  }

  /** The `INSERT … SELECT` reading the files back; run it in a transaction and check the row count. */
  insertSql(): string {
    this.#closeFiles()
    const opts = (kind: Kind) =>
      `header = false, auto_detect = false, delim = '\u001f', quote = '"', escape = '"', new_line = '\\n', nullstr = ${quoteString(kind === 'text' ? NULL_SENTINEL : '')}`
    const scans = this.columns.map((c, i) => {
      const kind = this.#kinds[i]!
      const fileType =
        kind === 'ts' ? 'BIGINT' : kind === 'text' ? 'VARCHAR' : kind === 'bool' ? 'BOOLEAN' : c.type
      return `read_csv(${quoteString(this.#files[i]!)}, ${opts(kind)}, columns = {'v': ${quoteString(fileType)}, 'x': 'VARCHAR'}) AS s${i}`
    })
    const select = this.columns.map((_, i) =>
      this.#kinds[i] === 'ts' ? `make_timestamp(s${i}.v)` : `s${i}.v`,
    )
    return (
      `INSERT INTO ${quoteIdent(this.table)} (${this.columns.map((c) => quoteIdent(c.name)).join(', ')}) ` +
      `SELECT ${select.join(', ')} FROM ${scans.join(' POSITIONAL JOIN ')}`
    )
  }

  /** Empties the files for the next round (they are truncated on the next append). */
  reset(): void {
    this.#closeFiles()
    this.#truncate = true
    this.#rows = 0
  }

  dispose(): void {
    this.#closeFiles()
    rmSync(this.#dir, { recursive: true, force: true })
  }

  #closeFiles(): void {
    for (const fd of this.#fds ?? []) closeSync(fd)
    this.#fds = null
  }
}
