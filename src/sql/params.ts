/** A value a statement parameter can carry (mirrors the store's `SqlValue`). */
export type SqlParam = string | number | bigint | boolean | null | Date | Uint8Array | readonly string[]

/**
 * Collects statement parameters while a printer writes SQL: `p.add(v)` returns `$n` for the next
 * position. Both engines take `$1..$n`. Reusing a placeholder for the same value is left to the caller.
 */
export class SqlParams {
  readonly values: SqlParam[] = []

  add(value: SqlParam): string {
    this.values.push(value)
    return `$${this.values.length}`
  }

  get length(): number {
    return this.values.length
  }
}

/** SQL text plus its parameters, the unit `odata` and `hunting` hand to the caller to execute. */
export interface SqlStatement {
  sql: string
  params: readonly SqlParam[]
}
