import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrExpr, IrSortKey, IrTabular } from '../ir/ir.js'
import {
  DIRECT_SRC,
  mentions,
  ORD,
  registerLowering,
  type DirectRead,
  type Lowerer,
  type Stage,
} from '../sql/lowerer.js'
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

/** ORDER BY items for sort keys over a stage (ordinal collation for strings), columns optionally qualified. */
export function orderBy(lx: Lowerer, input: Stage, keys: readonly IrSortKey[], qualifier?: string): SqlNode {
  const cx = lx.scalarCx(lx.scopeOf(input, qualifier))
  const items = keys.map((k) => {
    const x = lx.expr(k.expr, cx)
    const coll = k.expr.type === 'string' ? raw(lx.d.ordinalCollation) : raw('')
    const e = k.expr.type === 'dynamic' ? sql`CAST(${x} AS ${raw(lx.d.types.string)})` : x
    return sql`${e}${coll} ${raw(k.desc ? 'DESC' : 'ASC')} NULLS ${raw(k.nullsFirst ? 'FIRST' : 'LAST')}`
  })
  if (lx.opts.stable) items.push(...lx.tieBreakers(input, qualifier))
  return list(items)
}

/**
 * Adds the hidden `__ord` row number realising the order, optionally after a LIMIT (top-N). The stage
 * also says how the final SELECT can read the same rows directly (`DirectRead`: `ORDER BY keys [LIMIT
 * n]` over the input, or over the LIMIT's CTE when the count is not a constant).
 */
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
  const st = lx.addCte(sql`SELECT ${list(items)} FROM ${src.from}`, input.cols, true)
  const direct = directRead(lx, input, src, st, keys, limit)
  return direct ? { ...st, direct } : st
}

/**
 * The `DirectRead` of an ordered stage, or null when the keys read other tables (subqueries: their CTEs
 * would be lowered again) or a row order (`__ord`: window functions over the input's order).
 */
function directRead(
  lx: Lowerer,
  input: Stage,
  src: Stage,
  st: Stage,
  keys: readonly IrSortKey[],
  limit: SqlNode | null,
): DirectRead | null {
  if (keys.some((k) => readsTable(k.expr))) return null
  const count = limit ? constantCount(limit) : null
  const from = limit && count !== null ? input : src
  const by = orderBy(lx, from, keys, DIRECT_SRC)
  if (mentions(by, ORD)) return null
  const ctes = [st, ...(from === src ? [] : [src])].map((s) => (s.from.t === 'raw' ? s.from.s : ''))
  return { src: from, by, limit: count, ctes: ctes.reverse() }
}

/** A row count known when the SQL is built (a parameter from the query text), as a non-negative integer. */
export function constantCount(n: SqlNode): number | null {
  if (n.t !== 'param' || n.slot) return null
  const v = typeof n.value === 'bigint' ? Number(n.value) : n.value
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null
}

function readsTable(e: IrExpr): boolean {
  return e.k === 'subquery' || e.k === 'set' || (e.k === 'call' && e.args.some(readsTable))
}

registerLowering('sort', (n, lx) => {
  const s = n as Sort
  return orderedStage(lx, lx.tabular(s.input), s.keys, null)
})
