import { operatorBinders } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, list, sql } from '../sql/sql-tree.js'
import { namedItems } from './common.js'

type Distinct = IrTabular & { op: 'distinct' }

/** `distinct a, b` / `distinct *`. */
operatorBinders.set('DistinctOperator', (node, input, cx) => {
  const columns = cx.columnsOf(node)
  const exprs = listElements(cx.child(node, 'Expressions'), cx)
  const star = exprs.some((e) => cx.kind(e) === 'StarExpression')
  const items = star
    ? columns.map((c) => ({ name: c.name, expr: { k: 'col' as const, name: c.name, type: c.type } }))
    : exprs.map((e, i) => ({
        name: columns[i]!.name,
        expr: cx.scalar(cx.kind(e) === 'SimpleNamedExpression' ? cx.child(e, 'Expression')! : e),
      }))
  return { op: 'distinct', input, items, columns, span: cx.span(node) }
})

registerLowering('distinct', (n, lx) => {
  const d = n as Distinct
  const input = lx.tabular(d.input)
  const items = namedItems(lx, input, d.items, d.columns)
  const sel = items.map((i) => sql`${i.expr} AS ${ident(i.col.sql)}`)
  return lx.addCte(
    sql`SELECT DISTINCT ${list(sel)} FROM ${input.from}`,
    items.map((i) => i.col),
    false,
  )
})
