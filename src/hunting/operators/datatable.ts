import { sourceBinders } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { invalid } from '../diagnostics.js'
import type { IrTabular, IrValue } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { inlineTable } from './inline-table.js'

type DataTable = IrTabular & { op: 'datatable' }

/** `datatable(a:string, b:long) [ … ]`: constant rows. */
sourceBinders.set('DataTableExpression', (node, cx) => {
  const columns = cx.columnsOf(node)
  const values = listElements(cx.child(node, 'Values'), cx).map((v) => {
    const e = cx.scalar(v)
    if (e.k !== 'lit') return invalid('datatable values must be constants', cx.span(v))
    return e.value
  })
  const n = Math.max(1, columns.length)
  if (values.length % n !== 0) return invalid('datatable has an incomplete last row', cx.span(node))
  const rows: IrValue[][] = []
  for (let i = 0; i < values.length; i += n) rows.push(values.slice(i, i + n))
  return { op: 'datatable', rows, columns, span: cx.span(node) }
})

registerLowering('datatable', (n, lx) => {
  const d = n as DataTable
  return inlineTable(lx, d.columns, d.rows)
})
