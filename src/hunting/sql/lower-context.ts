import type { IrExpr, KType, Span } from '../ir/ir.js'
import type { SqlDialect } from './dialect.js'
import type { SqlNode } from './sql-tree.js'

/** Resolves a KQL column name (optionally of one join side) to SQL in the current row scope. */
export interface ColumnScope {
  column(name: string, side?: 'left' | 'right'): SqlNode | undefined
  /** The hidden row-order column when the rows are serialized (after sort, top, serialize, …). */
  rowOrder?: SqlNode
}

/** What scalar function templates can use. */
export interface ScalarCx {
  d: SqlDialect
  /** Lowers a sub-expression in the same row scope. */
  expr(e: IrExpr): SqlNode
  /** Lowers and converts to the wanted KQL type (dynamic → string, etc.). */
  as(e: IrExpr, to: KType): SqlNode
  /** Query start time ("now"), epoch microseconds. */
  nowUs: number
  scope: ColumnScope
  /** Lowers a tabular subquery to SQL selecting its first column. */
  subquery(e: IrExpr & { k: 'subquery' | 'set' }): SqlNode
  /** `SELECT v` over the text values of a one-column table (array elements when dynamic). */
  setValues(e: IrExpr & { k: 'set' }): SqlNode
  /** Marks the query result as not deterministic (differential tests compare counts only). */
  nondeterministic(): void
  fail(what: string, span: Span): never
}
