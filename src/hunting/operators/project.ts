import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements, nameOf } from '../bind/scalar.js'
import type { KNode } from '../front-end/kusto-types.js'
import { unsupported } from '../diagnostics.js'
import type { IrColumn, IrExpr, IrNamed, IrTabular } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { namedItems, selectStage } from './common.js'

type Project = IrTabular & { op: 'project' }

const col = (c: IrColumn): IrExpr => ({ k: 'col', name: c.name, type: c.type })

/** Expressions of `project`/`extend` with their explicit names (undefined when unnamed). */
function namedExpressions(
  node: KNode,
  cx: BindCx,
): { name: string | undefined; expr: IrExpr; node: KNode }[] {
  const out: { name: string | undefined; expr: IrExpr; node: KNode }[] = []
  for (const e of listElements(cx.child(node, 'Expressions'), cx)) {
    const k = cx.kind(e)
    if (k === 'SimpleNamedExpression') {
      const n = cx.child(e, 'Name')!
      out.push({
        name: nameOf(cx.child(n, 'Name') ?? n, cx),
        expr: cx.scalar(cx.child(e, 'Expression')!),
        node: e,
      })
    } else if (k === 'CompoundNamedExpression') {
      return unsupported('A tuple assignment (a, b) = …', cx.span(e))
    } else if (k === 'NameReference' && e.ReferencedSymbol) {
      out.push({ name: e.ReferencedSymbol.Name, expr: cx.scalar(e), node: e })
    } else out.push({ name: undefined, expr: cx.scalar(e), node: e })
  }
  return out
}

/** `project`: one output column per expression, in order. */
operatorBinders.set('ProjectOperator', (node, input, cx) => {
  const columns = cx.columnsOf(node)
  const exprs = namedExpressions(node, cx)
  if (exprs.length !== columns.length) return unsupported('This project form', cx.span(node))
  return {
    op: 'project',
    input,
    items: exprs.map((e, i) => ({ name: columns[i]!.name, expr: e.expr })),
    columns,
    span: cx.span(node),
  }
})

function references(e: IrExpr, names: ReadonlySet<string>): boolean {
  switch (e.k) {
    case 'col':
      return names.has(e.name)
    case 'call':
      return e.args.some((x) => references(x, names))
    case 'lit':
    case 'set':
    case 'subquery':
      return false
  }
}

/**
 * `extend`: input columns (replaced in place when re-assigned) plus new ones. Items may use columns
 * assigned earlier in the same extend; such an extend becomes a chain of projections.
 */
operatorBinders.set('ExtendOperator', (node, input, cx) => {
  const columns = cx.columnsOf(node)
  const exprs = namedExpressions(node, cx)
  const inputNames = new Set(input.columns.map((c) => c.name))
  const named = new Set(exprs.flatMap((e) => (e.name ? [e.name] : [])))
  const fresh = columns.filter((c) => !inputNames.has(c.name) && !named.has(c.name)).map((c) => c.name)
  const assignments = exprs.map((e) => ({ name: e.name ?? fresh.shift() ?? '', expr: e.expr }))
  let current = input
  let batch: { name: string; expr: IrExpr }[] = []
  const flush = (final: boolean) => {
    const cols: IrColumn[] = final ? columns : [...current.columns]
    if (!final)
      for (const a of batch) {
        const i = cols.findIndex((c) => c.name === a.name)
        if (i >= 0) cols[i] = { name: a.name, type: a.expr.type }
        else cols.push({ name: a.name, type: a.expr.type })
      }
    const assigned = new Map(batch.map((a) => [a.name, a.expr]))
    const items: IrNamed[] = cols.map((c) => ({ name: c.name, expr: assigned.get(c.name) ?? col(c) }))
    current = { op: 'project', input: current, items, columns: cols, span: cx.span(node) }
    batch = []
  }
  for (const a of assignments) {
    if (references(a.expr, new Set(batch.map((b) => b.name)))) flush(false)
    batch.push(a)
  }
  flush(true)
  return current
})

/** `project-away`, `project-keep`, `project-reorder`, `project-rename`: column selection by the binder's result. */
function byResult(node: KNode, input: IrTabular, cx: BindCx, renames: Map<string, string>): IrTabular {
  const columns = cx.columnsOf(node)
  const items = columns.map((c) => {
    const from = renames.get(c.name) ?? c.name
    const src = input.columns.find((i) => i.name === from)
    if (!src) return unsupported(`The column '${c.name}'`, cx.span(node))
    return { name: c.name, expr: col(src) }
  })
  return { op: 'project', input, items, columns, span: cx.span(node) }
}

operatorBinders.set('ProjectAwayOperator', (node, input, cx) => byResult(node, input, cx, new Map()))
operatorBinders.set('ProjectKeepOperator', (node, input, cx) => byResult(node, input, cx, new Map()))
operatorBinders.set('ProjectReorderOperator', (node, input, cx) => byResult(node, input, cx, new Map()))
operatorBinders.set('ProjectRenameOperator', (node, input, cx) => {
  const renames = new Map<string, string>()
  for (const e of listElements(cx.child(node, 'Expressions'), cx)) {
    if (cx.kind(e) !== 'SimpleNamedExpression') continue
    const n = cx.child(e, 'Name')!
    const target = nameOf(cx.child(n, 'Name') ?? n, cx)
    const src = cx.child(e, 'Expression')!
    renames.set(target, src.ReferencedSymbol?.Name ?? nameOf(src, cx))
  }
  return byResult(node, input, cx, renames)
})

registerLowering('project', (n, lx) => {
  const p = n as Project
  const input = lx.tabular(p.input)
  // Plain column items are copied as they are (a projection never compares values).
  const items = namedItems(lx, input, p.items, p.columns, { copyColumns: true })
  return selectStage(lx, input, items, { keepOrder: true })
})
