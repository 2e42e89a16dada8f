import { operatorBinders } from '../bind/bind-context.js'
import { callArguments, canonicalFunction, listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrExpr, IrTabular } from '../ir/ir.js'
import { aggregateFunctions } from '../sql/aggregates.js'
import { datetimeText } from '../sql/convert.js'
import { bindByClause } from './summarize.js'
import { registerLowering } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'

type MakeSeries = IrTabular & { op: 'make-series' }

const ZERO: IrExpr = { k: 'lit', value: 0, type: 'long' }

/**
 * `make-series Agg(x) [default = d], … on Timestamp [from F] [to T] step S [by k, …]`: for every group
 * (rows with the axis in [F, T)), one dynamic array per aggregate with one element per time bin
 * F, F+S, … (< T), the default (0 unless given) where a bin has no rows, and the axis as an array of
 * bin start times. Without `from`/`to`, the first and last bins are those of the earliest and latest
 * rows (bin(min, S), bin(max, S) + S). Without `by` there is one row. Only datetime axes.
 */
operatorBinders.set('MakeSeriesOperator', (node, input, cx) => {
  const span = cx.span(node)
  const columns = cx.columnsOf(node)
  const by = bindByClause(node, columns, cx)
  const items = listElements(cx.child(node, 'Aggregates'), cx)
  if (columns.length !== by.length + items.length + 1) return unsupported('This make-series form', span)
  const aggs = items.map((it, i) => {
    let e: KNode = cx.child(it, 'Expression') ?? it
    if (cx.kind(e) === 'SimpleNamedExpression') e = cx.child(e, 'Expression')!
    const fn = canonicalFunction(e.ReferencedSymbol?.Name ?? '')
    if (cx.kind(e) !== 'FunctionCallExpression' || !(fn in aggregateFunctions))
      return unsupported(
        `make-series of '${cx.textOf(e).trim().slice(0, 40)}'`,
        cx.span(e),
        'an aggregation is needed',
      )
    const dflt = cx.child(it, 'DefaultExpression')
    const out = columns[by.length + i]!
    return {
      agg: {
        fn,
        args: callArguments(e, cx).map((a): IrExpr =>
          cx.kind(a) === 'StarExpression' ? { k: 'lit', value: 1, type: 'long' } : cx.scalar(a),
        ),
        outputs: [{ name: out.name, type: cx.typeOf(e) }],
        span: cx.span(e),
      },
      default: dflt ? cx.scalar(cx.child(dflt, 'Expression')!) : ZERO,
    }
  })
  const on = cx.child(node, 'OnClause')
  const axis = cx.scalar(cx.child(on!, 'Expression')!)
  if (axis.type !== 'datetime') return unsupported('make-series on a non-datetime axis', cx.span(on!))
  const range = cx.child(node, 'RangeClause')
  if (!range || cx.kind(range) !== 'MakeSeriesFromToStepClause')
    return unsupported('make-series without from/to/step', span)
  const part = (name: string) => {
    const c = cx.child(range, name)
    const e = c ? cx.child(c, 'Expression') : null
    return e ? cx.scalar(e) : null
  }
  const step = part('MakeSeriesStepClause')
  if (!step || step.type !== 'timespan')
    return unsupported('make-series with a step that is not a timespan', span)
  return {
    op: 'make-series',
    input,
    by,
    aggs,
    axis,
    from: part('MakeSeriesFromClause'),
    to: part('MakeSeriesToClause'),
    step,
    columns,
    span,
  }
})

registerLowering('make-series', (n, lx) => {
  const m = n as MakeSeries
  const d = lx.d
  const input = lx.tabular(m.input)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const cols = lx.allocate(m.columns)
  const idiv = (a: SqlNode, b: SqlNode) => (d.name === 'duckdb' ? sql`(${a} // ${b})` : sql`(${a} / ${b})`)
  const t = d.epochUs(lx.expr(m.axis, cx))
  const st = lx.expr(m.step, cx)
  // Floor division for the bin of an instant (instants before 1970 are negative).
  const floorDiv = (a: SqlNode, b: SqlNode) =>
    sql`CAST(floor(CAST(${a} AS DOUBLE PRECISION) / ${b}) AS BIGINT)`
  const fromSql = m.from
    ? d.epochUs(lx.expr(m.from, cx))
    : sql`(SELECT ${floorDiv(sql`min(${t})`, st)} * ${st} FROM ${input.from})`
  const toSql = m.to
    ? d.epochUs(lx.expr(m.to, cx))
    : sql`(SELECT (${floorDiv(sql`max(${t})`, st)} + 1) * ${st} FROM ${input.from})`
  const range = lx.addCte(
    sql`SELECT f, st, CASE WHEN tt > f THEN ${idiv(sql`(tt - f + st - 1)`, raw('st'))} ELSE 0 END AS n, tt FROM (SELECT ${fromSql} AS f, CAST(${st} AS BIGINT) AS st, ${toSql} AS tt) AS q`,
    [],
    false,
  )
  const keys = m.by.map((b) => lx.expr(b.expr, cx))
  const keyId = (j: number) => ident(`k${j}`)
  const aggItems = m.aggs.map((a, i) => sql`${lx.aggregate(a.agg, cx, input)} AS ${ident(`a${i}`)}`)
  const groupBy = raw(` GROUP BY ${[...keys.map((_, j) => j + 1), keys.length + 1].join(', ')}`)
  const cells = lx.addCte(
    sql`SELECT ${list([...keys.map((k, j) => sql`${k} AS ${keyId(j)}`), sql`${floorDiv(sql`${t} - r.f`, raw('r.st'))} AS "i"`, ...aggItems])} FROM ${input.from} CROSS JOIN ${range.from} AS r WHERE ${t} >= r.f AND ${t} < r.tt${groupBy}`,
    [],
    false,
  )
  const groups = keys.length
    ? sql`(SELECT DISTINCT ${list(keys.map((_, j) => keyId(j)))} FROM ${cells.from})`
    : sql`(SELECT 1 AS "one")`
  const on = [
    ...keys.map((_, j) => sql`c.${keyId(j)} IS NOT DISTINCT FROM g.${keyId(j)}`),
    sql`c."i" = b."i"`,
  ]
  const series = (v: SqlNode) =>
    d.name === 'duckdb'
      ? sql`coalesce(to_json(list(${v} ORDER BY b."i")), CAST('[]' AS JSON))`
      : sql`coalesce(jsonb_agg(${v} ORDER BY b."i"), '[]'::jsonb)`
  const toJson = (v: SqlNode) => (d.name === 'duckdb' ? sql`to_json(${v})` : sql`to_jsonb(${v})`)
  const items: SqlNode[] = [
    ...keys.map((_, j) => sql`g.${keyId(j)} AS ${ident(cols[j]!.sql)}`),
    ...m.aggs.map((a, i) => {
      const dflt = lx.expr(a.default, cx)
      const v = sql`CASE WHEN c."i" IS NULL THEN ${toJson(dflt)} ELSE ${toJson(sql`c.${ident(`a${i}`)}`)} END`
      return sql`${series(v)} AS ${ident(cols[keys.length + i]!.sql)}`
    }),
    sql`${series(toJson(datetimeText(d.fromEpochUs(sql`r.f + b."i" * r.st`), d)))} AS ${ident(cols[cols.length - 1]!.sql)}`,
  ]
  const gb = keys.length ? raw(` GROUP BY ${keys.map((_, j) => `g."k${j}"`).join(', ')}`) : raw('')
  return lx.addCte(
    sql`SELECT ${list(items)} FROM ${groups} AS g CROSS JOIN ${range.from} AS r CROSS JOIN ${d.rangeRows(raw('r.n'), 'b', 'i')} LEFT JOIN ${cells.from} AS c ON ${list(on, ' AND ')}${gb}`,
    cols,
    false,
  )
})
