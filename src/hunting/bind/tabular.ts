import { storageTable } from '../front-end/globals.js'
import { childNodes, symbolKindOf } from '../front-end/kusto-runtime.js'
import type { KNode } from '../front-end/kusto-types.js'
import { unsupported } from '../diagnostics.js'
import type { IrTabular } from '../ir/ir.js'
import { operatorBinders, sourceBinders, type BindCx, type Binding } from './bind-context.js'
import { bindFunctionBody, callArguments, isTabular } from './scalar.js'

/** Bound tabular expression → IR. */
export function bindTabular(node: KNode, cx: BindCx): IrTabular {
  const kind = cx.kind(node)
  switch (kind) {
    case 'PipeExpression': {
      const input = cx.tabular(cx.child(node, 'Expression')!)
      const op = cx.child(node, 'Operator')!
      const opKind = cx.kind(op)
      const binder = operatorBinders.get(opKind)
      if (!binder) return unsupported(`The operator '${operatorName(op, cx)}'`, cx.span(op))
      return binder(op, input, cx)
    }
    case 'ParenthesizedExpression':
      return cx.tabular(cx.child(node, 'Expression')!)
    case 'MaterializeExpression':
      return cx.addLet('materialize', cx.tabular(cx.child(node, 'Expression')!), true)
    case 'NameReference':
      return nameReference(node, cx)
    case 'FunctionCallExpression':
      return functionCall(node, cx)
    default: {
      const src = sourceBinders.get(kind)
      if (src) return src(node, cx)
      // Operators used as the first element (e.g. `union A, B`, `search`, `find`).
      const op = operatorBinders.get(kind)
      if (
        op &&
        (kind === 'UnionOperator' ||
          kind === 'RangeOperator' ||
          kind === 'PrintOperator' ||
          kind === 'SearchOperator' ||
          kind === 'FindOperator')
      )
        return op(node, { op: 'datatable', rows: [], columns: [], span: cx.span(node) }, cx)
      // The first operator of an mv-apply subquery reads the expanded sub-table.
      const applyInput = cx.applyInputs[cx.applyInputs.length - 1]
      if (op && applyInput) return op(node, applyInput, cx)
      return unsupported(`The tabular expression '${operatorName(node, cx)}'`, cx.span(node))
    }
  }
}

function operatorName(op: KNode, cx: BindCx): string {
  return cx.textOf(op).trim().split(/[\s(]/)[0] ?? cx.kind(op)
}

function nameReference(node: KNode, cx: BindCx): IrTabular {
  const sym = node.ReferencedSymbol
  const span = cx.span(node)
  if (!sym) return unsupported(`The table '${cx.textOf(node).trim()}'`, span)
  const b = cx.lookup(sym, sym.Name)
  if (b?.kind === 'tabular') return b.ir
  if (b?.kind === 'function') return functionCall(node, cx)
  const sk = symbolKindOf(sym.Kind)
  if (sk === 'Table') {
    const table = storageTable(cx.catalogue, sym.Name)
    if (!table) return unsupported(`The table '${sym.Name}'`, span)
    return { op: 'scan', table: sym.Name, lenient: cx.lenient, columns: cx.columnsOf(node), span }
  }
  if (sk === 'Function') return functionCall(node, cx)
  return unsupported(`The name '${sym.Name}' as a table`, span)
}

function functionCall(node: KNode, cx: BindCx): IrTabular {
  const sym = node.ReferencedSymbol
  const span = cx.span(node)
  if (!sym) return unsupported(`The function call '${cx.textOf(node).slice(0, 40)}'`, span)
  const b = cx.lookup(sym, sym.Name)
  if (b?.kind !== 'function') return unsupported(`The tabular function '${sym.Name}'`, span)
  const expansion = node.GetExpansion()
  if (!expansion) return unsupported(`The function '${sym.Name}'`, span, 'no expansion')
  const a = cx.kind(node) === 'FunctionCallExpression' ? callArguments(node, cx) : []
  const bindings = b.params.map((p, i): [string, Binding] => {
    const arg = a[i]
    if (!arg) return [p, { kind: 'scalar', expr: { k: 'lit', value: null, type: 'dynamic' } }]
    return isTabular(arg)
      ? [p, { kind: 'tabular', ir: cx.tabular(arg) }]
      : [p, { kind: 'scalar', expr: cx.scalar(arg) }]
  })
  return cx.withScope(bindings, () => {
    const body = bindFunctionBody(expansion, cx)
    if (body.kind !== 'tabular') return unsupported(`The scalar function '${sym.Name}' as a table`, span)
    return body.ir
  })
}

export { childNodes }
