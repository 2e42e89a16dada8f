import { operatorBinders, type BindCx } from '../bind/bind-context.js'
import { listElements } from '../bind/scalar.js'
import { invalid, unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import type { IrExpr, IrTabular, JoinKind } from '../ir/ir.js'
import { readColumn, registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'

type Join = IrTabular & { op: 'join' }

const JOIN_KINDS = new Set<JoinKind>([
  'innerunique',
  'inner',
  'leftouter',
  'rightouter',
  'fullouter',
  'leftsemi',
  'leftanti',
  'rightsemi',
  'rightanti',
])
const KIND_ALIASES: Record<string, JoinKind> = {
  leftantisemi: 'leftanti',
  rightantisemi: 'rightanti',
  anti: 'leftanti',
  semi: 'leftsemi',
  outer: 'leftouter',
  left: 'leftouter',
  right: 'rightouter',
  full: 'fullouter',
}

function kindParam(node: KNode, cx: BindCx, dflt: JoinKind): JoinKind {
  const params = cx.child(node, 'Parameters')
  for (const p of params ? listElements(params, cx) : []) {
    const m = /^\s*kind\s*=\s*([A-Za-z]+)/i.exec(cx.textOf(p))
    if (m) {
      const k = m[1]!.toLowerCase()
      const kind = (JOIN_KINDS.has(k as JoinKind) ? k : KIND_ALIASES[k]) as JoinKind | undefined
      if (!kind) return unsupported(`The join kind '${k}'`, cx.span(p))
      return kind
    }
  }
  return dflt
}

function conditionPairs(clause: KNode | null, cx: BindCx, node: KNode): { left: IrExpr; right: IrExpr }[] {
  if (!clause) return invalid('join needs an on clause', cx.span(node))
  const pairs: { left: IrExpr; right: IrExpr }[] = []
  const visit = (e: KNode) => {
    const k = cx.kind(e)
    if (k === 'AndExpression') {
      visit(cx.child(e, 'Left')!)
      visit(cx.child(e, 'Right')!)
      return
    }
    if (k === 'ParenthesizedExpression') return visit(cx.child(e, 'Expression')!)
    if (k === 'NameReference') {
      const name = e.ReferencedSymbol?.Name ?? cx.textOf(e).trim()
      const t = cx.typeOf(e)
      pairs.push({
        left: { k: 'col', name, type: t, side: 'left' },
        right: { k: 'col', name, type: t, side: 'right' },
      })
      return
    }
    if (k === 'EqualExpression') {
      const a = cx.scalar(cx.child(e, 'Left')!)
      const b = cx.scalar(cx.child(e, 'Right')!)
      if (a.k === 'col' && b.k === 'col' && a.side && b.side && a.side !== b.side) {
        pairs.push(a.side === 'left' ? { left: a, right: b } : { left: b, right: a })
        return
      }
    }
    unsupported(
      `The join condition '${cx.textOf(e).trim().slice(0, 60)}'`,
      cx.span(e),
      'only equality of $left/$right columns',
    )
  }
  for (const e of listElements(cx.child(clause, 'Expressions') ?? cx.child(clause, 'Expression'), cx))
    visit(e)
  if (cx.kind(clause) === 'JoinWhereClause') visit(cx.child(clause, 'Expression')!)
  return pairs
}

function bindJoin(node: KNode, input: IrTabular, cx: BindCx, lookup: boolean): IrTabular {
  const kind = kindParam(node, cx, lookup ? 'leftouter' : 'innerunique')
  if (lookup && kind !== 'leftouter' && kind !== 'inner')
    return unsupported(`lookup kind=${kind}`, cx.span(node))
  const right = cx.tabular(
    cx.child(node, lookup ? 'LookupTable' : 'Expression') ?? cx.child(node, 'Expression')!,
  )
  const on = conditionPairs(
    cx.child(node, lookup ? 'LookupClause' : 'ConditionClause') ?? cx.child(node, 'ConditionClause'),
    cx,
    node,
  )
  const columns = cx.columnsOf(node)
  const l = input.columns
  const r = right.columns
  let outputs: { name: string; side: 'left' | 'right'; from: string }[]
  if (kind === 'leftsemi' || kind === 'leftanti')
    outputs = l.map((c, i) => ({ name: columns[i]!.name, side: 'left', from: c.name }))
  else if (kind === 'rightsemi' || kind === 'rightanti')
    outputs = r.map((c, i) => ({ name: columns[i]!.name, side: 'right', from: c.name }))
  else {
    // lookup leaves the right side's key columns out (`on a` and `on $left.a == $right.b` alike).
    const rightKeys = new Set(on.flatMap((p) => (p.right.k === 'col' ? [p.right.name] : [])))
    const rightCols = lookup ? r.filter((c) => !rightKeys.has(c.name)) : r
    outputs = [
      ...l.map((c, i) => ({ name: columns[i]!.name, side: 'left' as const, from: c.name })),
      ...rightCols.map((c, i) => ({
        name: columns[l.length + i]?.name ?? c.name,
        side: 'right' as const,
        from: c.name,
      })),
    ]
  }
  if (outputs.length !== columns.length) return unsupported('This join output shape', cx.span(node))
  return { op: 'join', kind, left: input, right, on, outputs, lookup, columns, span: cx.span(node) }
}

operatorBinders.set('JoinOperator', (node, input, cx) => bindJoin(node, input, cx, false))
operatorBinders.set('LookupOperator', (node, input, cx) => bindJoin(node, input, cx, true))

/** Keeps one row per join key on the left side (innerunique), deterministically. */
function dedupe(lx: Lowerer, st: Stage, keys: SqlNode[]): Stage {
  const order = st.cols
    .filter((c) => c.type !== 'dynamic')
    .map((c) => sql`${readColumn(c)}${raw(c.type === 'string' ? lx.d.ordinalCollation : '')} ASC NULLS FIRST`)
  const cols = st.cols.map((c) => ident(c.sql))
  const rn = sql`row_number() OVER (PARTITION BY ${list(keys)}${order.length ? sql` ORDER BY ${list(order)}` : raw('')})`
  const body = lx.d.qualify
    ? sql`SELECT ${list(cols)} FROM ${st.from} QUALIFY ${rn} = 1`
    : sql`SELECT ${list(cols)} FROM (SELECT ${list(cols)}, ${rn} AS "__rn" FROM ${st.from}) AS u WHERE "__rn" = 1`
  return lx.addCte(body, st.cols, false)
}

registerLowering('join', (n, lx) => {
  const j = n as Join
  let left = lx.tabular(j.left)
  const right = lx.tabular(j.right)
  if (j.kind === 'innerunique') {
    const cx = lx.scalarCx(lx.scopeOf(left))
    left = dedupe(
      lx,
      left,
      j.on.map((p) => lx.expr({ ...p.left, side: undefined } as IrExpr, cx)),
    )
  }
  const scope = lx.joinScope(left, right, 'l', 'r')
  const cx = lx.scalarCx(scope)
  const conds = j.on.map((p) => {
    const a = lx.expr(p.left, cx)
    const b = lx.expr(p.right, cx)
    const t = p.left.type === p.right.type ? '' : 'mixed'
    return t
      ? sql`CAST(${a} AS ${raw(lx.d.types.string)}) = CAST(${b} AS ${raw(lx.d.types.string)})`
      : sql`${a} = ${b}`
  })
  const on = conds.length ? list(conds, ' AND ') : raw('TRUE')
  const cols = lx.allocate(j.columns)
  const pick = (o: (typeof j.outputs)[number]) => {
    const st = o.side === 'left' ? left : right
    const c = st.cols.find((x) => x.name === o.from)!
    return ident(c.sql, o.side === 'left' ? 'l' : 'r')
  }
  const items = j.outputs.map((o, i) => sql`${pick(o)} AS ${ident(cols[i]!.sql)}`)
  let body: SqlNode
  switch (j.kind) {
    case 'leftsemi':
    case 'leftanti':
      body = sql`SELECT ${list(items)} FROM ${left.from} AS l WHERE ${raw(j.kind === 'leftanti' ? 'NOT ' : '')}EXISTS (SELECT 1 FROM ${right.from} AS r WHERE ${on})`
      break
    case 'rightsemi':
    case 'rightanti':
      body = sql`SELECT ${list(items)} FROM ${right.from} AS r WHERE ${raw(j.kind === 'rightanti' ? 'NOT ' : '')}EXISTS (SELECT 1 FROM ${left.from} AS l WHERE ${on})`
      break
    case 'inner':
    case 'innerunique':
    case 'leftouter':
    case 'rightouter':
    case 'fullouter': {
      const kw = {
        innerunique: 'JOIN',
        inner: 'JOIN',
        leftouter: 'LEFT JOIN',
        rightouter: 'RIGHT JOIN',
        fullouter: 'FULL JOIN',
      }[j.kind]
      body = sql`SELECT ${list(items)} FROM ${left.from} AS l ${raw(kw)} ${right.from} AS r ON ${on}`
    }
  }
  return lx.addCte(body, cols, false)
})
