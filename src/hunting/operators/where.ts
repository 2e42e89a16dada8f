import { operatorBinders } from '../bind/bind-context.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { passItems, selectStage } from './common.js'

type Where = IrTabular & { op: 'where' }

/** `where` / `filter`: a row predicate; keeps the input's row order. */
operatorBinders.set('FilterOperator', (node, input, cx) => ({
  op: 'where',
  input,
  predicate: cx.scalar(cx.child(node, 'Condition')!),
  columns: input.columns,
  span: cx.span(node),
}))

registerLowering('where', (n, lx) => {
  const w = n as Where
  const input = lx.tabular(w.input)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const pred = lx.expr(w.predicate, cx)
  const cond =
    w.predicate.type === 'bool'
      ? pred
      : lx.expr({ k: 'call', fn: 'tobool', args: [w.predicate], type: 'bool', span: w.span }, cx)
  return selectStage(lx, input, passItems(input), { where: cond, keepOrder: true })
})
