import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { callArguments, canonicalFunction, listElements, nameOf } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrAggregate, IrColumn, IrExpr, IrNamed, IrTabular } from '../ir/ir.js'
import { registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { aggregateFunctions } from '../sql/aggregates.js'
import { ident, list, raw, seq, sql, type SqlNode } from '../sql/sql-tree.js'
import { lowerLooseArgPick } from './arg-pick-loose.js'

type Summarize = IrTabular & { op: 'summarize' }

const ROW_PICKERS = new Set(['arg_max', 'arg_min'])

function aggregateOf(e: KNode, cx: BindCx): { call: KNode; name: string | undefined } {
  const k = cx.kind(e)
  if (k === 'SimpleNamedExpression') {
    const n = cx.child(e, 'Name')!
    return { call: cx.child(e, 'Expression')!, name: nameOf(cx.child(n, 'Name') ?? n, cx) }
  }
  if (k === 'CompoundNamedExpression') return { call: cx.child(e, 'Expression')!, name: undefined }
  return { call: e, name: undefined }
}

function stripParens(n: KNode, cx: BindCx): KNode {
  return cx.kind(n) === 'ParenthesizedExpression' ? stripParens(cx.child(n, 'Expression')!, cx) : n
}

/** The `by` keys of a grouping operator (summarize, make-series), named as the binder names the first columns. */
export function bindByClause(node: KNode, columns: readonly { name: string }[], cx: BindCx): IrNamed[] {
  const byClause = cx.child(node, 'ByClause')
  const byExprs = byClause ? listElements(cx.child(byClause, 'Expressions'), cx) : []
  return byExprs.map((e, i) => {
    const inner = cx.kind(e) === 'SimpleNamedExpression' ? cx.child(e, 'Expression')! : e
    return { name: columns[i]!.name, expr: cx.scalar(inner) }
  })
}

/** Binds `summarize aggs by keys`: output = key columns, then aggregate columns, named by the binder. */
operatorBinders.set('SummarizeOperator', (node, input, cx) => {
  const columns = cx.columnsOf(node)
  const by = bindByClause(node, columns, cx)
  const aggNodes = listElements(cx.child(node, 'Aggregates'), cx).map((e) => aggregateOf(e, cx))
  let next = by.length
  const remaining = columns.length - by.length
  const fixed = aggNodes.map(({ call }) => {
    const c = stripParens(call, cx)
    if (cx.kind(c) !== 'FunctionCallExpression') return 1
    const fn = canonicalFunction(c.ReferencedSymbol?.Name ?? '')
    const args = callArguments(c, cx)
    if (ROW_PICKERS.has(fn) || fn === 'take_any') {
      if (args.some((a) => cx.kind(a) === 'StarExpression')) return -1
      return fn === 'take_any' ? args.length : Math.max(1, args.length)
    }
    if (fn === 'percentiles') return Math.max(1, args.length - 1)
    return 1
  })
  const known = fixed.filter((f) => f >= 0).reduce((a, b) => a + b, 0)
  const stars = fixed.filter((f) => f < 0).length
  // `*` in arg_max/arg_min expands to the input columns other than the `by` columns and the key column.
  const byNames = new Set(columns.slice(0, by.length).map((c) => c.name))
  const starColumns = (call: KNode): IrColumn[] => {
    const key = callArguments(stripParens(call, cx), cx)[0]
    const keyName = key && cx.kind(key) === 'NameReference' ? key.ReferencedSymbol?.Name : undefined
    return input.columns.filter((c) => !byNames.has(c.name) && c.name !== keyName)
  }
  if (stars > 1) {
    aggNodes.forEach(({ call }, i) => {
      if (fixed[i]! < 0) fixed[i] = 1 + starColumns(call).length
    })
    if (fixed.reduce((a, b) => a + b, 0) !== remaining)
      return unsupported('Several arg_max(…, *) in one summarize', cx.span(node))
  }
  const aggs: IrAggregate[] = []
  // Aggregates wrapped in scalar expressions (`count() * 2`, `round(avg(x), 2)`): the inner aggregates
  // become hidden columns of the summarize, and a projection computes the expression over them.
  const composite = new Map<string, IrExpr>()
  aggNodes.forEach(({ call }, i) => {
    const n = fixed[i]! < 0 ? remaining - known : fixed[i]!
    const outputs = columns.slice(next, next + n)
    next += n
    const c = stripParens(call, cx)
    if (!isAggregateCall(c, cx) && outputs.length === 1) {
      const expr = liftAggregates(cx.scalar(c), aggs)
      composite.set(outputs[0]!.name, expr)
      return
    }
    aggs.push(...bindAggregate(c, outputs, input, cx, stars > 1 ? starColumns(c) : undefined))
  })
  const span = cx.span(node)
  if (composite.size === 0) return { op: 'summarize', input, by, aggs, columns, span }
  const inner: IrColumn[] = [...columns.slice(0, by.length), ...aggs.flatMap((a) => a.outputs)]
  const grouped: IrTabular = { op: 'summarize', input, by, aggs, columns: inner, span }
  const items: IrNamed[] = columns.map((c) => ({
    name: c.name,
    expr: composite.get(c.name) ?? { k: 'col', name: c.name, type: c.type },
  }))
  return { op: 'project', input: grouped, items, columns, span }
})

function isAggregateCall(c: KNode, cx: BindCx): boolean {
  if (cx.kind(c) !== 'FunctionCallExpression') return false
  return isAggregateName(canonicalFunction(c.ReferencedSymbol?.Name ?? ''))
}

function isAggregateName(fn: string): boolean {
  return fn in aggregateFunctions || ROW_PICKERS.has(fn) || fn === 'percentiles'
}

/** Replaces aggregate calls inside a bound scalar expression by hidden aggregate output columns. */
function liftAggregates(e: IrExpr, aggs: IrAggregate[]): IrExpr {
  if (e.k !== 'call') return e
  if (isAggregateName(e.fn)) {
    if (ROW_PICKERS.has(e.fn) || e.fn === 'percentiles')
      return unsupported(`${e.fn} inside a scalar expression`, e.span)
    const name = `__agg${aggs.length}`
    aggs.push({ fn: e.fn, args: e.args, outputs: [{ name, type: e.type }], span: e.span })
    return { k: 'col', name, type: e.type }
  }
  return { ...e, args: e.args.map((a) => liftAggregates(a, aggs)) }
}

function inputColumn(name: string, input: IrTabular): IrExpr | undefined {
  const c =
    input.columns.find((x) => x.name === name) ??
    input.columns.find((x) => x.name === name.replace(/\d+$/, ''))
  return c ? { k: 'col', name: c.name, type: c.type } : undefined
}

function bindAggregate(
  call: KNode,
  outputs: IrColumn[],
  input: IrTabular,
  cx: BindCx,
  starColumns?: IrColumn[],
): IrAggregate[] {
  const span = cx.span(call)
  if (cx.kind(call) !== 'FunctionCallExpression')
    return unsupported(
      `The aggregation '${cx.textOf(call).slice(0, 40)}'`,
      span,
      'summarize expects aggregation functions',
    )
  const fn = canonicalFunction(call.ReferencedSymbol?.Name ?? '')
  const args = callArguments(call, cx)
  if (
    ROW_PICKERS.has(fn) ||
    (fn === 'take_any' && (args.length > 1 || args.some((a) => cx.kind(a) === 'StarExpression')))
  ) {
    const star = args.some((a) => cx.kind(a) === 'StarExpression')
    const keyArgs = fn === 'take_any' ? [] : [cx.scalar(args[0]!)]
    const rest = fn === 'take_any' ? args : args.slice(1)
    const extraOutputs = fn === 'take_any' ? outputs : outputs.slice(1)
    const extra: IrExpr[] = star
      ? starColumns && starColumns.length === extraOutputs.length
        ? starColumns.map((c): IrExpr => ({ k: 'col', name: c.name, type: c.type }))
        : extraOutputs.map(
            (o) => inputColumn(o.name, input) ?? unsupported(`The column '${o.name}' of ${fn}(…, *)`, span),
          )
      : rest.map((a) => cx.scalar(a))
    return [{ fn: fn === 'take_any' ? 'take_any_row' : fn, args: keyArgs, extra, outputs, span }]
  }
  if (fn === 'percentiles') {
    const x = cx.scalar(args[0]!)
    return outputs.map((o, i) => ({
      fn: 'percentile',
      args: [x, cx.scalar(args[i + 1]!)],
      outputs: [o],
      span,
    }))
  }
  return [
    {
      fn,
      args: args.map((a) =>
        cx.kind(a) === 'StarExpression' ? { k: 'lit', value: 1, type: 'long' } : cx.scalar(a),
      ),
      outputs,
      span,
    },
  ]
}

const isRowPicker = (a: IrAggregate) => a.fn === 'arg_max' || a.fn === 'arg_min' || a.fn === 'take_any_row'

registerLowering('summarize', (n, lx) => lowerSummarize(n as Summarize, lx))

function lowerSummarize(s: Summarize, lx: Lowerer): Stage {
  const loose = lowerLooseArgPick(s, lx)
  if (loose) return loose
  const input = lx.tabular(s.input)
  const cols = lx.allocate(s.columns)
  const keyCols = cols.slice(0, s.by.length)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const keys = s.by.map((b) => lx.expr(b.expr, cx))
  const plain = s.aggs.filter((a) => !isRowPicker(a))
  const pickers = s.aggs.filter(isRowPicker)
  let col = s.by.length
  const outIndex = new Map<IrAggregate, number>()
  for (const a of s.aggs) {
    outIndex.set(a, col)
    col += a.outputs.length
  }
  if (pickers.length === 0) {
    const items = [
      ...keys.map((k, i) => sql`${k} AS ${ident(keyCols[i]!.sql)}`),
      ...plain.map((a) => sql`${lx.aggregate(a, cx, input)} AS ${ident(cols[outIndex.get(a)!]!.sql)}`),
    ]
    const groupBy = keys.length ? raw(` GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`) : raw('')
    return lx.addCte(sql`SELECT ${list(items)} FROM ${input.from}${groupBy}`, cols, false)
  }
  // Row pickers: one window stage per picker, joined with the grouped plain aggregates on the keys.
  const parts: { stage: SqlNode; outputs: { idx: number; sql: string }[] }[] = []
  if (plain.length || pickers.length === 0) {
    const items = [
      ...keys.map((k, i) => sql`${k} AS ${ident(`k${i}`)}`),
      ...plain.map((a) => sql`${lx.aggregate(a, cx, input)} AS ${ident(`a${outIndex.get(a)}`)}`),
    ]
    const groupBy = keys.length ? raw(` GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`) : raw('')
    parts.push({
      stage: sql`SELECT ${list(items)} FROM ${input.from}${groupBy}`,
      outputs: plain.map((a) => ({ idx: outIndex.get(a)!, sql: `a${outIndex.get(a)}` })),
    })
  }
  for (const p of pickers) {
    const base = outIndex.get(p)!
    const isTakeAny = p.fn === 'take_any_row'
    const values = isTakeAny ? p.extra! : [p.args[0]!, ...p.extra!]
    const valueSql = values.map((v) => lx.expr(v, cx))
    // The picked row's columns are copied as stored (NULL strings read as '' later): no per-row copies.
    const pickedSql = values.map((v, i) =>
      i === 0 && !isTakeAny ? valueSql[0]! : lx.copyOrExpr(v, input, cx),
    )
    const order: SqlNode[] = []
    if (!isTakeAny)
      order.push(sql`${valueSql[0]!} ${raw(p.fn === 'arg_max' ? 'DESC NULLS LAST' : 'ASC NULLS LAST')}`)
    // Ties between rows are broken by the remaining values only in stable mode (KQL picks any row).
    values.forEach((v, i) => {
      if (!isTakeAny && i === 0) return
      if (!lx.opts.stable && !isTakeAny) return
      order.push(
        v.type === 'dynamic'
          ? sql`CAST(${valueSql[i]!} AS ${raw(lx.d.types.string)})`
          : orderKey(valueSql[i]!, v, lx),
      )
    })
    const items = [
      ...keys.map((k, i) => sql`${k} AS ${ident(`k${i}`)}`),
      ...pickedSql.map((v, i) => sql`${v} AS ${ident(`a${base + i}`)}`),
    ]
    const rn = sql`row_number() OVER (${keys.length ? sql`PARTITION BY ${list(keys)} ` : raw('')}ORDER BY ${list(order)})`
    // Without `by`: ORDER BY … LIMIT 1 (DuckDB 1.5 can pick a wrong row for an unpartitioned
    // `QUALIFY row_number() OVER (ORDER BY one key) = 1` over a lateral json_each source).
    const stage = !keys.length
      ? sql`SELECT ${list(items)} FROM ${input.from} ORDER BY ${list(order)} LIMIT 1`
      : lx.d.distinctOn
        ? sql`SELECT DISTINCT ON (${list(keys)}) ${list(items)} FROM ${input.from} ORDER BY ${list([...keys, ...order])}`
        : lx.d.qualify
          ? sql`SELECT ${list(items)} FROM ${input.from} QUALIFY ${rn} = 1`
          : sql`SELECT * FROM (SELECT ${list(items)}, ${rn} AS "__rn" FROM ${input.from}) AS w WHERE "__rn" = 1`
    parts.push({ stage, outputs: values.map((_, i) => ({ idx: base + i, sql: `a${base + i}` })) })
  }
  const aliases = parts.map((_, i) => `p${i}`)
  const from: SqlNode[] = [sql`(${parts[0]!.stage}) AS p0`]
  for (let i = 1; i < parts.length; i++) {
    const on = keys.length
      ? list(
          keys.map(
            (_, k) => sql`p0.${ident(`k${k}`)} IS NOT DISTINCT FROM ${raw(aliases[i]!)}.${ident(`k${k}`)}`,
          ),
          ' AND ',
        )
      : raw('TRUE')
    from.push(sql` JOIN (${parts[i]!.stage}) AS ${raw(aliases[i]!)} ON ${on}`)
  }
  const outSql = new Map<number, SqlNode>()
  parts.forEach((p, i) =>
    p.outputs.forEach((o) => outSql.set(o.idx, sql`${raw(aliases[i]!)}.${ident(o.sql)}`)),
  )
  const items = cols.map((c, i) =>
    i < keys.length
      ? sql`p0.${ident(`k${i}`)} AS ${ident(c.sql)}`
      : sql`${outSql.get(i) ?? raw('NULL')} AS ${ident(c.sql)}`,
  )
  return lx.addCte(seq(raw('SELECT '), list(items), raw(' FROM '), ...from), cols, false)
}

function orderKey(x: SqlNode, e: IrExpr, lx: Lowerer): SqlNode {
  return e.type === 'string' && lx.d.ordinalCollation
    ? sql`${x}${raw(lx.d.ordinalCollation)} ASC NULLS FIRST`
    : sql`${x} ASC NULLS FIRST`
}
