import { operatorBinders } from '../bind/bind-context.js'
import { callArguments, canonicalFunction, listElements } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrAggregate, IrExpr, IrTabular } from '../ir/ir.js'
import { aggregateFunctions } from '../sql/aggregates.js'
import { registerLowering, type Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'

type TopNested = IrTabular & { op: 'top-nested' }

const unwrapNamed = (n: KNode, kind: (n: KNode) => string, childOf: (n: KNode, c: string) => KNode | null) =>
  kind(n) === 'SimpleNamedExpression' ? childOf(n, 'Expression')! : n

/**
 * `top-nested [N] of Key by Aggregation [asc|desc], …`: level 1 keeps the N groups of Key1 with the
 * highest (or lowest) aggregate; each further level does the same inside every group kept by the level
 * above. One output row per kept group of the last level, with every level's key and aggregate
 * (columns named by the binder: `Key`, `aggregated_Key` or the aggregate's own name). Ties between
 * groups are broken by the key (ordinal), so the choice is deterministic. `with others` answers 400.
 */
operatorBinders.set('TopNestedOperator', (node, input, cx) => {
  const span = cx.span(node)
  const columns = cx.columnsOf(node)
  const clauses = listElements(cx.child(node, 'Clauses'), cx)
  if (columns.length !== clauses.length * 2) return unsupported('This top-nested form', span)
  const kind = (n: KNode) => cx.kind(n)
  const childOf = (n: KNode, c: string) => cx.child(n, c)
  const levels = clauses.map((cl, i) => {
    if (cx.child(cl, 'WithOthersClause')) return unsupported('top-nested with others', cx.span(cl))
    const countNode = cx.child(cl, 'Expression')
    const key = cx.scalar(unwrapNamed(cx.child(cl, 'OfExpression')!, kind, childOf))
    if (!columns[i * 2]!.name) return unsupported('top-nested of an unnamed expression', cx.span(cl))
    let by = cx.child(cl, 'ByExpression')!
    let desc = true
    if (cx.kind(by) === 'OrderedExpression') {
      const ord = cx.child(by, 'Ordering')
      desc = !(ord && /\basc\b/i.test(cx.textOf(ord)))
      by = cx.child(by, 'Expression')!
    }
    const callNode = unwrapNamed(by, kind, childOf)
    const fn = canonicalFunction(callNode.ReferencedSymbol?.Name ?? '')
    if (cx.kind(callNode) !== 'FunctionCallExpression' || !(fn in aggregateFunctions))
      return unsupported(
        `top-nested by '${cx.textOf(callNode).trim().slice(0, 40)}'`,
        cx.span(callNode),
        'an aggregation function is needed',
      )
    const agg: IrAggregate = {
      fn,
      args: callArguments(callNode, cx).map((a): IrExpr =>
        cx.kind(a) === 'StarExpression' ? { k: 'lit', value: 1, type: 'long' } : cx.scalar(a),
      ),
      outputs: [columns[i * 2 + 1]!],
      span: cx.span(callNode),
    }
    return { key, agg, count: countNode ? cx.scalar(countNode) : null, desc }
  })
  return { op: 'top-nested', input, levels, columns, span }
})

registerLowering('top-nested', (n, lx) => {
  const t = n as TopNested
  const input = lx.tabular(t.input)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const cols = lx.allocate(t.columns)
  const keys = t.levels.map((l) => lx.expr(l.key, cx))
  const keyId = (i: number) => ident(`k${i}`)
  const levelStages: Stage[] = []
  t.levels.forEach((level, i) => {
    const groupItems = [
      ...keys.slice(0, i + 1).map((k, j) => sql`${k} AS ${keyId(j)}`),
      sql`${lx.aggregate(level.agg, cx, input)} AS "a"`,
    ]
    const groupBy = raw(
      ` GROUP BY ${keys
        .slice(0, i + 1)
        .map((_, j) => j + 1)
        .join(', ')}`,
    )
    const grouped = sql`SELECT ${list(groupItems)} FROM ${input.from}${groupBy}`
    const prev = levelStages[i - 1]
    const parent = prev
      ? sql` WHERE EXISTS (SELECT 1 FROM ${prev.from} AS p WHERE ${list(
          keys.slice(0, i).map((_, j) => sql`p.${keyId(j)} IS NOT DISTINCT FROM g.${keyId(j)}`),
          ' AND ',
        )})`
      : raw('')
    const keyType = (j: number) => t.columns[j * 2]!.type
    const tie = (j: number) =>
      sql`g.${keyId(j)}${raw(keyType(j) === 'string' ? lx.d.ordinalCollation : '')} ASC NULLS FIRST`
    const partition = i
      ? sql`PARTITION BY ${list(keys.slice(0, i).map((_, j) => sql`g.${keyId(j)}`))} `
      : raw('')
    const rn = sql`row_number() OVER (${partition}ORDER BY g."a" ${raw(level.desc ? 'DESC' : 'ASC')} NULLS LAST, ${tie(i)})`
    const outItems = [...keys.slice(0, i + 1).map((_, j) => sql`g.${keyId(j)}`), raw('g."a"')]
    const limit = level.count ? lx.expr(level.count, lx.scalarCx({ column: () => undefined })) : null
    const body = limit
      ? sql`SELECT ${list(outItems)} FROM (SELECT g.*, ${rn} AS "__rn" FROM (${grouped}) AS g${parent}) AS g WHERE g."__rn" <= ${limit}`
      : sql`SELECT ${list(outItems)} FROM (${grouped}) AS g${parent}`
    levelStages.push(lx.addCte(body, [], false))
  })
  // Join every level's aggregate onto the rows of the last level.
  const last = t.levels.length - 1
  const from: SqlNode[] = [sql`${levelStages[last]!.from} AS l${raw(String(last))}`]
  for (let i = 0; i < last; i++)
    from.push(
      sql` JOIN ${levelStages[i]!.from} AS ${raw(`l${i}`)} ON ${list(
        keys
          .slice(0, i + 1)
          .map(
            (_, j) => sql`${raw(`l${i}`)}.${keyId(j)} IS NOT DISTINCT FROM ${raw(`l${last}`)}.${keyId(j)}`,
          ),
        ' AND ',
      )}`,
    )
  const items = t.levels.flatMap((_, i) => [
    sql`${raw(`l${last}`)}.${keyId(i)} AS ${ident(cols[i * 2]!.sql)}`,
    sql`${raw(`l${i}`)}."a" AS ${ident(cols[i * 2 + 1]!.sql)}`,
  ])
  return lx.addCte(sql`SELECT ${list(items)} FROM ${{ t: 'seq', parts: from }}`, cols, false)
})
