import { operatorBinders } from '../bind/bind-context.js'
import type { IrTabular } from '../ir/ir.js'
import { ORD, registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql } from '../sql/sql-tree.js'

type Serialize = IrTabular & { op: 'serialize' }

/**
 * `serialize [Name = expr, …]`: the rows get a fixed order (window functions such as `row_number()`,
 * `prev()`, `next()` read it); the assignments behave like `extend` over the serialized rows.
 */
operatorBinders.set('SerializeOperator', (node, input, cx) => {
  const serialized: IrTabular = {
    op: 'serialize',
    input,
    items: [],
    columns: input.columns,
    span: cx.span(node),
  }
  const hasItems = cx.child(node, 'Expressions')?.ChildCount
  if (!hasItems) return serialized
  const extend = operatorBinders.get('ExtendOperator')!
  return extend(node, serialized, cx)
})

/** Rows that already have a KQL order keep it; others are numbered as they come (stable mode: by every column). */
export function serializedStage(lx: Lowerer, input: Stage): Stage {
  if (input.ordered) return input
  if (!lx.opts.stable) lx.deterministic = false
  const order = lx.opts.stable && input.cols.length ? sql`ORDER BY ${list(lx.tieBreakers(input))}` : raw('')
  const items = [...input.cols.map((c) => ident(c.sql)), sql`row_number() OVER (${order}) AS ${ident(ORD)}`]
  return lx.addCte(sql`SELECT ${list(items)} FROM ${input.from}`, input.cols, true)
}

registerLowering('serialize', (n, lx) => serializedStage(lx, lx.tabular((n as Serialize).input)))
