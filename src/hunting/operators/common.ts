import type { IrColumn, IrNamed } from '../ir/ir.js'
import { ORD, type Lowerer, type Stage, type StageColumn } from '../sql/lowerer.js'
import { ident, list, raw, seq, sql, type SqlNode } from '../sql/sql-tree.js'

/** `SELECT items FROM stage [WHERE …] [GROUP BY …] …` as a new CTE stage. */
export function selectStage(
  lx: Lowerer,
  input: Stage,
  items: { expr: SqlNode; col: StageColumn }[],
  opts: { where?: SqlNode; keepOrder?: boolean; tail?: SqlNode; fromSql?: SqlNode } = {},
): Stage {
  const keep = Boolean(opts.keepOrder && input.ordered)
  const sel = items.map((i) => sql`${i.expr} AS ${ident(i.col.sql)}`)
  if (keep) sel.push(ident(ORD))
  const body = seq(
    raw('SELECT '),
    sel.length ? list(sel) : raw('NULL AS "__empty"'),
    sql` FROM ${opts.fromSql ?? input.from}`,
    opts.where ? sql` WHERE ${opts.where}` : raw(''),
    opts.tail ?? raw(''),
  )
  return lx.addCte(
    body,
    items.map((i) => i.col),
    keep,
  )
}

/** Lowers named expressions over `input` into select items with freshly allocated identifiers. */
export function namedItems(
  lx: Lowerer,
  input: Stage,
  named: readonly IrNamed[],
  types: readonly IrColumn[],
  opts: { copyColumns?: boolean } = {},
) {
  const cols = lx.allocate(named.map((n, i) => ({ name: n.name, type: types[i]?.type ?? n.expr.type })))
  const cx = lx.scalarCx(lx.scopeOf(input))
  return named.map((n, i) => ({
    expr:
      opts.copyColumns && n.expr.type === cols[i]!.type
        ? lx.copyOrExpr(n.expr, input, cx)
        : lx.expr(n.expr, cx),
    col: cols[i]!,
  }))
}

/** Pass-through items for all columns of a stage, renaming nothing. */
export function passItems(input: Stage): { expr: SqlNode; col: StageColumn }[] {
  return input.cols.map((c) => ({ expr: ident(c.sql), col: c }))
}
