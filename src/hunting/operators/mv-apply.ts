import { operatorBinders } from '../bind/bind-context.js'
import { unsupported } from '../diagnostics.js'
import type { IrColumn, IrExpr, IrNamed, IrTabular } from '../ir/ir.js'
import { bindExpandItems, paramValue } from './mv-expand.js'

type Op = IrTabular['op']
const ROW_LOCAL = new Set<Op>(['where', 'project'])

const col = (c: IrColumn): IrExpr => ({ k: 'col', name: c.name, type: c.type })

/**
 * `mv-apply x = arr [to typeof(T)] on (subquery)` with a row-local subquery (`where`, `project`,
 * `extend`, `project-*`): equivalent to expanding the arrays and applying the same operators to each
 * expanded row, then keeping the binder's output columns (the record's other columns plus the
 * subquery's). Subqueries that aggregate or limit per record (summarize, take, top) answer 400.
 */
operatorBinders.set('MvApplyOperator', (node, input, cx) => {
  const span = cx.span(node)
  if (cx.child(node, 'RowLimitClause') || paramValue(node, cx, 'with_itemindex'))
    return unsupported('mv-apply with limit or with_itemindex', span)
  const items = bindExpandItems(node, cx)
  const itemCols: IrColumn[] = items.map((it) => ({ name: it.name, type: it.to ?? 'dynamic' }))
  const applyInput: IrTabular = { op: 'apply-input', columns: itemCols, span }
  const sub = cx.child(node, 'Subquery')
  const subExpr = sub ? (cx.child(sub, 'Expression') ?? sub) : null
  if (!subExpr) return unsupported('mv-apply without a subquery', span)
  cx.applyInputs.push(applyInput)
  let body: IrTabular
  try {
    body = cx.tabular(subExpr)
  } finally {
    cx.applyInputs.pop()
  }
  // The subquery as a list of operators, innermost first.
  const chain: IrTabular[] = []
  for (let t: IrTabular = body; t.op !== 'apply-input';) {
    if (!ROW_LOCAL.has(t.op) || !('input' in t))
      return unsupported(`mv-apply with '${t.op}' in its subquery`, t.span, 'only row-local subqueries')
    chain.unshift(t)
    t = t.input
  }
  const names = new Set(items.map((i) => i.name))
  const expandedCols: IrColumn[] = [
    ...input.columns.map((c) => itemCols.find((i) => i.name === c.name) ?? c),
    ...itemCols.filter((i) => !input.columns.some((c) => c.name === i.name)),
  ]
  let cur: IrTabular = {
    op: 'mv-expand',
    input,
    items,
    limit: null,
    indexColumn: null,
    columns: expandedCols,
    span,
  }
  for (const t of chain) {
    if (t.op === 'where') cur = { ...t, input: cur, columns: cur.columns }
    else if (t.op === 'project') {
      const assigned = new Map(t.items.map((i) => [i.name, i]))
      const kept: IrColumn[] = cur.columns.filter((c) => !assigned.has(c.name) && !names.has(c.name))
      const out: IrNamed[] = [...kept.map((c) => ({ name: c.name, expr: col(c) })), ...t.items]
      cur = {
        op: 'project',
        input: cur,
        items: out,
        columns: [...kept, ...t.columns.filter((c) => assigned.has(c.name))],
        span: t.span,
      }
    }
  }
  const columns = cx.columnsOf(node)
  const last = cur
  const finalItems = columns.map((c) => {
    const src = last.columns.find((x) => x.name === c.name)
    if (!src) return unsupported(`The mv-apply output column '${c.name}'`, span)
    return { name: c.name, expr: col(src) }
  })
  return { op: 'project', input: cur, items: finalItems, columns, span }
})
