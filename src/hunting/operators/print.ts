import { operatorBinders } from '../bind/bind-context.js'
import { listElements, nameOf } from '../bind/scalar.js'
import type { IrNamed, IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, list, sql } from '../sql/sql-tree.js'

type Print = IrTabular & { op: 'project' }

/** `print a = expr, …`: one row computed from scalars. */
operatorBinders.set('PrintOperator', (node, _input, cx) => {
  const columns = cx.columnsOf(node)
  const items: IrNamed[] = listElements(cx.child(node, 'Expressions'), cx).map((e, i) => {
    const inner = cx.kind(e) === 'SimpleNamedExpression' ? cx.child(e, 'Expression')! : e
    if (cx.kind(e) === 'SimpleNamedExpression') nameOf(cx.child(e, 'Name')!, cx)
    return { name: columns[i]!.name, expr: cx.scalar(inner) }
  })
  const empty: IrTabular = { op: 'datatable', rows: [[]], columns: [], span: cx.span(node) }
  return {
    op: 'project',
    input: { ...empty, op: 'print-source' } as unknown as IrTabular,
    items,
    columns,
    span: cx.span(node),
  }
})

registerLowering('print-source' as IrTabular['op'], (_n, lx) =>
  lx.addCte(sql`SELECT 1 AS ${ident('__one')}`, [], false),
)

export type { Print }
export { list }
