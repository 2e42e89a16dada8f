import { sourceBinders } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { inlineTable } from './inline-table.js'

type ExternalData = IrTabular & { op: 'externaldata' }

/**
 * `externaldata(cols) [urls] with (format=…)`: the engine fetches allow-listed URLs before lowering
 * (see engine.ts / external-data.ts); here the URLs and format are only recorded.
 */
sourceBinders.set('ExternalDataExpression', (node, cx) => {
  const urls = listElements(cx.child(node, 'URIs'), cx).map((u) => {
    const e = cx.scalar(u)
    if (e.k !== 'lit' || typeof e.value !== 'string')
      return unsupported('externaldata with a computed URL', cx.span(u))
    return e.value
  })
  const withText = cx.child(node, 'WithClause') ? cx.textOf(cx.child(node, 'WithClause')!) : ''
  const format = /format\s*=\s*["']?([A-Za-z]+)/i.exec(withText)?.[1]?.toLowerCase() ?? 'csv'
  const ignoreFirstRecord = /ignoreFirstRecord\s*=\s*true/i.test(withText)
  return {
    op: 'externaldata',
    urls,
    format,
    ignoreFirstRecord,
    columns: cx.columnsOf(node),
    span: cx.span(node),
  }
})

registerLowering('externaldata', (n, lx) => {
  const e = n as ExternalData
  const table = lx.opts.externalData(e.urls)
  if (!table) return unsupported(`externaldata from ${e.urls.join(', ')}`, e.span, 'the URL was not fetched')
  return inlineTable(lx, e.columns, table.rows)
})
