import type { HuntingCatalogue } from '../catalogue/catalogue-types.js'
import { KqlCompileError, unsupported } from '../diagnostics.js'
import type { Analysis } from '../front-end/analyze.js'
import { childNodes } from '../front-end/kusto-runtime.js'
import type { IrQuery, IrTabular } from '../ir/ir.js'
import { BindCx } from './bind-context.js'
import { bindLet, bindScalar, isTabular } from './scalar.js'
import { bindTabular } from './tabular.js'

/** Translates an analysed (bound, error-free) query into the IR. Throws KqlCompileError. */
export function bindQuery(a: Analysis, catalogue: HuntingCatalogue): IrQuery {
  const cx = new BindCx(a.code.Text, (p) => a.toOriginal(p), catalogue, a.lenient, bindScalar, bindTabular)
  const root = a.code.Syntax
  cx.root = root
  const stmts = cx.child(root, 'Statements')
  let result: IrTabular | null = null
  try {
    for (const se of stmts ? childNodes(stmts) : []) {
      const st = cx.kind(se) === 'SeparatedElement' ? (cx.child(se, 'Element') ?? childNodes(se)[0]!) : se
      const kind = cx.kind(st)
      if (kind === 'LetStatement') bindLet(st, cx)
      else if (kind === 'ExpressionStatement') {
        const e = cx.child(st, 'Expression')!
        if (!isTabular(e)) return unsupported('A scalar query result', cx.span(e), 'use print or a table')
        result = cx.tabular(e)
      } else if (kind === 'SetOptionStatement' || kind === 'QueryParametersStatement') continue
      else return unsupported(`The statement '${cx.textOf(st).slice(0, 30)}'`, cx.span(st))
    }
  } catch (err) {
    // After a data-dependent plugin the binder only knows part of the schema: whatever failed downstream
    // is decided again once the plugin's columns are known (the query is then bound anew).
    if (!(err instanceof KqlCompileError) || !cx.discoveries.some((d) => d.declared === null)) throw err
    result = null
  }
  if (!result && cx.discoveries.some((d) => d.declared === null))
    result = { op: 'datatable', rows: [], columns: [], span: { start: 0, length: 0 } }
  if (!result) return unsupported('A query without a tabular expression', { start: 0, length: 0 })
  return { lets: cx.lets, result, render: cx.render, discoveries: cx.discoveries }
}
