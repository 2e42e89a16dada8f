import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import { lenientColumns } from '../front-end/globals.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrColumn, IrTabular, Span } from '../ir/ir.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, list, param, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { convert } from '../sql/convert.js'
import { paramValue } from './mv-expand.js'

type Union = IrTabular & { op: 'union' }

function wildcardTables(pattern: string, cx: BindCx): string[] {
  const re = new RegExp('^' + pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$')
  return Object.keys(cx.catalogue.tables).filter((t) => re.test(t))
}

/** A scan of every column of hunting table `table` (as the binder reads it: lenient or strict). */
export function tableScan(table: string, cx: BindCx, span: Span): IrTabular {
  const columns: IrColumn[] = cx.lenient
    ? (lenientColumns(cx.catalogue, table)?.columns ?? []).map(([name, type]) => ({ name, type }))
    : cx.catalogue.tables[table]!.columns.map(([name, type]) => ({ name, type }))
  return { op: 'scan', table, lenient: cx.lenient, columns, span }
}

function unionInputs(node: KNode, cx: BindCx): { ir: IrTabular; source: string }[] {
  const out: { ir: IrTabular; source: string }[] = []
  for (const e of listElements(cx.child(node, 'Expressions'), cx)) {
    const text = cx.textOf(e).trim()
    if (/^[A-Za-z_][\w]*\*[\w*]*$/.test(text) || text.includes('*')) {
      for (const t of wildcardTables(text, cx)) out.push({ ir: tableScan(t, cx, cx.span(e)), source: t })
      continue
    }
    out.push({ ir: cx.tabular(e), source: /^[A-Za-z_]\w*$/.test(text) ? text : `union_arg${out.length}` })
  }
  return out
}

/** `union` (piped or leading): columns merged by name (the binder's result), missing ones null. */
operatorBinders.set('UnionOperator', (node, input, cx) => {
  const leading = input.op === 'datatable' && input.columns.length === 0 && input.rows.length === 0
  const inputs = [...(leading ? [] : [{ ir: input, source: 'union_arg0' }]), ...unionInputs(node, cx)]
  const columns = cx.columnsOf(node)
  const withSource = paramValue(node, cx, 'withsource') ?? paramValue(node, cx, 'source') ?? null
  if (paramValue(node, cx, 'kind')?.toLowerCase() === 'inner')
    return unsupported('union kind=inner', cx.span(node))
  if (inputs.length === 0) return unsupported('An empty union', cx.span(node))
  return {
    op: 'union',
    inputs: inputs.map((i) => i.ir),
    source: withSource,
    sourceNames: inputs.map((i) => i.source),
    columns,
    span: cx.span(node),
  }
})

registerLowering('union', (n, lx) => {
  const u = n as Union
  const cols = lx.allocate(u.columns)
  const selects: SqlNode[] = u.inputs.map((inp, k) => {
    const st = lx.tabular(inp)
    const items = cols.map((c) => {
      if (u.source && c.name === u.source)
        return sql`${param(u.sourceNames[k] ?? '', 'string')} AS ${ident(c.sql)}`
      const exact = st.cols.find((x) => x.name === c.name)
      const typed = exact ?? st.cols.find((x) => `${x.name}_${x.type}` === c.name)
      if (!typed) return sql`CAST(NULL AS ${raw(lx.d.types[c.type])}) AS ${ident(c.sql)}`
      const v = typed.type === c.type ? ident(typed.sql) : convert(ident(typed.sql), typed.type, c.type, lx.d)
      return sql`${v} AS ${ident(c.sql)}`
    })
    return sql`SELECT ${list(items)} FROM ${st.from}`
  })
  return lx.addCte(list(selects, ' UNION ALL '), cols, false)
})
