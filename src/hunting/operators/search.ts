import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { callArguments, listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import { call, type IrColumn, type IrExpr, type IrTabular, type Span } from '../ir/ir.js'
import { paramValue } from './mv-expand.js'
import { tableScan } from './union.js'

/**
 * `search [kind=case_sensitive] [in (T1, T2, …)] Predicate`: the tables' rows (a union with `$table`
 * naming the source, columns merged by name) filtered by the predicate. A bare string term matches when
 * any column has it as a term (`"ab"` → has, `"ab*"` → hasprefix, `"*ab"` → hassuffix, `"*ab*"` →
 * contains; values read as text, absent columns as empty); `Col:"ab"` applies the same to one column;
 * everything else is an ordinary boolean expression. Without `in (…)`: every hunting table.
 */
operatorBinders.set('SearchOperator', (node, input, cx) => {
  const span = cx.span(node)
  const leading = input.op === 'datatable' && input.columns.length === 0 && input.rows.length === 0
  const columns = cx.columnsOf(node)
  const inClause = cx.child(node, 'InClause')
  let source: IrTabular
  if (inClause) {
    if (!leading) return unsupported('search in (…) after a pipe', span)
    const tables = listElements(cx.child(inClause, 'Expressions'), cx)
    const inputs = tables.map((t) => cx.tabular(t))
    source = {
      op: 'union',
      inputs,
      source: '$table',
      sourceNames: tables.map((t) => cx.textOf(t).trim()),
      columns,
      span,
    }
  } else if (leading) {
    // Every hunting table (the binder's output has all their columns).
    const tables = Object.keys(cx.catalogue.tables)
    source = {
      op: 'union',
      inputs: tables.map((t) => tableScan(t, cx, span)),
      source: '$table',
      sourceNames: tables,
      columns,
      span,
    }
  } else source = input
  const cs = paramValue(node, cx, 'kind')?.toLowerCase() === 'case_sensitive'
  const searched = columns.filter((c) => c.name !== '$table')
  const predicate = searchPredicate(cx.child(node, 'Condition')!, cx, searched, cs)
  return { op: 'where', input: source, predicate, columns, span }
})

function term(value: string, over: IrColumn[], cs: boolean, span: Span, cx: BindCx, at: KNode): IrExpr {
  const starts = value.startsWith('*')
  const ends = value.endsWith('*') && value.length > 1
  const core = value.slice(starts ? 1 : 0, ends ? -1 : undefined)
  if (core.includes('*'))
    return unsupported(`The search term '${value}'`, cx.span(at), 'wildcards inside a term')
  const op = starts && ends ? 'contains' : ends ? 'hasprefix' : starts ? 'hassuffix' : 'has'
  const fn = cs ? `${op}_cs` : op
  const tests = over.map((c) => {
    const col: IrExpr = { k: 'col', name: c.name, type: c.type }
    const text = c.type === 'string' ? col : call('tostring', [col], 'string', span)
    return call(fn, [text, { k: 'lit', value: core, type: 'string' }], 'bool', span)
  })
  if (!tests.length) return { k: 'lit', value: false, type: 'bool' }
  return tests.reduce((a, b) => call('or', [a, b], 'bool', span))
}

export function searchPredicate(n: KNode, cx: BindCx, columns: IrColumn[], cs: boolean): IrExpr {
  const span = cx.span(n)
  const kind = cx.kind(n)
  const lit = (x: KNode) => {
    const e = cx.scalar(x)
    return e.k === 'lit' && typeof e.value === 'string' ? e.value : undefined
  }
  switch (kind) {
    case 'AndExpression':
    case 'OrExpression':
      return call(
        kind === 'AndExpression' ? 'and' : 'or',
        [
          searchPredicate(cx.child(n, 'Left')!, cx, columns, cs),
          searchPredicate(cx.child(n, 'Right')!, cx, columns, cs),
        ],
        'bool',
        span,
      )
    case 'ParenthesizedExpression':
      return searchPredicate(cx.child(n, 'Expression')!, cx, columns, cs)
    case 'StringLiteralExpression': {
      const v = lit(n)
      if (v === undefined) return unsupported('This search term', span)
      return term(v, columns, cs, span, cx, n)
    }
    case 'SearchExpression': {
      const col = cx.scalar(cx.child(n, 'Left')!)
      const v = lit(cx.child(n, 'Right')!)
      if (col.k !== 'col' || v === undefined) return unsupported(`The search term '${cx.textOf(n)}'`, span)
      return term(v, [{ name: col.name, type: col.type }], cs, span, cx, n)
    }
    case 'FunctionCallExpression': {
      if (n.ReferencedSymbol?.Name === 'not') {
        const [a] = callArguments(n, cx)
        return call('not', [searchPredicate(a!, cx, columns, cs)], 'bool', span)
      }
      return cx.scalar(n)
    }
    default:
      return cx.scalar(n)
  }
}
