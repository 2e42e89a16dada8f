import type { SqlValue } from '../store/db.js'

/** Collects bound parameters while SQL text is assembled; `p(v)` returns the next `$n`. */
export class SqlBuilder {
  readonly params: SqlValue[] = []

  p(v: SqlValue): string {
    this.params.push(v)
    return `$${this.params.length}`
  }

  get next(): number {
    return this.params.length + 1
  }

  push(values: readonly SqlValue[]): void {
    this.params.push(...values)
  }
}

export const q = (name: string): string => `"${name.replace(/"/g, '""')}"`
