import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrSortKey, IrTabular } from '../ir/ir.js'
import { ORD, registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { passItems } from './common.js'

type Sort = IrTabular & { op: 'sort' }

/** Sort keys of `sort by` / `top … by`: default descending; nulls last for desc, first for asc. */
export function bindSortKeys(exprs: KNode[], cx: BindCx): IrSortKey[] {
  return exprs.map((e) => {
    if (cx.kind(e) !== 'OrderedExpression') return { expr: cx.scalar(e), desc: true, nullsFirst: false }
    const ordering = cx.child(e, 'Ordering')
    const text = ordering ? cx.textOf(ordering).toLowerCase() : ''
    const desc = !/\basc\b/.test(text)
    const nullsFirst = /nulls\s+first/.test(text) ? true : /nulls\s+last/.test(text) ? false : !desc
    return { expr: cx.scalar(cx.child(e, 'Expression')!), desc, nullsFirst }
  })
}

operatorBinders.set('SortOperator', (node, input, cx) => ({
  op: 'sort',
  input,
  keys: bindSortKeys(listElements(cx.child(node, 'Expressions'), cx), cx),
  columns: input.columns,
  span: cx.span(node),
}))

/** ORDER BY items for sort keys over a stage (ordinal collation for strings). */
export function orderBy(lx: Lowerer, input: Stage, keys: readonly IrSortKey[]): SqlNode {
  const cx = lx.scalarCx(lx.scopeOf(input))
  const items = keys.map((k) => {
    const x = lx.expr(k.expr, cx)
    const coll = k.expr.type === 'string' ? raw(lx.d.ordinalCollation) : raw('')
    const e = k.expr.type === 'dynamic' ? sql`CAST(${x} AS ${raw(lx.d.types.string)})` : x
    return sql`${e}${coll} ${raw(k.desc ? 'DESC' : 'ASC')} NULLS ${raw(k.nullsFirst ? 'FIRST' : 'LAST')}`
  })
  if (lx.opts.stable) items.push(...lx.tieBreakers(input))
  return list(items)
}

/** Adds the hidden `__ord` row number realising the order, optionally after a LIMIT (top-N). */
export function orderedStage(
  lx: Lowerer,
  input: Stage,
  keys: readonly IrSortKey[],
  limit: SqlNode | null,
): Stage {
  const ob = orderBy(lx, input, keys)
  let src = input
  if (limit) {
    const items = passItems(input).map((i) => sql`${i.expr} AS ${ident(i.col.sql)}`)
    src = lx.addCte(
      sql`SELECT ${list(items)} FROM ${input.from} ORDER BY ${ob} LIMIT ${limit}`,
      input.cols,
      false,
    )
  }
  const ob2 = orderBy(lx, src, keys)
  const items = passItems(src).map((i) => sql`${i.expr} AS ${ident(i.col.sql)}`)
  items.push(sql`row_number() OVER (ORDER BY ${ob2}) AS ${ident(ORD)}`)
  return lx.addCte(sql`SELECT ${list(items)} FROM ${src.from}`, input.cols, true)
}

registerLowering('sort', (n, lx) => {
  const s = n as Sort
  return orderedStage(lx, lx.tabular(s.input), s.keys, null)
})
