import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { callArguments, canonicalFunction, listElements, nameOf } from '../bind/scalar.js'
import { invalid, unsupported } from '../diagnostics.js'
import { child } from '../front-end/kusto-runtime.js'
import type { KNode } from '../front-end/kusto-types.js'
import {
  call,
  type Discovery,
  type IrAggregate,
  type IrColumn,
  type IrExpr,
  type IrNamed,
  type IrTabular,
  type KType,
  type Span,
} from '../ir/ir.js'
import { registerLowering, type Lowerer } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'

/**
 * `evaluate` plugins whose output columns depend on the data: `bag_unpack` and `pivot`.
 *
 * With an output schema (`evaluate bag_unpack(d) : (*, a:long)`) they bind like any operator: bag_unpack
 * becomes a projection (each listed column = the bag slot converted to the declared type), pivot a
 * summarize with one conditional aggregate per pivoted value. Without one, the binder records a
 * `Discovery`; `HuntingEngine.resolve` runs `discoverySql` over the same scoped input, writes the columns
 * it found into the query text as the output schema (`discoveredSchema`) and binds the query again.
 */

/** The most columns a data-dependent plugin may produce. */
export const MAX_DISCOVERED_COLUMNS = 1000

const CONVERT: Partial<Record<KType, string>> = {
  string: 'tostring',
  long: 'tolong',
  int: 'toint',
  real: 'todouble',
  decimal: 'todouble',
  bool: 'tobool',
  datetime: 'todatetime',
  guid: 'toguid',
}

/** A dynamic value converted to a column type (bag slot → column). */
function convertDynamic(e: IrExpr, to: KType, span: Span): IrExpr {
  if (to === 'dynamic') return e
  const fn = CONVERT[to]
  if (!fn) return unsupported(`A bag_unpack output column of type ${to}`, span)
  return call(fn, [e], to, span)
}

/** Positional and named (`Name=value`) arguments of a plugin call. */
function pluginArgs(fnCall: KNode, cx: BindCx): { positional: KNode[]; named: Map<string, KNode> } {
  const positional: KNode[] = []
  const named = new Map<string, KNode>()
  for (const a of callArguments(fnCall, cx)) {
    if (cx.kind(a) === 'SimpleNamedExpression') {
      const n = cx.child(a, 'Name')!
      named.set(nameOf(cx.child(n, 'Name') ?? n, cx).toLowerCase(), cx.child(a, 'Expression')!)
    } else positional.push(a)
  }
  return { positional, named }
}

function constant(node: KNode | undefined, cx: BindCx, what: string): unknown {
  if (!node) return undefined
  const e = cx.scalar(node)
  if (e.k !== 'lit') return unsupported(`A non-constant ${what}`, cx.span(node))
  return typeof e.value === 'object' && e.value !== null ? e.value.json : e.value
}

/** Column names declared in an output schema `(*, a:long, ['b c']:string)`; star = input columns kept. */
function declaredSchema(schema: KNode, cx: BindCx): { star: boolean; names: string[] } {
  const row = cx.child(schema, 'Schema') ?? schema
  const star = child(row, 'AsteriskToken') !== null
  const names = listElements(cx.child(row, 'Columns'), cx).map((decl) => {
    const n = cx.child(decl, 'Name') ?? decl
    return declaredName(cx.textOf(n).trim())
  })
  return { star, names }
}

function declaredName(text: string): string {
  const m = /^\[\s*(@?)(["'])([\s\S]*)\2\s*\]$/.exec(text)
  if (!m) return text
  if (m[1]) return m[3]!.replace(m[2] === '"' ? /""/g : /''/g, m[2]!)
  if (m[2] === '"') return JSON.parse(`"${m[3]!}"`) as string
  return m[3]!.replace(/\\(.)/g, '$1')
}

/** A name as KQL text usable anywhere (output schemas, columns): `["…"]`. */
export function kqlName(name: string): string {
  return `[${JSON.stringify(name)}]`
}

function record(cx: BindCx, d: Omit<Discovery, 'id'>, node: KNode): number {
  if (!cx.inQuery(node))
    return unsupported(
      `evaluate ${d.plugin} without an output schema inside a function body`,
      cx.span(node),
      'declare its output schema',
    )
  const id = cx.discoveries.length + 1
  cx.discoveries.push({ id, ...d })
  return id
}

operatorBinders.set('EvaluateOperator', (node, input, cx) => {
  const fnCall = cx.child(node, 'FunctionCall')
  const span = cx.span(node)
  const nameNode = fnCall ? cx.child(fnCall, 'Name') : null
  const plugin = (nameNode ? cx.textOf(nameNode) : fnCall ? cx.textOf(fnCall) : '').trim().split('(')[0]!
  if (!fnCall) return unsupported(`The operator 'evaluate'`, span)
  if (plugin === 'bag_unpack') return bagUnpack(node, fnCall, input, cx)
  if (plugin === 'pivot') return pivot(node, fnCall, input, cx)
  if (plugin === 'ipv4_lookup') return ipv4Lookup(node, fnCall, input, cx)
  return unsupported(`The plugin 'evaluate ${plugin}'`, span)
})

const CONFLICT = new Set(['error', 'replace_source', 'keep_source'])

function bagUnpack(node: KNode, fnCall: KNode, input: IrTabular, cx: BindCx): IrTabular {
  const span = cx.span(node)
  const { positional, named } = pluginArgs(fnCall, cx)
  const colNode = positional[0]
  if (!colNode) return invalid('bag_unpack expects a column', span)
  const value = cx.scalar(colNode)
  if (value.k !== 'col')
    return unsupported('bag_unpack of an expression', cx.span(colNode), 'extend it into a column first')
  if (value.type !== 'dynamic')
    return invalid(`bag_unpack expects a dynamic column; '${value.name}' is ${value.type}`, cx.span(colNode))
  const prefixArg = constant(positional[1] ?? named.get('outputcolumnprefix'), cx, 'bag_unpack prefix')
  const conflictArg = constant(positional[2] ?? named.get('columnsconflict'), cx, 'columnsConflict')
  const ignoredArg = constant(positional[3] ?? named.get('ignoredproperties'), cx, 'ignoredProperties')
  const prefix = typeof prefixArg === 'string' ? prefixArg : ''
  const conflict = typeof conflictArg === 'string' ? conflictArg : conflictArg == null ? 'error' : '?'
  if (!CONFLICT.has(conflict))
    return invalid(`bag_unpack: columnsConflict must be error, replace_source or keep_source`, span)
  const ignored = Array.isArray(ignoredArg) ? ignoredArg.map(String) : []
  const inputColumns = input.columns.filter((c) => c.name !== value.name)
  const columns = cx.columnsOf(node)
  const schema = cx.child(node, 'Schema')
  if (!schema) {
    const discovery = record(
      cx,
      {
        plugin: 'bag_unpack',
        input,
        value,
        insertAt: span.start + span.length,
        span,
        inputColumns,
        prefix,
        conflict: conflict as Discovery['conflict'],
        ignored,
        groupColumns: [],
        cellType: 'dynamic',
        declared: null,
      },
      node,
    )
    return { op: 'discover', input, discovery, plugin: 'bag_unpack', columns, span }
  }
  // Output schema known: kept input columns are copied, declared columns read the bag slot (the name
  // without the prefix) converted to the declared type; slots missing in a row give null ('' for strings).
  const { star, names } = declaredSchema(schema, cx)
  const declared = new Set(names)
  const items: IrNamed[] = columns.map((c) => {
    const kept = star && !declared.has(c.name) && inputColumns.some((x) => x.name === c.name)
    if (kept) return { name: c.name, expr: { k: 'col', name: c.name, type: c.type } }
    const slot = prefix && c.name.startsWith(prefix) ? c.name.slice(prefix.length) : c.name
    const get = call('getprop', [value, { k: 'lit', value: slot, type: 'string' }], 'dynamic', span)
    return { name: c.name, expr: convertDynamic(get, c.type, span) }
  })
  return { op: 'project', input, items, columns, span }
}

const PIVOT_AGGREGATES = new Set(['count', 'dcount'])

function pivot(node: KNode, fnCall: KNode, input: IrTabular, cx: BindCx): IrTabular {
  const span = cx.span(node)
  const { positional } = pluginArgs(fnCall, cx)
  const pivotNode = positional[0]
  if (!pivotNode) return invalid('pivot expects a column', span)
  const pivotCol = cx.scalar(pivotNode)
  if (pivotCol.k !== 'col') return unsupported('pivot of an expression', cx.span(pivotNode))
  let rest = positional.slice(1)
  let agg: { fn: string; args: IrExpr[]; span: Span } = { fn: 'count', args: [], span }
  const first = rest[0]
  if (first && cx.kind(first) === 'FunctionCallExpression') {
    const fn = canonicalFunction(first.ReferencedSymbol?.Name ?? '')
    if (!PIVOT_AGGREGATES.has(fn))
      return unsupported(`pivot with the aggregation '${fn}'`, cx.span(first), 'count() and dcount() are')
    agg = { fn, args: callArguments(first, cx).map((a) => cx.scalar(a)), span: cx.span(first) }
    rest = rest.slice(1)
  }
  const byNames = rest.map((a) => {
    const e = cx.scalar(a)
    if (e.k !== 'col') return unsupported('pivot grouping by an expression', cx.span(a))
    return e.name
  })
  const aggCols = new Set(agg.args.flatMap((a) => (a.k === 'col' ? [a.name] : [])))
  const groupColumns = byNames.length
    ? byNames.map((n) => input.columns.find((c) => c.name === n)!)
    : input.columns.filter((c) => c.name !== pivotCol.name && !aggCols.has(c.name))
  const columns = cx.columnsOf(node)
  const schema = cx.child(node, 'Schema')
  const base = {
    plugin: 'pivot' as const,
    input,
    value: pivotCol,
    insertAt: span.start + span.length,
    span,
    inputColumns: [],
    prefix: '',
    conflict: 'error' as const,
    ignored: [],
    groupColumns,
    cellType: 'long' as KType,
  }
  if (!schema) {
    const discovery = record(cx, { ...base, declared: null }, node)
    return { op: 'discover', input, discovery, plugin: 'pivot', columns, span }
  }
  const groupNames = new Set(groupColumns.map((c) => c.name))
  const missing = groupColumns.find((g) => !columns.some((c) => c.name === g.name))
  if (missing) return invalid(`pivot: the output schema lacks the column '${missing.name}'`, span)
  const values = columns.filter((c) => !groupNames.has(c.name))
  // The query is run only after the data has been checked against the values the schema declares.
  record(cx, { ...base, declared: values.map((v) => v.name) }, node)
  const key: IrExpr = pivotCol.type === 'string' ? pivotCol : call('tostring', [pivotCol], 'string', agg.span)
  const by: IrNamed[] = groupColumns.map((g) => ({
    name: g.name,
    expr: { k: 'col', name: g.name, type: g.type },
  }))
  const aggs: IrAggregate[] = values.map((v) => {
    const cond = call('==', [key, { k: 'lit', value: v.name, type: 'string' }], 'bool', agg.span)
    return {
      fn: agg.fn === 'count' ? 'countif' : 'dcountif',
      args: agg.fn === 'count' ? [cond] : [agg.args[0]!, cond],
      outputs: [{ name: v.name, type: 'long' }],
      span: agg.span,
    }
  })
  const grouped: IrColumn[] = [
    ...groupColumns,
    ...values.map((v): IrColumn => ({ name: v.name, type: 'long' })),
  ]
  const summarized: IrTabular = { op: 'summarize', input, by, aggs, columns: grouped, span }
  const same =
    grouped.length === columns.length &&
    grouped.every((g, i) => g.name === columns[i]!.name && g.type === columns[i]!.type)
  if (same) return summarized
  const items: IrNamed[] = columns.map((c) => {
    const g = grouped.find((x) => x.name === c.name)!
    const e: IrExpr = { k: 'col', name: g.name, type: g.type }
    if (g.type === c.type) return { name: c.name, expr: e }
    const fn = c.type === 'dynamic' ? 'todynamic' : CONVERT[c.type]
    if (!fn) return unsupported(`A pivot output column of type ${c.type}`, span)
    return { name: c.name, expr: call(fn, [e], c.type, span) }
  })
  return { op: 'project', input: summarized, items, columns, span }
}

/**
 * `evaluate ipv4_lookup(Lookup, SourceIp, LookupRange [, ExtraKey…] [, return_unmatched])`: like a join
 * whose condition is `ipv4_is_in_range(SourceIp, LookupRange)` (plus equality of the extra keys); one
 * row per match, unmatched input rows kept (lookup columns null) with return_unmatched=true. Columns:
 * the input's, then the lookup table's (names from the binder).
 */
function ipv4Lookup(node: KNode, fnCall: KNode, input: IrTabular, cx: BindCx): IrTabular {
  const span = cx.span(node)
  const { positional, named } = pluginArgs(fnCall, cx)
  const [tableNode, ipNode, rangeNode, ...rest] = positional
  if (!tableNode || !ipNode || !rangeNode) return invalid('ipv4_lookup expects a table and two columns', span)
  const lookup = cx.tabular(tableNode)
  const unmatchedNode = named.get('return_unmatched') ?? rest.find((r) => cx.typeOf(r) === 'bool')
  const unmatched = unmatchedNode ? constant(unmatchedNode, cx, 'return_unmatched') === true : false
  const extraKeys = rest
    .filter((r) => r !== unmatchedNode)
    .map((r) => {
      const e = cx.scalar(r)
      if (e.k !== 'col') return unsupported('ipv4_lookup with an extra key expression', cx.span(r))
      return e.name
    })
  const ipName = cx.textOf(ipNode).trim()
  const rangeName = cx.textOf(rangeNode).trim()
  const ip = input.columns.find((c) => c.name === ipName)
  const range = lookup.columns.find((c) => c.name === rangeName)
  if (!ip || !range) return unsupported('ipv4_lookup keys that are not plain column names', span)
  const columns = cx.columnsOf(node)
  const outputs = [
    ...input.columns.map((c) => ({ side: 'left' as const, from: c.name })),
    ...lookup.columns
      .filter((c) => !extraKeys.includes(c.name))
      .map((c) => ({ side: 'right' as const, from: c.name })),
  ]
  if (outputs.length !== columns.length) return unsupported('This ipv4_lookup output shape', span)
  return {
    op: 'ipv4-lookup',
    input,
    lookup,
    ip: { k: 'col', name: ip.name, type: ip.type, side: 'left' },
    range: { k: 'col', name: range.name, type: range.type, side: 'right' },
    extraKeys,
    unmatched,
    outputs,
    columns,
    span,
  }
}

registerLowering('ipv4-lookup', (n, lx) => {
  const t = n as IrTabular & { op: 'ipv4-lookup' }
  const left = lx.tabular(t.input)
  const right = lx.tabular(t.lookup)
  const cx = lx.scalarCx(lx.joinScope(left, right, 'l', 'r'))
  const conds: SqlNode[] = [lx.expr(call('ipv4_is_in_range', [t.ip, t.range], 'bool', t.span), cx)]
  for (const k of t.extraKeys) {
    const lt = left.cols.find((c) => c.name === k)!.type
    const rt = right.cols.find((c) => c.name === k)!.type
    conds.push(
      sql`${lx.expr({ k: 'col', name: k, type: lt, side: 'left' }, cx)} = ${lx.expr({ k: 'col', name: k, type: rt, side: 'right' }, cx)}`,
    )
  }
  const cols = lx.allocate(t.columns)
  const items = t.outputs.map((o, i) => {
    const st = o.side === 'left' ? left : right
    const c = st.cols.find((x) => x.name === o.from)!
    return sql`${ident(c.sql, o.side === 'left' ? 'l' : 'r')} AS ${ident(cols[i]!.sql)}`
  })
  const kw = raw(t.unmatched ? 'LEFT JOIN' : 'JOIN')
  return lx.addCte(
    sql`SELECT ${list(items)} FROM ${left.from} AS l ${kw} ${right.from} AS r ON ${list(conds, ' AND ')}`,
    cols,
    false,
  )
})

registerLowering('discover', (n) => {
  return unsupported(
    `evaluate ${n.op === 'discover' ? n.plugin : ''} without an output schema`,
    n.span,
    'its columns are discovered only when the query runs',
  )
})

/**
 * SQL listing what a discovery needs from the plugin's input: bag_unpack → one row per distinct (slot,
 * JSON value kind); pivot → the distinct pivot values as text.
 */
export function discoverySql(lx: Lowerer, d: Discovery): SqlNode {
  const st = lx.tabular(d.input)
  const cx = lx.scalarCx(lx.scopeOf(st, 't'))
  if (d.plugin === 'pivot') {
    const key = d.value.type === 'string' ? d.value : call('tostring', [d.value], 'string', d.span)
    return seqWith(lx, sql`SELECT DISTINCT ${lx.expr(key, cx)} AS v FROM ${st.from} AS t`)
  }
  const v = lx.expr(d.value, cx)
  const body =
    lx.d.name === 'duckdb'
      ? sql`SELECT DISTINCT e.key AS k, CASE e.type WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'VARCHAR' THEN 'string' WHEN 'BOOLEAN' THEN 'bool' WHEN 'NULL' THEN 'null' ELSE 'dynamic' END AS t FROM ${st.from} AS t CROSS JOIN LATERAL json_each(CASE WHEN json_type(${v}) = 'OBJECT' THEN ${v} ELSE CAST('{}' AS JSON) END) AS e`
      : sql`SELECT DISTINCT e.key AS k, CASE jsonb_typeof(e.value) WHEN 'number' THEN CASE WHEN e.value::text ~ '^-?[0-9]+$' THEN 'long' ELSE 'real' END WHEN 'string' THEN 'string' WHEN 'boolean' THEN 'bool' WHEN 'null' THEN 'null' ELSE 'dynamic' END AS t FROM ${st.from} AS t CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(${v}) = 'object' THEN ${v} ELSE '{}'::jsonb END) AS e`
  return seqWith(lx, body)
}

/** The discovery's CTE chain in front of its SELECT. */
function seqWith(lx: Lowerer, body: SqlNode): SqlNode {
  if (!lx.ctes.length) return body
  const withs = lx.ctes.map(
    (c, i) =>
      sql`${raw(i ? ', ' : 'WITH ')}${raw(c.name)} AS ${raw(c.materialized ? lx.d.materialized : '')}(${c.body})`,
  )
  return sql`${{ t: 'seq', parts: withs }} ${body}`
}

const cellText = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v)

/** Ordinal (code unit) order, as KQL sorts column names it generates. */
const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The output schema text (` : (…)`) for the columns a discovery found. bag_unpack: the input columns
 * (`*`), then one column per distinct slot in ordinal order, prefixed, typed by its values (one kind of
 * value → that type, several → dynamic), minus ignored slots; a slot named like a kept input column is
 * an error unless columnsConflict says otherwise. pivot: the grouping columns, then one long column per
 * distinct pivot value in ordinal order.
 */
export function discoveredSchema(d: Discovery, rows: readonly Record<string, unknown>[]): string {
  if (d.plugin === 'pivot') {
    const values = pivotValues(d, rows)
    const cols = [
      ...d.groupColumns.map((g) => `${kqlName(g.name)}:${g.type}`),
      ...values.map((v) => `${kqlName(v)}:${d.cellType}`),
    ]
    return ` : (${cols.join(', ')})`
  }
  const kinds = new Map<string, Set<string>>()
  for (const r of rows) {
    const k = String(r.k)
    if (d.ignored.includes(k)) continue
    let s = kinds.get(k)
    if (!s) kinds.set(k, (s = new Set()))
    if (r.t !== 'null') s.add(String(r.t))
  }
  const slots = [...kinds.keys()].sort(ordinal)
  if (slots.length > MAX_DISCOVERED_COLUMNS)
    return invalid(
      `bag_unpack would produce ${slots.length} columns; the limit is ${MAX_DISCOVERED_COLUMNS}`,
      d.span,
    )
  const cols: string[] = []
  for (const slot of slots) {
    const name = d.prefix + slot
    if (d.inputColumns.some((c) => c.name === name)) {
      if (d.conflict === 'keep_source') continue
      if (d.conflict === 'error')
        return invalid(
          `bag_unpack: the slot '${slot}' would produce the column '${name}', which the input already has (columnsConflict)`,
          d.span,
        )
    }
    const types = kinds.get(slot)!
    const type = types.size === 1 ? [...types][0]! : 'dynamic'
    cols.push(`${kqlName(name)}:${type}`)
  }
  return ` : (*${cols.map((c) => `, ${c}`).join('')})`
}

function pivotValues(d: Discovery, rows: readonly Record<string, unknown>[]): string[] {
  const values = [...new Set(rows.map((r) => cellText(r.v)))].sort(ordinal)
  if (values.length > MAX_DISCOVERED_COLUMNS)
    return invalid(
      `pivot would produce ${values.length} columns; the limit is ${MAX_DISCOVERED_COLUMNS}`,
      d.span,
    )
  if (values.includes('')) return invalid(`pivot: an empty value cannot name a column`, d.span)
  const clash = values.find((v) => d.groupColumns.some((g) => g.name === v))
  if (clash !== undefined)
    return invalid(`pivot: the value '${clash}' is also the name of a grouping column`, d.span)
  return values
}

/** A pivot with a user-declared output schema: the data must not hold values the schema does not list. */
export function checkDeclared(d: Discovery, rows: readonly Record<string, unknown>[]): void {
  const declared = new Set(d.declared ?? [])
  const extra = rows
    .map((r) => cellText(r.v))
    .filter((v) => !declared.has(v))
    .sort(ordinal)
  if (extra.length)
    invalid(
      `pivot: the data holds the value '${extra[0]}', which the declared output schema does not list`,
      d.span,
    )
}
