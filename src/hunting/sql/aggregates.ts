import type { IrAggregate, IrExpr } from '../ir/ir.js'
import { datetimeText, timespanText } from './convert.js'
import type { JsonAggOrder } from './dialect.js'
import type { ScalarCx } from './lower-context.js'
import { raw, sql, type SqlNode } from './sql-tree.js'
import { literalNumber } from './values.js'

/**
 * Plain aggregates (one output column) as SQL aggregate expressions. `arg_max`/`arg_min`/multi-column
 * `take_any` are row selections and are lowered by the summarize operator with a window instead.
 */
export type AggImpl = (agg: IrAggregate, cx: ScalarCx, ctx: AggContext) => SqlNode

/** What an aggregate may know about its input rows. */
export interface AggContext {
  /** ORDER BY expression of serialized (sorted) input rows, or null. */
  rowOrder: SqlNode | null
  /** Stable mode: arbitrary orders become value orders. */
  stable: boolean
}

const countStar = raw('count(*)')

function cond(agg: IrAggregate, i: number, cx: ScalarCx): SqlNode {
  return cx.as(agg.args[i]!, 'bool')
}

export const aggregateFunctions: Readonly<Record<string, AggImpl>> = {
  count: (a, cx) => (a.args.length ? sql`count(${cx.expr(a.args[0]!)})` : countStar),
  countif: (a, cx) => sql`count(*) FILTER (WHERE ${cond(a, 0, cx)})`,
  dcount: (a, cx) => sql`count(DISTINCT ${cx.expr(a.args[0]!)})`,
  count_distinct: (a, cx) => sql`count(DISTINCT ${cx.expr(a.args[0]!)})`,
  dcountif: (a, cx) => sql`count(DISTINCT ${cx.expr(a.args[0]!)}) FILTER (WHERE ${cond(a, 1, cx)})`,
  count_distinctif: (a, cx) => sql`count(DISTINCT ${cx.expr(a.args[0]!)}) FILTER (WHERE ${cond(a, 1, cx)})`,
  sum: (a, cx) =>
    sql`CAST(sum(${cx.as(a.args[0]!, a.outputs[0]!.type)}) AS ${raw(cx.d.types[a.outputs[0]!.type])})`,
  sumif: (a, cx) =>
    sql`CAST(sum(${cx.as(a.args[0]!, a.outputs[0]!.type)}) FILTER (WHERE ${cond(a, 1, cx)}) AS ${raw(cx.d.types[a.outputs[0]!.type])})`,
  avg: (a, cx) => sql`avg(${cx.as(a.args[0]!, 'real')})`,
  avgif: (a, cx) => sql`avg(${cx.as(a.args[0]!, 'real')}) FILTER (WHERE ${cond(a, 1, cx)})`,
  min: (a, cx) => minMax('min', a, cx, null),
  max: (a, cx) => minMax('max', a, cx, null),
  minif: (a, cx) => minMax('min', a, cx, cond(a, 1, cx)),
  maxif: (a, cx) => minMax('max', a, cx, cond(a, 1, cx)),
  stdev: (a, cx) => sql`stddev_samp(${cx.as(a.args[0]!, 'real')})`,
  stdevp: (a, cx) => sql`stddev_pop(${cx.as(a.args[0]!, 'real')})`,
  variance: (a, cx) => sql`var_samp(${cx.as(a.args[0]!, 'real')})`,
  make_set: (a, cx) => collect(a, cx, true, null, null, a.args[1]),
  make_set_if: (a, cx) => collect(a, cx, true, cond(a, 1, cx), null, a.args[2]),
  make_list: (a, cx, ctx) => collect(a, cx, false, null, ctx, a.args[1]),
  make_list_if: (a, cx, ctx) => collect(a, cx, false, cond(a, 1, cx), ctx, a.args[2]),
  make_list_with_nulls: (a, cx, ctx) => collect(a, cx, false, null, ctx, a.args[1]),
  take_any: (a, cx) => minMax('min', a, cx, null),
  take_anyif: (a, cx) => minMax('min', a, cx, cond(a, 1, cx)),
  percentile: (a, cx) => percentile(a, cx, 1),
  percentiles: (a, cx) => percentile(a, cx, 1),
  make_bag: (a, cx) => makeBag(a, cx, null),
  make_bag_if: (a, cx) => makeBag(a, cx, cond(a, 1, cx)),
}

/**
 * make_bag: the union of the property bags of the group (other values are ignored); when a key has
 * several values KQL picks any, here the smallest by JSON text, so both engines agree.
 */
function makeBag(a: IrAggregate, cx: ScalarCx, filter: SqlNode | null): SqlNode {
  const limit = a.args[filter ? 2 : 1]
  if (limit) return cx.fail(`${a.fn} with a size limit`, a.span)
  const x = cx.as(a.args[0]!, 'dynamic')
  const f = filter ? sql` AND (${filter})` : raw('')
  return cx.d.name === 'duckdb'
    ? sql`(SELECT coalesce(json_group_object(m.k, m.v), CAST('{}' AS JSON)) FROM (SELECT e.key AS k, CAST(min(CAST(e.value AS VARCHAR)) AS JSON) AS v FROM unnest(coalesce(list(${x}) FILTER (WHERE json_type(${x}) = 'OBJECT'${f}), [])) AS u(b), json_each(u.b) AS e GROUP BY e.key) AS m)`
    : sql`(SELECT coalesce(jsonb_object_agg(m.k, m.v), '{}'::jsonb) FROM (SELECT e.key AS k, min(e.value::text COLLATE "C")::jsonb AS v FROM jsonb_array_elements(coalesce(jsonb_agg(${x}) FILTER (WHERE jsonb_typeof(${x}) = 'object'${f}), '[]'::jsonb)) AS u(b), jsonb_each(u.b) AS e GROUP BY e.key) AS m)`
}

/**
 * make_set / make_list. Elements are in their JSON form (datetimes and timespans as KQL text). Sets are
 * sorted by value (KQL leaves the order open; sorting makes both engines agree); lists keep the order
 * of serialized input, and in stable mode otherwise sort by value.
 */
function collect(
  a: IrAggregate,
  cx: ScalarCx,
  distinct: boolean,
  filter: SqlNode | null,
  ctx: AggContext | null,
  maxSize: IrExpr | undefined,
): SqlNode {
  const arg = a.args[0]!
  const t = arg.type
  const x =
    t === 'datetime'
      ? datetimeText(cx.expr(arg), cx.d)
      : t === 'timespan'
        ? timespanText(cx.expr(arg), cx.d)
        : cx.expr(arg)
  const text = t === 'string' || t === 'guid' || t === 'datetime' || t === 'timespan'
  const byValue: JsonAggOrder = t === 'dynamic' ? null : { by: 'value', text }
  const order: JsonAggOrder = distinct
    ? byValue
    : ctx?.rowOrder
      ? { by: ctx.rowOrder }
      : ctx?.stable
        ? byValue
        : null
  const agg = cx.d.jsonAgg(x, distinct, filter, order)
  return maxSize ? cx.d.jsonArrayHead(agg, cx.as(maxSize, 'long')) : agg
}

/** KQL min/max over strings use ordinal comparison; PostgreSQL needs an explicit "C" collation. */
function minMax(fn: 'min' | 'max', a: IrAggregate, cx: ScalarCx, filter: SqlNode | null): SqlNode {
  const t = a.outputs[0]!.type
  let x = cx.as(a.args[0]!, t)
  if (t === 'bool') {
    const b = raw(fn === 'max' ? 'bool_or' : 'bool_and')
    return filter ? sql`${b}(${x}) FILTER (WHERE ${filter})` : sql`${b}(${x})`
  }
  if (t === 'string' && cx.d.ordinalCollation) x = sql`${x}${raw(cx.d.ordinalCollation)}`
  if (t === 'string') x = sql`nullif(${x}, '')`
  const agg = filter ? sql`${raw(fn)}(${x}) FILTER (WHERE ${filter})` : sql`${raw(fn)}(${x})`
  return t === 'string' ? sql`coalesce(${agg}, '')` : agg
}

function percentile(a: IrAggregate, cx: ScalarCx, argIndex: number): SqlNode {
  const p = literalNumber(a.args[argIndex]!)
  if (p === undefined) return cx.fail('percentile with a non-constant percentage', a.span)
  const x = cx.as(a.args[0]!, 'real')
  return cx.d.name === 'duckdb'
    ? sql`quantile_disc(${x}, ${raw(String(p / 100))})`
    : sql`percentile_disc(${raw(String(p / 100))}) WITHIN GROUP (ORDER BY ${x})`
}
