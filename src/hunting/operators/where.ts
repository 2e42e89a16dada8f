import { operatorBinders } from '../bind/bind-context.js'
import type { IrExpr, IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { passItems, selectStage } from './common.js'
import { lowerScan } from './scan.js'

type Where = IrTabular & { op: 'where' }

/** `where` / `filter`: a row predicate; keeps the input's row order. */
operatorBinders.set('FilterOperator', (node, input, cx) => ({
  op: 'where',
  input,
  predicate: cx.scalar(cx.child(node, 'Condition')!),
  columns: input.columns,
  span: cx.span(node),
}))

/** The predicates of a chain of `where` over a table scan (innermost first), or null. */
export function whereChainOnScan(
  n: IrTabular,
): { scan: IrTabular & { op: 'scan' }; predicates: IrExpr[] } | null {
  const predicates: IrExpr[] = []
  let t = n
  while (t.op === 'where') {
    predicates.unshift(t.predicate)
    t = t.input
  }
  return t.op === 'scan' ? { scan: t, predicates } : null
}

registerLowering('where', (n, lx) => {
  const w = n as Where
  // `Table | where … | where …`: the predicates go into the scan's own SELECT (one CTE).
  const chain = whereChainOnScan(w)
  if (chain) return lowerScan(chain.scan, lx, { predicates: chain.predicates })
  const input = lx.tabular(w.input)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const pred = lx.expr(w.predicate, cx)
  const cond =
    w.predicate.type === 'bool'
      ? pred
      : lx.expr({ k: 'call', fn: 'tobool', args: [w.predicate], type: 'bool', span: w.span }, cx)
  return selectStage(lx, input, passItems(input), { where: cond, keepOrder: true })
})
