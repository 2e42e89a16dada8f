import { operatorBinders } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import { call, type IrColumn, type IrExpr, type IrNamed, type IrTabular } from '../ir/ir.js'
import { exprColumns } from '../ir/prune.js'
import { searchPredicate } from './search.js'
import { tableScan } from './union.js'

/**
 * `find [withsource=Name] [in (T1, T2, …)] where Predicate [project-smart | project c1[:type], …]`: the
 * rows of every listed table (every hunting table without `in`) that satisfy the predicate, as one result
 * whose columns are the binder's (Kusto.Language computes find's output schema):
 * - the source column (`source_` or the `withsource` name) naming each row's table;
 * - `project c1, …`: those columns, null where a table has none;
 * - `project-smart` (the default): the columns the predicate names and the columns common to all the
 *   searched tables, then `pack_`, a bag of each row's other columns (its own table's, in table order,
 *   nulls included).
 * A table that has none of the columns the predicate reads is not searched (KQL's rule). The predicate
 * reads a column a table lacks as null, as `union` does; a bare string term searches every column,
 * as in `search`. Lowered as IR: a `union` of the searched tables, a `where`, a `project` building `pack_`
 * per source table (`case` over the source column of `bag_pack`s).
 */
operatorBinders.set('FindOperator', (node, input, cx) => {
  const span = cx.span(node)
  const leading = input.op === 'datatable' && input.columns.length === 0 && input.rows.length === 0
  if (!leading) return unsupported('find after a pipe', span)
  const output = cx.columnsOf(node)
  const source = output[0]
  if (!source || source.type !== 'string') return unsupported('This find', span, 'no source column')
  const inClause = cx.child(node, 'InClause')
  const tables: { ir: IrTabular; name: string }[] = inClause
    ? listElements(cx.child(inClause, 'Expressions'), cx).map((e) => {
        const name = cx.textOf(e).trim()
        if (!/^[A-Za-z_]\w*$/.test(name))
          return unsupported(`find in (${name})`, cx.span(e), 'only table names are supported')
        return { ir: cx.tabular(e), name }
      })
    : Object.keys(cx.catalogue.tables).map((name) => ({ ir: tableScan(name, cx, span), name }))
  // Every column of the listed tables under its union name: its own, or `name_type` where tables hold
  // it with different types (as `union` names them).
  const types = new Map<string, Set<string>>()
  for (const t of tables)
    for (const c of t.ir.columns) types.set(c.name, (types.get(c.name) ?? new Set()).add(c.type))
  const unionName = (c: IrColumn) => (types.get(c.name)!.size > 1 ? `${c.name}_${c.type}` : c.name)
  const all = new Map<string, IrColumn>()
  for (const t of tables)
    for (const c of t.ir.columns)
      if (!all.has(unionName(c))) all.set(unionName(c), { name: unionName(c), type: c.type })
  const condition = cx.child(node, 'Condition')
  if (!condition) return unsupported('find without a predicate', span)
  const predicate = searchPredicate(condition, cx, [...all.values()], false)
  // `*` (every column) reads them all.
  const read = exprColumns([predicate]) ?? new Set(all.keys())
  for (const name of read)
    if ((types.get(name)?.size ?? 0) > 1)
      return unsupported(`find over tables whose column '${name}' has different types`, span)
  const searched = tables.filter((t) => t.ir.columns.some((c) => read.has(unionName(c))))
  if (searched.length === 0) return { op: 'datatable', rows: [], columns: output, span }
  const held = new Set(searched.flatMap((t) => t.ir.columns.map(unionName)))
  const unionCols: IrColumn[] = [source, ...[...all.values()].filter((c) => held.has(c.name))]
  const union: IrTabular = {
    op: 'union',
    inputs: searched.map((t) => t.ir),
    source: source.name,
    sourceNames: searched.map((t) => t.name),
    columns: unionCols,
    span,
  }
  const filtered: IrTabular = { op: 'where', input: union, predicate, columns: unionCols, span }
  const named = new Set(output.map((c) => c.name))
  const items: IrNamed[] = output.map((c, i) => {
    if (i === 0) return { name: c.name, expr: { k: 'col', name: source.name, type: 'string' } }
    const col = unionCols.find((x) => x.name === c.name)
    if (col && col.type !== c.type)
      return unsupported(`find's column '${c.name}' as ${c.type}`, span, `its tables hold ${col.type}`)
    if (col) return { name: c.name, expr: { k: 'col', name: c.name, type: c.type } }
    if (c.name === 'pack_' && c.type === 'dynamic' && i === output.length - 1)
      return { name: c.name, expr: packRest(searched, source, named, unionName, span) }
    // A column none of the searched tables has (`project` of an absent column): null.
    if (types.has(c.name) && searched.some((t) => t.ir.columns.some((x) => x.name === c.name)))
      return unsupported(`find's column '${c.name}'`, span, 'its tables hold it with different types')
    return { name: c.name, expr: { k: 'lit', value: null, type: c.type } }
  })
  return { op: 'project', input: filtered, items, columns: output, span }
})

/** `pack_`: per source table, a bag of that table's columns not in the output (nulls included). */
function packRest(
  tables: { ir: IrTabular; name: string }[],
  source: IrColumn,
  named: ReadonlySet<string>,
  unionName: (c: IrColumn) => string,
  span: IrTabular['span'],
): IrExpr {
  const src: IrExpr = { k: 'col', name: source.name, type: 'string' }
  const args: IrExpr[] = []
  for (const t of tables) {
    const rest = t.ir.columns.filter((c) => !named.has(c.name))
    const bag = call(
      'bag_pack',
      rest.flatMap((c): IrExpr[] => [
        { k: 'lit', value: c.name, type: 'string' },
        { k: 'col', name: unionName(c), type: c.type },
      ]),
      'dynamic',
      span,
    )
    args.push(call('==', [src, { k: 'lit', value: t.name, type: 'string' }], 'bool', span), bag)
  }
  args.push({ k: 'lit', value: null, type: 'dynamic' })
  return call('case', args, 'dynamic', span)
}
