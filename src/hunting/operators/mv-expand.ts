import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements, nameOf } from '../bind/scalar.js'
import type { KNode } from '../front-end/kusto-types.js'
import { unsupported } from '../diagnostics.js'
import type { IrColumn, IrExpr, IrTabular, KType } from '../ir/ir.js'
import { ORD, registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { convert } from '../sql/convert.js'

type MvExpand = IrTabular & { op: 'mv-expand' }

const TYPE_WORDS: Record<string, KType> = {
  string: 'string',
  long: 'long',
  int: 'int',
  real: 'real',
  double: 'real',
  bool: 'bool',
  boolean: 'bool',
  datetime: 'datetime',
  date: 'datetime',
  timespan: 'timespan',
  dynamic: 'dynamic',
  guid: 'guid',
}

export function bindExpandItems(node: KNode, cx: BindCx, input?: IrTabular) {
  // Unnamed expressions take the name the binder gives them: a function of a column is named after it
  // (`mv-expand parse_json(x)` replaces x), anything else is a new column (`Column1`, …).
  const outputs = input ? cx.columnsOf(node) : []
  const fresh = outputs.filter((o) => !input?.columns.some((c) => c.name === o.name)).map((o) => o.name)
  return listElements(cx.child(node, 'Expressions'), cx).map((e) => {
    const inner =
      cx.kind(e) === 'MvExpandExpression' || cx.kind(e) === 'MvApplyExpression'
        ? cx.child(e, 'Expression')!
        : e
    const toClause = cx.child(e, 'ToTypeOf')
    let to: KType | null = null
    if (toClause) {
      const m = /typeof\s*\(\s*([a-z]+)\s*\)/i.exec(cx.textOf(toClause))
      to = m ? (TYPE_WORDS[m[1]!.toLowerCase()] ?? null) : null
    }
    if (cx.kind(inner) === 'SimpleNamedExpression') {
      const n = cx.child(inner, 'Name')!
      return {
        name: nameOf(cx.child(n, 'Name') ?? n, cx),
        expr: cx.scalar(cx.child(inner, 'Expression')!),
        to,
      }
    }
    const expr = cx.scalar(inner)
    if (expr.k === 'col') return { name: expr.name, expr, to }
    const first = expr.k === 'call' ? expr.args[0] : undefined
    const name =
      first?.k === 'col' && outputs.some((o) => o.name === first.name) && !fresh.includes(first.name)
        ? first.name
        : fresh.shift()
    if (name === undefined) return unsupported('mv-expand of an unnamed expression', cx.span(inner))
    return { name, expr, to }
  })
}

export function paramValue(node: KNode, cx: BindCx, name: string): string | undefined {
  for (const p of listElements(cx.child(node, 'Parameters'), cx)) {
    const m = new RegExp(`^\\s*${name}\\s*=\\s*(\\S+)`, 'i').exec(cx.textOf(p))
    if (m) return m[1]
  }
  return undefined
}

/** `mv-expand`: one row per element (arrays) or per property (bags, as single-key bags). */
operatorBinders.set('MvExpandOperator', (node, input, cx) => {
  if (
    paramValue(node, cx, 'bagexpansion')?.toLowerCase() === 'array' ||
    paramValue(node, cx, 'kind')?.toLowerCase() === 'array'
  )
    return unsupported('mv-expand kind=array', cx.span(node))
  const limitClause = cx.child(node, 'RowLimitClause')
  return {
    op: 'mv-expand',
    input,
    items: bindExpandItems(node, cx, input),
    limit: limitClause ? cx.scalar(cx.child(limitClause, 'RowLimit')!) : null,
    indexColumn: paramValue(node, cx, 'with_itemindex') ?? null,
    columns: cx.columnsOf(node),
    span: cx.span(node),
  }
})

/** Normalises a dynamic value to an array: arrays as is, bags → [{k: v}, …], scalars → [x], null → []. */
export function asArray(lx: Lowerer, x: SqlNode): SqlNode {
  if (lx.d.name === 'duckdb')
    return sql`CASE json_type(${x}) WHEN 'ARRAY' THEN ${x} WHEN 'OBJECT' THEN (SELECT coalesce(to_json(list(json_object(e.key, e.value))), CAST('[]' AS JSON)) FROM json_each(${x}) e) WHEN 'NULL' THEN CAST('[]' AS JSON) ELSE json_array(${x}) END`
  return sql`CASE jsonb_typeof(${x}) WHEN 'array' THEN ${x} WHEN 'object' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object(e.key, e.value)), '[]'::jsonb) FROM jsonb_each(${x}) e) WHEN 'null' THEN '[]'::jsonb ELSE jsonb_build_array(${x}) END`
}

export function expandStage(
  lx: Lowerer,
  input: Stage,
  items: { name: string; expr: IrExpr; to: KType | null }[],
  limit: IrExpr | null,
  indexColumn: string | null,
  columns: IrColumn[],
): Stage {
  const cx = lx.scalarCx(lx.scopeOf(input, 't'))
  const arrays = items.map((it) => asArray(lx, lx.expr(it.expr, cx)))
  const len = arrays.length === 1 ? null : list(arrays.map((a) => lx.d.jsonArrayLength(a)))
  const cols = lx.allocate(columns)
  const byName = new Map(items.map((it, i) => [it.name, i]))
  const elem = (i: number): SqlNode => {
    const it = items[i]!
    const v = arrays.length === 1 ? raw('x.v') : lx.d.jsonIndex(arrays[i]!, raw('x.idx'))
    return it.to && it.to !== 'dynamic' ? convert(v, 'dynamic', it.to, lx.d) : v
  }
  const sel = cols.map((c) => {
    const i = byName.get(c.name)
    if (i !== undefined) return sql`${elem(i)} AS ${ident(c.sql)}`
    if (c.name === indexColumn) return sql`x.idx AS ${ident(c.sql)}`
    const src = input.cols.find((x) => x.name === c.name)
    return sql`${src ? ident(src.sql, 't') : raw('NULL')} AS ${ident(c.sql)}`
  })
  if (input.ordered) sel.push(sql`t.${ident(ORD)} * 1000000 + x.idx AS ${ident(ORD)}`)
  const rows =
    arrays.length === 1
      ? lx.d.jsonElements(arrays[0]!)
      : sql`(SELECT r.idx AS idx FROM ${lx.d.rangeRows(sql`greatest(${len!})`, 'r', 'idx')})`
  const lim = limit ? sql` WHERE x.idx < ${lx.expr(limit, cx)}` : raw('')
  const body = sql`SELECT ${list(sel)} FROM ${input.from} AS t CROSS JOIN LATERAL ${rows} AS x${lim}`
  return lx.addCte(body, cols, input.ordered)
}

registerLowering('mv-expand', (n, lx) => {
  const m = n as MvExpand
  return expandStage(lx, lx.tabular(m.input), m.items, m.limit, m.indexColumn, m.columns)
})
