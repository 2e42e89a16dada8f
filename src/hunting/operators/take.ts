import { operatorBinders } from '../bind/bind-context.js'
import type { IrTabular } from '../ir/ir.js'
import { ORD, registerLowering } from '../sql/lowerer.js'
import { ident, list, sql } from '../sql/sql-tree.js'
import { passItems } from './common.js'
import { lowerScan } from './scan.js'
import { constantCount } from './sort.js'
import { whereChainOnScan } from './where.js'

type Take = IrTabular & { op: 'take' }

/** `take` / `limit`: the first N rows in the current order (arbitrary rows when unordered). */
operatorBinders.set('TakeOperator', (node, input, cx) => ({
  op: 'take',
  input,
  count: cx.scalar(cx.child(node, 'Expression')!),
  columns: input.columns,
  span: cx.span(node),
}))

registerLowering('take', (n, lx) => {
  const t = n as Take
  // `Table [| where …] | take N` outside stable mode (which orders the rows first): a LIMIT in the scan.
  const chain = lx.opts.stable ? null : whereChainOnScan(t.input)
  if (chain) {
    lx.deterministic = false
    return lowerScan(chain.scan, lx, { predicates: chain.predicates, limit: t.count })
  }
  const input = lx.tabular(t.input)
  const stable = !input.ordered && Boolean(lx.opts.stable) && input.cols.length > 0
  if (!input.ordered && !stable) lx.deterministic = false
  const count = lx.expr(t.count, lx.scalarCx(lx.scopeOf(input)))
  const items = passItems(input).map((i) => sql`${i.expr} AS ${ident(i.col.sql)}`)
  if (input.ordered) items.push(ident(ORD))
  const tail = input.ordered
    ? sql` ORDER BY ${ident(ORD)}`
    : stable
      ? sql` ORDER BY ${list(lx.tieBreakers(input))}`
      : sql``
  const st = lx.addCte(
    sql`SELECT ${list(items)} FROM ${input.from}${tail} LIMIT ${count}`,
    input.cols,
    input.ordered,
  )
  // `sort by … | take N` read directly like `top N by …` (see DirectRead)
  const d = input.direct
  const rows = d ? constantCount(count) : null
  if (!d || rows === null || st.from.t !== 'raw') return st
  const limit = d.limit === null ? rows : Math.min(d.limit, rows)
  return { ...st, direct: { ...d, limit, ctes: [...d.ctes, st.from.s] } }
})
