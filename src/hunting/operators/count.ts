import { operatorBinders } from '../bind/bind-context.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, sql } from '../sql/sql-tree.js'

type Count = IrTabular & { op: 'count' }

/** The `count` operator: one row, one column `Count`. */
operatorBinders.set('CountOperator', (node, input, cx) => ({
  op: 'count',
  input,
  columns: cx.columnsOf(node),
  span: cx.span(node),
}))

registerLowering('count', (n, lx) => {
  const c = n as Count
  const input = lx.tabular(c.input)
  const cols = lx.allocate(c.columns)
  return lx.addCte(sql`SELECT count(*) AS ${ident(cols[0]!.sql)} FROM ${input.from}`, cols, false)
})
