import { operatorBinders } from '../bind/bind-context.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { bindSortKeys, orderedStage } from './sort.js'

type Top = IrTabular & { op: 'top' }

/** `top N by key [asc|desc]`: sort + take, computed as an ORDER BY … LIMIT. */
operatorBinders.set('TopOperator', (node, input, cx) => {
  const by = cx.child(node, 'ByExpression')!
  return {
    op: 'top',
    input,
    count: cx.scalar(cx.child(node, 'Expression')!),
    keys: bindSortKeys([by], cx),
    columns: input.columns,
    span: cx.span(node),
  }
})

registerLowering('top', (n, lx) => {
  const t = n as Top
  const input = lx.tabular(t.input)
  const count = lx.expr(t.count, lx.scalarCx(lx.scopeOf(input)))
  return orderedStage(lx, input, t.keys, count)
})
