import type { IrExpr } from '../ir/ir.js'
import type { ScalarCx } from './lower-context.js'
import { param, raw, sql, type SqlNode } from './sql-tree.js'
import { literalArray, literalString } from './values.js'

/**
 * KQL string operators. Case-insensitive forms compare lower-cased text (constants are lower-cased
 * here, once); `has` matches whole terms: a term is a maximal run of ASCII letters and digits, and the
 * needle must sit on term boundaries wherever its own first/last character is alphanumeric.
 */
const ALNUM_LC = 'a-z0-9'
const ALNUM_CS = 'A-Za-z0-9'

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, (c) => '\\' + c)
}

function hay(e: IrExpr, cx: ScalarCx, cs: boolean): SqlNode {
  const x = cx.as(e, 'string')
  return cs ? x : sql`lower(${x})`
}

/** Needle: a lower-cased (unless cs) constant parameter, or lower(expr). */
function needle(e: IrExpr, cx: ScalarCx, cs: boolean): { node: SqlNode; text: string | undefined } {
  const s = literalString(e)
  if (s !== undefined)
    return { node: param(cs ? s : s.toLowerCase(), 'string'), text: cs ? s : s.toLowerCase() }
  const x = cx.as(e, 'string')
  return { node: cs ? x : sql`lower(${x})`, text: undefined }
}

export type TermMode = 'term' | 'prefix' | 'suffix'

function termRegex(n: string, cs: boolean, mode: TermMode): string | null {
  const cls = cs ? ALNUM_CS : ALNUM_LC
  const alnum = cs ? /[A-Za-z0-9]/ : /[a-z0-9]/
  const left = mode !== 'suffix' && alnum.test(n[0] ?? '') ? `(^|[^${cls}])` : ''
  const right = mode !== 'prefix' && alnum.test(n[n.length - 1] ?? '') ? `($|[^${cls}])` : ''
  if (!left && !right) return null
  return left + escapeRegex(n) + right
}

/** `x has n` and friends for one needle. */
export function hasTerm(x: IrExpr, n: IrExpr, cx: ScalarCx, cs: boolean, mode: TermMode): SqlNode {
  const h = hay(x, cx, cs)
  const nd = needle(n, cx, cs)
  if (nd.text !== undefined) {
    if (nd.text === '') return raw('TRUE')
    const re = termRegex(nd.text, cs, mode)
    const c = cx.d.matchText(h, nd.text, 'contains')
    return re === null ? c : sql`(${c} AND ${cx.d.regexMatch(h, param(re, 'string'))})`
  }
  // Non-constant needle: escape it in SQL and always apply both boundaries for alphanumeric ends.
  const cls = cs ? ALNUM_CS : ALNUM_LC
  const esc = sql`regexp_replace(${nd.node}, '([.*+?^$\\{\\}()|\\[\\]\\\\])', '\\\\\\1', 'g')`
  const left = mode !== 'suffix' ? `(^|[^${cls}])` : ''
  const right = mode !== 'prefix' ? `($|[^${cls}])` : ''
  return cx.d.regexMatch(h, sql`${param(left, 'string')} || ${esc} || ${param(right, 'string')}`)
}

/** `has_any` / `has_all` over a constant list (or a single dynamic array literal). */
export function hasList(x: IrExpr, items: IrExpr[], cx: ScalarCx, all: boolean): SqlNode {
  const needles: IrExpr[] = []
  const sets: SqlNode[] = []
  for (const it of items) {
    if (it.k === 'set') {
      sets.push(it.query.columns.length ? cx.setValues(it) : raw('SELECT NULL AS v'))
      continue
    }
    const arr = literalArray(it)
    if (arr) for (const v of arr) needles.push({ k: 'lit', value: String(v), type: 'string' })
    else needles.push(it)
  }
  if (sets.length) {
    if (all) return cx.fail('has_all with a tabular operand', { start: 0, length: 0 })
    const h = hay(x, cx, false)
    const parts = sets.map(
      (s) =>
        sql`EXISTS (SELECT 1 FROM (${s}) AS s(v) WHERE s.v <> '' AND ${termMatchSql(h, sql`lower(s.v)`, cx, 'a-z0-9')})`,
    )
    if (needles.length) parts.push(hasList(x, needles, cx, false))
    return sql`(${joinWith(parts, ' OR ')})`
  }
  if (needles.length === 0) return raw(all ? 'TRUE' : 'FALSE')
  const consts = needles.map((n) => literalString(n))
  if (
    !all &&
    consts.every((c): c is string => c !== undefined && /^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/i.test(c))
  ) {
    // One alternation regex instead of one regex per needle.
    const h = hay(x, cx, false)
    const alts = [...new Set(consts.map((c) => escapeRegex(c.toLowerCase())))].join('|')
    return cx.d.regexMatch(h, param(`(^|[^${ALNUM_LC}])(${alts})($|[^${ALNUM_LC}])`, 'string'))
  }
  const parts = needles.map((n) => hasTerm(x, n, cx, false, 'term'))
  return sql`(${joinWith(parts, all ? ' AND ' : ' OR ')})`
}

/** Term match of a non-constant needle: both boundaries, needle regex-escaped in SQL. */
function termMatchSql(h: SqlNode, n: SqlNode, cx: ScalarCx, cls: string): SqlNode {
  const esc = sql`regexp_replace(${n}, '([.*+?^$\\{\\}()|\\[\\]\\\\])', '\\\\\\1', 'g')`
  return cx.d.regexMatch(
    h,
    sql`${param(`(^|[^${cls}])`, 'string')} || ${esc} || ${param(`($|[^${cls}])`, 'string')}`,
  )
}

export function joinWith(parts: SqlNode[], sep: string): SqlNode {
  const out: SqlNode[] = []
  parts.forEach((p, i) => {
    if (i > 0) out.push(raw(sep))
    out.push(p)
  })
  return { t: 'seq', parts: out }
}

export function containsOp(x: IrExpr, n: IrExpr, cx: ScalarCx, cs: boolean): SqlNode {
  const nd = needle(n, cx, cs)
  const h = hay(x, cx, cs)
  return nd.text !== undefined ? cx.d.matchText(h, nd.text, 'contains') : cx.d.contains(h, nd.node)
}

export function startsWithOp(x: IrExpr, n: IrExpr, cx: ScalarCx, cs: boolean): SqlNode {
  const nd = needle(n, cx, cs)
  const h = hay(x, cx, cs)
  return nd.text !== undefined ? cx.d.matchText(h, nd.text, 'prefix') : cx.d.startsWith(h, nd.node)
}

export function endsWithOp(x: IrExpr, n: IrExpr, cx: ScalarCx, cs: boolean): SqlNode {
  const nd = needle(n, cx, cs)
  const h = hay(x, cx, cs)
  return nd.text !== undefined ? cx.d.matchText(h, nd.text, 'suffix') : cx.d.endsWith(h, nd.node)
}

export function equalsCi(a: IrExpr, b: IrExpr, cx: ScalarCx): SqlNode {
  return sql`(${hay(a, cx, false)} = ${needle(b, cx, false).node})`
}
