import type { IrExpr, KType } from '../ir/ir.js'
import { convert, datetimeText, toText } from './convert.js'
import { pgRegex } from './dialect.js'
import type { ScalarCx } from './lower-context.js'
import { param, raw, runtimeParam, seq, sql, type SqlNode } from './sql-tree.js'
import {
  containsOp,
  endsWithOp,
  equalsCi,
  escapeRegex,
  hasList,
  hasTerm,
  joinWith,
  startsWithOp,
} from './string-ops.js'
import {
  isoFromUs,
  jsonScalarParam,
  literalArray,
  literalNumber,
  literalString,
  literalSql,
} from './values.js'

export type Call = IrExpr & { k: 'call' }
export type ScalarImpl = (args: IrExpr[], cx: ScalarCx, self: Call) => SqlNode

const numericTypes = new Set<KType>(['long', 'int', 'real', 'decimal'])

/** Type both operands of a comparison agree on (dynamic gives way to the other side). */
/** `OVER (ORDER BY <row order>)` of a window function; the rows must be serialized. */
function overRows(cx: ScalarCx, self: Call, frame = ''): SqlNode {
  const order = cx.scope.rowOrder
  if (!order)
    return cx.fail(`${self.fn}() over rows that are not serialized (add serialize or sort)`, self.span)
  return sql`OVER (ORDER BY ${order}${raw(frame)})`
}

/** prev()/next(): the value `offset` rows before/after, or the default (null unless given). */
function shifted(fn: 'lag' | 'lead', [x, off, dflt]: IrExpr[], cx: ScalarCx, self: Call): SqlNode {
  const n = off ? literalNumber(off) : 1
  if (n === undefined || !Number.isInteger(n) || n < 0)
    return cx.fail(`${self.fn}() with a computed offset`, self.span)
  const d = dflt ? sql`, ${cx.as(dflt, self.type)}` : raw('')
  return sql`${raw(fn)}(${cx.as(x!, self.type)}, ${raw(String(n))}${d}) ${overRows(cx, self)}`
}

/** The query start time in epoch µs as a run-time parameter. */
const nowUs = (cx: ScalarCx): SqlNode => runtimeParam(cx.nowUs, 'long', { k: 'now-us' })

function commonType(a: IrExpr, b: IrExpr): KType {
  if (a.type === b.type) return a.type
  if (a.type === 'dynamic') return b.type
  if (b.type === 'dynamic') return a.type
  if (numericTypes.has(a.type) && numericTypes.has(b.type))
    return a.type === 'real' || b.type === 'real' ? 'real' : 'long'
  if (a.type === 'string' || b.type === 'string') return 'string'
  return a.type
}

function compare(op: string): ScalarImpl {
  return ([a, b], cx) => {
    const t = commonType(a!, b!)
    const l = cx.as(a!, t)
    const r = cx.as(b!, t)
    if (t === 'string' && op === '=') {
      const s = literalString(b!)
      if (s === '') return sql`(${l} = '' OR ${l} IS NULL)`
    }
    if (t === 'string' && op === '<>') {
      return sql`(coalesce(${l}, '') <> coalesce(${r}, ''))`
    }
    return sql`(${l} ${raw(op)} ${r})`
  }
}

function not(impl: ScalarImpl): ScalarImpl {
  return (args, cx, self) => sql`(NOT coalesce(${impl(args, cx, self)}, FALSE))`
}

function arith(op: '+' | '-' | '*' | '/' | '%'): ScalarImpl {
  return ([a, b], cx, self) => {
    const d = cx.d
    const at = a!.type
    const bt = b!.type
    if (at === 'datetime' && bt === 'datetime' && op === '-')
      return sql`(${d.epochUs(cx.expr(a!))} - ${d.epochUs(cx.expr(b!))})`
    if (at === 'datetime' && bt === 'timespan' && op === '+') return d.addMicros(cx.expr(a!), cx.expr(b!))
    if (at === 'datetime' && bt === 'timespan' && op === '-')
      return d.addMicros(cx.expr(a!), sql`-(${cx.expr(b!)})`)
    if (at === 'timespan' && bt === 'datetime' && op === '+') return d.addMicros(cx.expr(b!), cx.expr(a!))
    if (at === 'timespan' && bt === 'timespan' && op === '/')
      return sql`(CAST(${cx.expr(a!)} AS DOUBLE PRECISION) / nullif(${cx.expr(b!)}, 0))`
    if (at === 'timespan' && op === '/' && numericTypes.has(bt))
      return sql`CAST(${cx.expr(a!)} / nullif(${cx.expr(b!)}, 0) AS BIGINT)`
    if (self.type === 'timespan' && op === '*')
      return sql`CAST(${cx.as(a!, at === 'timespan' ? 'timespan' : 'real')} * ${cx.as(b!, bt === 'timespan' ? 'timespan' : 'real')} AS BIGINT)`
    const t = self.type === 'dynamic' ? 'real' : self.type
    const l = cx.as(a!, t)
    const r = cx.as(b!, t)
    if (op === '/') {
      if (t === 'long' || t === 'int')
        return d.name === 'duckdb' ? sql`(${l} // nullif(${r}, 0))` : sql`(${l} / nullif(${r}, 0))`
      return sql`(CAST(${l} AS DOUBLE PRECISION) / nullif(${r}, 0))`
    }
    if (op === '%') return sql`(${l} % nullif(${r}, 0))`
    return sql`(${l} ${raw(op)} ${r})`
  }
}

/** Items of an `in` list: literals, dynamic array literals (flattened) and subqueries. */
function inList(x: IrExpr, items: IrExpr[], cx: ScalarCx, ci: boolean, negate: boolean): SqlNode {
  const t = x.type === 'dynamic' ? 'string' : x.type
  const lhs = ci ? sql`lower(${cx.as(x, 'string')})` : cx.as(x, t)
  const values: SqlNode[] = []
  const subs: SqlNode[] = []
  for (const it of items) {
    const arr = literalArray(it)
    if (arr) {
      for (const v of arr) {
        if (ci) values.push(param(String(v).toLowerCase(), 'string'))
        else if (t === 'string') values.push(param(typeof v === 'string' ? v : JSON.stringify(v), 'string'))
        else values.push(jsonScalarParam(v))
      }
    } else if (it.k === 'set' || it.k === 'subquery') {
      // toscalar(…) of a dynamic array: the elements of the first row's value are the set.
      const elements =
        it.k === 'subquery' && it.type === 'dynamic'
          ? ({
              k: 'set',
              type: 'dynamic',
              query: {
                op: 'take',
                input: it.query,
                count: { k: 'lit', value: 1, type: 'long' },
                columns: it.query.columns,
                span: it.query.span,
              },
            } as const)
          : null
      const asSet = it.k === 'set' || elements !== null
      const q = elements ? cx.setValues(elements) : it.k === 'set' ? cx.setValues(it) : cx.subquery(it)
      const v = asSet && t !== 'string' ? convert(raw('s.v'), 'string', t, cx.d) : raw('s.v')
      subs.push(
        ci
          ? sql`SELECT lower(s.v) FROM (${q}) AS s(v) WHERE s.v IS NOT NULL`
          : sql`SELECT ${v} FROM (${q}) AS s(v) WHERE s.v IS NOT NULL`,
      )
    } else if (it.type === 'dynamic' && it.k !== 'lit') {
      return cx.fail(
        'in / !in with a non-constant dynamic array',
        (it as Call).span ?? { start: 0, length: 0 },
      )
    } else {
      const s = literalString(it)
      if (ci)
        values.push(s !== undefined ? param(s.toLowerCase(), 'string') : sql`lower(${cx.as(it, 'string')})`)
      else values.push(cx.as(it, t))
    }
  }
  const parts: SqlNode[] = []
  if (values.length) parts.push(sql`${lhs} IN (${joinWith(values, ', ')})`)
  for (const s of subs) parts.push(sql`${lhs} IN (${s})`)
  const any = parts.length ? sql`(${joinWith(parts, ' OR ')})` : raw('FALSE')
  return negate ? sql`(NOT coalesce(${any}, FALSE))` : any
}

function fn(name: string): ScalarImpl {
  return (args, cx) =>
    seq(
      raw(name + '('),
      joinWith(
        args.map((a) => cx.expr(a)),
        ', ',
      ),
      raw(')'),
    )
}

function textFn(name: string): ScalarImpl {
  return (args, cx) =>
    seq(
      raw(name + '('),
      joinWith(
        args.map((a) => cx.as(a, 'string')),
        ', ',
      ),
      raw(')'),
    )
}

function unit(part: string): number | undefined {
  const u: Record<string, number> = {
    microsecond: 1,
    millisecond: 1000,
    second: 1e6,
    minute: 6e7,
    hour: 3.6e9,
    day: 8.64e10,
    week: 6.048e11,
  }
  return u[part.toLowerCase().replace(/s$/, '')]
}

const datetimePart = (part: string, x: SqlNode, cx: ScalarCx): SqlNode => {
  const p = part.toLowerCase()
  const map: Record<string, string> = {
    year: 'year',
    quarter: 'quarter',
    month: 'month',
    week_of_year: 'week',
    day: 'day',
    dayofyear: 'doy',
    hour: 'hour',
    minute: 'minute',
    second: 'second',
  }
  const f = map[p]
  if (!f) return cx.fail(`datetime_part '${part}'`, { start: 0, length: 0 })
  return sql`CAST(extract(${raw(f)} from ${x}) AS INTEGER)`
}

function strArg(e: IrExpr | undefined, cx: ScalarCx, what: string, self: Call): string {
  const s = e ? literalString(e) : undefined
  if (s === undefined) return cx.fail(`${what} with a non-constant argument`, self.span)
  return s
}

/** Names are the binder's canonical function names (aliases resolved by the adapter). */
export const scalarFunctions: Readonly<Record<string, ScalarImpl>> = {
  '==': compare('='),
  '!=': compare('<>'),
  '<': compare('<'),
  '<=': compare('<='),
  '>': compare('>'),
  '>=': compare('>='),
  '=~': ([a, b], cx) => equalsCi(a!, b!, cx),
  '!~': not(([a, b], cx) => equalsCi(a!, b!, cx)),
  and: ([a, b], cx) => sql`(${cx.as(a!, 'bool')} AND ${cx.as(b!, 'bool')})`,
  or: ([a, b], cx) => sql`(${cx.as(a!, 'bool')} OR ${cx.as(b!, 'bool')})`,
  not: ([a], cx) => sql`(NOT ${cx.as(a!, 'bool')})`,
  '+': arith('+'),
  '-': arith('-'),
  '*': arith('*'),
  '/': arith('/'),
  '%': arith('%'),
  neg: ([a], cx) => sql`(-${cx.expr(a!)})`,
  has: ([a, b], cx) => hasTerm(a!, b!, cx, false, 'term'),
  '!has': not(([a, b], cx) => hasTerm(a!, b!, cx, false, 'term')),
  has_cs: ([a, b], cx) => hasTerm(a!, b!, cx, true, 'term'),
  '!has_cs': not(([a, b], cx) => hasTerm(a!, b!, cx, true, 'term')),
  hasprefix: ([a, b], cx) => hasTerm(a!, b!, cx, false, 'prefix'),
  '!hasprefix': not(([a, b], cx) => hasTerm(a!, b!, cx, false, 'prefix')),
  hasprefix_cs: ([a, b], cx) => hasTerm(a!, b!, cx, true, 'prefix'),
  '!hasprefix_cs': not(([a, b], cx) => hasTerm(a!, b!, cx, true, 'prefix')),
  hassuffix: ([a, b], cx) => hasTerm(a!, b!, cx, false, 'suffix'),
  '!hassuffix': not(([a, b], cx) => hasTerm(a!, b!, cx, false, 'suffix')),
  hassuffix_cs: ([a, b], cx) => hasTerm(a!, b!, cx, true, 'suffix'),
  '!hassuffix_cs': not(([a, b], cx) => hasTerm(a!, b!, cx, true, 'suffix')),
  contains: ([a, b], cx) => containsOp(a!, b!, cx, false),
  '!contains': not(([a, b], cx) => containsOp(a!, b!, cx, false)),
  contains_cs: ([a, b], cx) => containsOp(a!, b!, cx, true),
  '!contains_cs': not(([a, b], cx) => containsOp(a!, b!, cx, true)),
  startswith: ([a, b], cx) => startsWithOp(a!, b!, cx, false),
  '!startswith': not(([a, b], cx) => startsWithOp(a!, b!, cx, false)),
  startswith_cs: ([a, b], cx) => startsWithOp(a!, b!, cx, true),
  '!startswith_cs': not(([a, b], cx) => startsWithOp(a!, b!, cx, true)),
  endswith: ([a, b], cx) => endsWithOp(a!, b!, cx, false),
  '!endswith': not(([a, b], cx) => endsWithOp(a!, b!, cx, false)),
  endswith_cs: ([a, b], cx) => endsWithOp(a!, b!, cx, true),
  '!endswith_cs': not(([a, b], cx) => endsWithOp(a!, b!, cx, true)),
  'matches regex': ([a, b], cx) => cx.d.regexMatch(cx.as(a!, 'string'), cx.as(b!, 'string')),
  in: ([x, ...rest], cx) => inList(x!, rest, cx, false, false),
  '!in': ([x, ...rest], cx) => inList(x!, rest, cx, false, true),
  'in~': ([x, ...rest], cx) => inList(x!, rest, cx, true, false),
  '!in~': ([x, ...rest], cx) => inList(x!, rest, cx, true, true),
  has_any: ([x, ...rest], cx) => hasList(x!, rest, cx, false),
  has_all: ([x, ...rest], cx) => hasList(x!, rest, cx, true),
  between: ([x, lo, hi], cx) => {
    const t = x!.type === 'datetime' ? 'datetime' : commonType(x!, lo!)
    return sql`(${cx.as(x!, t)} BETWEEN ${cx.as(lo!, t)} AND ${upper(lo!, hi!, t, cx)})`
  },
  '!between': ([x, lo, hi], cx) => {
    const t = x!.type === 'datetime' ? 'datetime' : commonType(x!, lo!)
    return sql`(NOT coalesce(${cx.as(x!, t)} BETWEEN ${cx.as(lo!, t)} AND ${upper(lo!, hi!, t, cx)}, FALSE))`
  },

  // dynamic access
  getprop: ([x, k], cx) => {
    const path: (string | number)[] = []
    let base: IrExpr = x!
    path.unshift(literalString(k!) ?? literalNumber(k!) ?? '')
    while (base.k === 'call' && (base.fn === 'getprop' || base.fn === 'index')) {
      const key = base.args[1]!
      const s = base.fn === 'getprop' ? literalString(key) : undefined
      const n = base.fn === 'index' ? literalNumber(key) : undefined
      if (s === undefined && n === undefined) break
      path.unshift(s ?? n!)
      base = base.args[0]!
    }
    return cx.d.jsonPath(cx.as(base, 'dynamic'), param(cx.d.jsonPathParam(path), 'string'), 'json')
  },
  index: ([x, i], cx, self) => {
    const n = literalNumber(i!)
    const s = literalString(i!)
    if (n !== undefined || s !== undefined)
      return scalarFunctions.getprop!(
        [x!, { k: 'lit', value: s ?? n!, type: s !== undefined ? 'string' : 'long' }],
        cx,
        self,
      )
    if (i!.type === 'string')
      return cx.d.jsonPath(cx.as(x!, 'dynamic'), sql`'{' || ${cx.expr(i!)} || '}'`, 'json')
    return cx.d.jsonIndex(cx.as(x!, 'dynamic'), cx.as(i!, 'long'))
  },

  // conversions
  tostring: ([x], cx) => toText(cx.expr(x!), x!.type, cx.d),
  toint: ([x], cx) => convertTo(x!, 'int', cx),
  tolong: ([x], cx) => convertTo(x!, 'long', cx),
  toreal: ([x], cx) => convertTo(x!, 'real', cx),
  todouble: ([x], cx) => convertTo(x!, 'real', cx),
  tobool: ([x], cx) => convertTo(x!, 'bool', cx),
  toboolean: ([x], cx) => convertTo(x!, 'bool', cx),
  todatetime: ([x], cx) => convertTo(x!, 'datetime', cx),
  totimespan: ([x], cx) =>
    x!.type === 'timespan'
      ? cx.expr(x!)
      : cx.fail('totimespan of a non-timespan value', { start: 0, length: 0 }),
  toguid: ([x], cx) => cx.as(x!, 'string'),
  todecimal: ([x], cx) => convertTo(x!, 'real', cx),
  parse_json: ([x], cx) => (x!.type === 'dynamic' ? cx.expr(x!) : cx.d.parseJson(cx.as(x!, 'string'))),
  todynamic: ([x], cx) => (x!.type === 'dynamic' ? cx.expr(x!) : cx.d.parseJson(cx.as(x!, 'string'))),
  dynamic_to_json: ([x], cx) => sql`CAST(${cx.as(x!, 'dynamic')} AS ${raw(cx.d.types.string)})`,

  // strings
  strcat: (args, cx) =>
    sql`concat(${joinWith(
      args.map((a) => cx.as(a, 'string')),
      ', ',
    )})`,
  strcat_delim: ([d, ...args], cx) =>
    sql`concat_ws(${cx.as(d!, 'string')}, ${joinWith(
      args.map((a) => cx.as(a, 'string')),
      ', ',
    )})`,
  tolower: textFn('lower'),
  toupper: textFn('upper'),
  strlen: ([x], cx) => sql`CAST(length(${cx.as(x!, 'string')}) AS BIGINT)`,
  string_size: ([x], cx) => cx.d.bytesLength(cx.as(x!, 'string')),
  substring: ([x, s, n], cx) =>
    n
      ? sql`substr(${cx.as(x!, 'string')}, CAST(greatest(${cx.as(s!, 'long')}, 0) + 1 AS INTEGER), CAST(greatest(${cx.as(n, 'long')}, 0) AS INTEGER))`
      : sql`substr(${cx.as(x!, 'string')}, CAST(greatest(${cx.as(s!, 'long')}, 0) + 1 AS INTEGER))`,
  indexof: ([x, n], cx) => sql`CAST(strpos(${cx.as(x!, 'string')}, ${cx.as(n!, 'string')}) - 1 AS BIGINT)`,
  replace_string: ([x, a, b], cx) =>
    sql`replace(${cx.as(x!, 'string')}, ${cx.as(a!, 'string')}, ${cx.as(b!, 'string')})`,
  replace: ([re, rw, x], cx) =>
    cx.d.regexReplace(cx.as(x!, 'string'), cx.as(re!, 'string'), cx.as(rw!, 'string')),
  replace_regex: ([x, re, rw], cx) =>
    cx.d.regexReplace(cx.as(x!, 'string'), cx.as(re!, 'string'), cx.as(rw!, 'string')),
  trim: ([re, x], cx, self) => {
    const r = strArg(re, cx, 'trim', self)
    return cx.d.regexReplace(cx.as(x!, 'string'), param(`^(${r})+|(${r})+$`, 'string'), param('', 'string'))
  },
  trim_start: ([re, x], cx, self) =>
    cx.d.regexReplace(
      cx.as(x!, 'string'),
      param(`^(${strArg(re, cx, 'trim_start', self)})+`, 'string'),
      param('', 'string'),
    ),
  trim_end: ([re, x], cx, self) =>
    cx.d.regexReplace(
      cx.as(x!, 'string'),
      param(`(${strArg(re, cx, 'trim_end', self)})+$`, 'string'),
      param('', 'string'),
    ),
  reverse: ([x], cx) => sql`reverse(${cx.as(x!, 'string')})`,
  extract: ([re, g, x], cx, self) => {
    const group = literalNumber(g!)
    if (group === undefined) return cx.fail('extract with a non-constant group', self.span)
    const v = cx.d.regexExtract(cx.as(x!, 'string'), cx.as(re!, 'string'), group)
    return self.type === 'string' ? sql`coalesce(${v}, '')` : convert(v, 'string', self.type, cx.d)
  },
  extract_all: ([re, x], cx, self) => {
    const r = strArg(re, cx, 'extract_all', self)
    const hasGroup = /\((?!\?)/.test(r)
    return cx.d.name === 'duckdb'
      ? sql`to_json(regexp_extract_all(${cx.as(x!, 'string')}, ${param(r, 'string')}, ${raw(hasGroup ? '1' : '0')}))`
      : sql`(SELECT jsonb_agg(m[1]) FROM regexp_matches(${cx.as(x!, 'string')}, ${pgRegex(param(r, 'string'), !hasGroup)}, 'g') AS m)`
  },
  split: ([x, d, i], cx) => {
    const arr = cx.d.split(cx.as(x!, 'string'), cx.as(d!, 'string'))
    if (!i) return arr
    return cx.d.jsonIndex(arr, cx.as(i, 'long'))
  },
  countof: ([x, n, kind], cx, self) => {
    const h = cx.as(x!, 'string')
    const k = kind ? literalString(kind) : 'normal'
    if (k === 'regex') {
      // Non-overlapping matches of the regular expression.
      const r = strArg(n, cx, 'countof', self)
      return cx.d.name === 'duckdb'
        ? sql`CAST(len(regexp_extract_all(${h}, ${param(r, 'string')}, 0)) AS BIGINT)`
        : sql`(SELECT count(*) FROM regexp_matches(${h}, ${pgRegex(param(r, 'string'), false)}, 'g'))`
    }
    if (k !== 'normal') return cx.fail(`countof with kind=${k ?? '(not constant)'}`, self.span)
    // kind=normal counts overlapping occurrences (countof("ababa", "aba") = 2). A constant needle that
    // cannot overlap itself is counted by removal; otherwise every start position is compared.
    const needle = literalString(n!)
    const s = cx.as(n!, 'string')
    const overlaps =
      needle === undefined ||
      [...Array(Math.max(0, needle.length - 1)).keys()].some(
        (i) => needle.slice(0, i + 1) === needle.slice(needle.length - i - 1),
      )
    if (!overlaps)
      return sql`CAST((length(${h}) - length(replace(${h}, ${s}, ''))) / nullif(length(${s}), 0) AS BIGINT)`
    const starts = cx.d.rangeRows(sql`greatest(length(${h}) - length(${s}) + 1, 0)`, 'p', 'i')
    return sql`(CASE WHEN length(${s}) > 0 THEN (SELECT count(*) FROM ${starts} WHERE substr(${h}, CAST(p.i + 1 AS INTEGER), length(${s})) = ${s}) END)`
  },
  base64_decode_tostring: ([x], cx) => cx.d.base64Decode(cx.as(x!, 'string')),
  base64_decodestring: ([x], cx) => cx.d.base64Decode(cx.as(x!, 'string')),
  url_decode: ([x], cx) =>
    cx.d.name === 'duckdb'
      ? sql`url_decode(${cx.as(x!, 'string')})`
      : sql`bulwark_url_decode(${cx.as(x!, 'string')})`,
  url_encode: ([x], cx) => urlEncode(cx.as(x!, 'string'), cx),
  range: ([a, b, step], cx, self) => {
    const t = self.args.every((e) => e.type === 'long' || e.type === 'int') ? 'long' : null
    if (!t) return cx.fail('range() over values that are not whole numbers', self.span)
    const lo = cx.as(a!, 'long')
    const hi = cx.as(b!, 'long')
    const st = step ? cx.as(step, 'long') : raw('1')
    // Inclusive of the stop value; a zero step gives null; at most 1,048,576 elements.
    return cx.d.name === 'duckdb'
      ? sql`(CASE WHEN ${st} <> 0 THEN to_json(list_slice(generate_series(${lo}, ${hi}, ${st}), 1, 1048576)) END)`
      : sql`(CASE WHEN ${st} <> 0 THEN (SELECT coalesce(jsonb_agg(g.v ORDER BY g.n), '[]'::jsonb) FROM generate_series(${lo}, ${hi}, ${st}) WITH ORDINALITY AS g(v, n) WHERE g.n <= 1048576) END)`
  },
  strcat_array: ([a, d], cx) =>
    cx.d.name === 'duckdb'
      ? sql`array_to_string(CAST(${cx.as(a!, 'dynamic')} AS VARCHAR[]), ${cx.as(d!, 'string')})`
      : sql`(SELECT string_agg(e, ${cx.as(d!, 'string')}) FROM jsonb_array_elements_text(${cx.as(a!, 'dynamic')}) AS e)`,
  hash: ([x, m], cx) => {
    const h = cx.d.hash(cx.as(x!, 'string'))
    return m ? sql`(${h} % ${cx.as(m, 'long')})` : h
  },
  isempty: ([x], cx) => {
    if (x!.type === 'string' || x!.type === 'dynamic') {
      const s = cx.as(x!, 'string')
      return sql`(${s} IS NULL OR ${s} = '')`
    }
    return sql`(${cx.expr(x!)} IS NULL)`
  },
  isnotempty: ([x], cx) => {
    if (x!.type === 'string' || x!.type === 'dynamic') {
      const s = cx.as(x!, 'string')
      return sql`(${s} IS NOT NULL AND ${s} <> '')`
    }
    return sql`(${cx.expr(x!)} IS NOT NULL)`
  },
  isnull: ([x], cx) => sql`(${cx.expr(x!)} IS NULL)`,
  isnotnull: ([x], cx) => sql`(${cx.expr(x!)} IS NOT NULL)`,
  iff: ([c, a, b], cx, self) =>
    sql`CASE WHEN ${cx.as(c!, 'bool')} THEN ${cx.as(a!, self.type)} ELSE ${cx.as(b!, self.type)} END`,
  case: (args, cx, self) => {
    const parts: SqlNode[] = [raw('CASE')]
    for (let i = 0; i + 1 < args.length; i += 2)
      parts.push(sql` WHEN ${cx.as(args[i]!, 'bool')} THEN ${cx.as(args[i + 1]!, self.type)}`)
    parts.push(sql` ELSE ${cx.as(args[args.length - 1]!, self.type)} END`)
    return seq(...parts)
  },
  coalesce: (args, cx, self) =>
    self.type === 'string'
      ? sql`coalesce(${joinWith(
          args.map((a) => sql`nullif(${cx.as(a, 'string')}, '')`),
          ', ',
        )}, '')`
      : sql`coalesce(${joinWith(
          args.map((a) => cx.as(a, self.type)),
          ', ',
        )})`,
  max_of: (args, cx, self) =>
    sql`greatest(${joinWith(
      args.map((a) => cx.as(a, self.type)),
      ', ',
    )})`,
  min_of: (args, cx, self) =>
    sql`least(${joinWith(
      args.map((a) => cx.as(a, self.type)),
      ', ',
    )})`,

  // math
  abs: fn('abs'),
  floor: ([x, r], cx, self) => (r ? binNumeric(x!, r, cx, self) : sql`floor(${cx.expr(x!)})`),
  ceiling: ([x], cx) => sql`ceil(${cx.expr(x!)})`,
  round: ([x, p], cx) =>
    sql`round(CAST(${cx.expr(x!)} AS ${raw(cx.d.name === 'postgres' ? 'numeric' : 'DOUBLE')}), CAST(${p ? cx.as(p, 'long') : raw('0')} AS INTEGER))::DOUBLE PRECISION`,
  sqrt: fn('sqrt'),
  exp: fn('exp'),
  log: fn('ln'),
  log10: fn('log10'),
  pow: ([a, b], cx) => sql`power(${cx.as(a!, 'real')}, ${cx.as(b!, 'real')})`,
  sign: fn('sign'),
  binary_and: ([a, b], cx) => sql`(${cx.as(a!, 'long')} & ${cx.as(b!, 'long')})`,
  binary_or: ([a, b], cx) => sql`(${cx.as(a!, 'long')} | ${cx.as(b!, 'long')})`,
  binary_xor: ([a, b], cx) =>
    cx.d.name === 'duckdb'
      ? sql`xor(${cx.as(a!, 'long')}, ${cx.as(b!, 'long')})`
      : sql`(${cx.as(a!, 'long')} # ${cx.as(b!, 'long')})`,
  binary_shift_left: ([a, b], cx) => sql`(${cx.as(a!, 'long')} << CAST(${cx.as(b!, 'long')} AS INTEGER))`,
  binary_shift_right: ([a, b], cx) => sql`(${cx.as(a!, 'long')} >> CAST(${cx.as(b!, 'long')} AS INTEGER))`,
  isnan: ([x], cx) => sql`(${cx.as(x!, 'real')} = 'NaN'::DOUBLE PRECISION)`,

  // window functions over serialized rows (after sort, top, serialize, …)
  row_number: ([start, restart], cx, self) => {
    if (restart) return cx.fail('row_number() with a restart condition', self.span)
    const n = sql`row_number() ${overRows(cx, self)}`
    return start ? sql`(${n} + ${cx.as(start, 'long')} - 1)` : n
  },
  prev: (args, cx, self) => shifted('lag', args, cx, self),
  next: (args, cx, self) => shifted('lead', args, cx, self),
  row_cumsum: ([x, restart], cx, self) => {
    if (restart) return cx.fail('row_cumsum() with a restart condition', self.span)
    const o = overRows(cx, self, ' ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW')
    return sql`CAST(sum(${cx.as(x!, self.type)}) ${o} AS ${raw(cx.d.types[self.type])})`
  },

  // datetime
  now: ([o], cx) => {
    const off = o ? literalNumber(o) : 0
    if (off === undefined) return cx.d.fromEpochUs(sql`${nowUs(cx)} + ${cx.expr(o!)}`)
    return runtimeParam(isoFromUs(cx.nowUs + off), 'datetime', { k: 'now-iso', offsetUs: off })
  },
  ago: ([o], cx) => {
    const off = literalNumber(o!)
    if (off === undefined) return cx.d.fromEpochUs(sql`${nowUs(cx)} - ${cx.expr(o!)}`)
    return runtimeParam(isoFromUs(cx.nowUs - off), 'datetime', { k: 'now-iso', offsetUs: -off })
  },
  bin: ([x, r], cx, self) => binAny(x!, r!, cx, self),
  bin_at: ([x, r, at], cx, self) => {
    if (x!.type !== 'datetime') return cx.fail('bin_at over non-datetime values', self.span)
    const a = cx.d.epochUs(cx.as(at!, 'datetime'))
    const size = cx.as(r!, 'timespan')
    return cx.d.fromEpochUs(
      sql`(${cx.d.floorDiv(sql`${cx.d.epochUs(cx.expr(x!))} - ${a}`, size)} * ${size} + ${a})`,
    )
  },
  startofday: ([x, o], cx) => startOf('day', x!, o, cx),
  startofweek: ([x, o], cx) => startOf('week', x!, o, cx),
  startofmonth: ([x, o], cx) => startOf('month', x!, o, cx),
  startofyear: ([x, o], cx) => startOf('year', x!, o, cx),
  endofday: ([x], cx) =>
    cx.d.fromEpochUs(sql`${cx.d.epochUs(sql`date_trunc('day', ${cx.expr(x!)})`)} + 86399999999`),
  hourofday: ([x], cx) => sql`CAST(extract(hour from ${cx.expr(x!)}) AS INTEGER)`,
  dayofweek: ([x], cx) => sql`CAST(extract(dow from ${cx.expr(x!)}) AS BIGINT) * 86400000000`,
  dayofmonth: ([x], cx) => sql`CAST(extract(day from ${cx.expr(x!)}) AS INTEGER)`,
  dayofyear: ([x], cx) => sql`CAST(extract(doy from ${cx.expr(x!)}) AS INTEGER)`,
  monthofyear: ([x], cx) => sql`CAST(extract(month from ${cx.expr(x!)}) AS INTEGER)`,
  getmonth: ([x], cx) => sql`CAST(extract(month from ${cx.expr(x!)}) AS INTEGER)`,
  getyear: ([x], cx) => sql`CAST(extract(year from ${cx.expr(x!)}) AS INTEGER)`,
  datetime_part: ([p, x], cx, self) => datetimePart(strArg(p, cx, 'datetime_part', self), cx.expr(x!), cx),
  datetime_add: ([p, n, x], cx, self) => {
    const part = strArg(p, cx, 'datetime_add', self).toLowerCase()
    const u = unit(part)
    if (u !== undefined)
      return cx.d.fromEpochUs(sql`${cx.d.epochUs(cx.expr(x!))} + ${cx.as(n!, 'long')} * ${raw(String(u))}`)
    const iv =
      part.replace(/s$/, '') === 'month' ? 'month' : part.replace(/s$/, '') === 'year' ? 'year' : undefined
    if (!iv) return cx.fail(`datetime_add part '${part}'`, self.span)
    return sql`(${cx.expr(x!)} + CAST(${cx.as(n!, 'long')} AS INTEGER) * interval '1 ${raw(iv)}')`
  },
  datetime_diff: ([p, a, b], cx, self) => {
    const part = strArg(p, cx, 'datetime_diff', self).toLowerCase().replace(/s$/, '')
    const x = cx.expr(a!)
    const y = cx.expr(b!)
    const u = unit(part)
    if (u !== undefined && part !== 'week')
      return sql`(${cx.d.floorDiv(cx.d.epochUs(x), raw(String(u)))} - ${cx.d.floorDiv(cx.d.epochUs(y), raw(String(u)))})`
    const ym = (t: SqlNode) =>
      sql`(CAST(extract(year from ${t}) AS BIGINT) * 12 + CAST(extract(month from ${t}) AS BIGINT))`
    if (part === 'month') return sql`(${ym(x)} - ${ym(y)})`
    if (part === 'year')
      return sql`(CAST(extract(year from ${x}) AS BIGINT) - CAST(extract(year from ${y}) AS BIGINT))`
    if (part === 'week') {
      const wk = (t: SqlNode) => cx.d.floorDiv(sql`(${cx.d.epochUs(t)} + 345600000000)`, raw('604800000000'))
      return sql`(${wk(x)} - ${wk(y)})`
    }
    return cx.fail(`datetime_diff part '${part}'`, self.span)
  },
  format_datetime: ([x, f], cx, self) => {
    const fmt = strArg(f, cx, 'format_datetime', self)
    return formatDatetime(cx.expr(x!), fmt, cx, self)
  },
  format_timespan: ([x, f], cx, self) => {
    const fmt = strArg(f, cx, 'format_timespan', self)
    return formatTimespan(cx.as(x!, 'timespan'), fmt, cx, self)
  },
  make_datetime: (args, cx) => {
    const [y, mo, d, h, mi, s] = args.map((a) => cx.as(a, 'real'))
    return cx.d.name === 'duckdb'
      ? sql`make_timestamp(CAST(${y!} AS BIGINT), CAST(${mo!} AS BIGINT), CAST(${d!} AS BIGINT), CAST(${h ?? raw('0')} AS BIGINT), CAST(${mi ?? raw('0')} AS BIGINT), ${s ?? raw('0')})`
      : sql`make_timestamp(CAST(${y!} AS INTEGER), CAST(${mo!} AS INTEGER), CAST(${d!} AS INTEGER), CAST(${h ?? raw('0')} AS INTEGER), CAST(${mi ?? raw('0')} AS INTEGER), ${s ?? raw('0')})`
  },
  unixtime_seconds_todatetime: ([x], cx) =>
    cx.d.fromEpochUs(sql`CAST(${cx.as(x!, 'real')} * 1000000 AS BIGINT)`),
  unixtime_milliseconds_todatetime: ([x], cx) =>
    cx.d.fromEpochUs(sql`CAST(${cx.as(x!, 'real')} * 1000 AS BIGINT)`),

  // dynamic
  array_length: ([x], cx) => cx.d.jsonArrayLength(cx.as(x!, 'dynamic')),
  pack_array: (args, cx) => cx.d.jsonBuildArray(args.map((a) => cx.as(a, 'dynamic'))),
  bag_pack: (args, cx) =>
    cx.d.jsonBuildObject(args.map((a, i) => (i % 2 === 0 ? cx.as(a, 'string') : cx.as(a, 'dynamic')))),
  pack: (args, cx) =>
    cx.d.jsonBuildObject(args.map((a, i) => (i % 2 === 0 ? cx.as(a, 'string') : cx.as(a, 'dynamic')))),
  pack_dictionary: (args, cx) =>
    cx.d.jsonBuildObject(args.map((a, i) => (i % 2 === 0 ? cx.as(a, 'string') : cx.as(a, 'dynamic')))),
  extract_json: ([p, x], cx, self) => extractJson(p!, x!, cx, self),
  extractjson: ([p, x], cx, self) => extractJson(p!, x!, cx, self),
  array_index_of: ([a, v], cx) =>
    cx.d.name === 'duckdb'
      ? sql`coalesce((SELECT min(CAST(je.key AS BIGINT)) FROM json_each(${cx.as(a!, 'dynamic')}) je WHERE json_extract_string(je.value, '$') = ${cx.as(v!, 'string')}), -1)`
      : sql`coalesce((SELECT min(e.o - 1) FROM jsonb_array_elements(${cx.as(a!, 'dynamic')}) WITH ORDINALITY AS e(v, o) WHERE e.v #>> '{}' = ${cx.as(v!, 'string')}), -1)::bigint`,
  set_has_element: ([a, v], cx) =>
    cx.d.name === 'duckdb'
      ? sql`coalesce((SELECT bool_or(json_extract_string(je.value, '$') = ${cx.as(v!, 'string')}) FROM json_each(${cx.as(a!, 'dynamic')}) je), FALSE)`
      : sql`coalesce((SELECT bool_or(e #>> '{}' = ${cx.as(v!, 'string')}) FROM jsonb_array_elements(${cx.as(a!, 'dynamic')}) AS e), FALSE)`,
  array_concat: (args, cx) =>
    cx.d.name === 'duckdb'
      ? sql`to_json(flatten([${joinWith(
          args.map((a) => sql`CAST(${cx.as(a, 'dynamic')} AS JSON[])`),
          ', ',
        )}]))`
      : sql`(${joinWith(
          args.map((a) => cx.as(a, 'dynamic')),
          ' || ',
        )})`,
  array_slice: ([a, s, e], cx) =>
    cx.d.name === 'duckdb'
      ? sql`to_json(list_slice(CAST(${cx.as(a!, 'dynamic')} AS JSON[]), ${cx.as(s!, 'long')} + 1, ${cx.as(e!, 'long')} + 1))`
      : sql`(SELECT coalesce(jsonb_agg(x.v ORDER BY x.o), '[]'::jsonb) FROM jsonb_array_elements(${cx.as(a!, 'dynamic')}) WITH ORDINALITY AS x(v, o) WHERE x.o - 1 BETWEEN ${cx.as(s!, 'long')} AND ${cx.as(e!, 'long')})`,
  bag_keys: ([a], cx) =>
    cx.d.name === 'duckdb'
      ? sql`to_json(json_keys(${cx.as(a!, 'dynamic')}))`
      : sql`(SELECT coalesce(jsonb_agg(k), '[]'::jsonb) FROM jsonb_object_keys(${cx.as(a!, 'dynamic')}) AS k)`,
  geo_info_from_ip_address: (_a, cx) =>
    cx.d.name === 'duckdb' ? raw(`CAST('{}' AS JSON)`) : raw(`'{}'::jsonb`),
  ipv4_is_private: ([x], cx) =>
    cx.d.regexMatch(
      cx.as(x!, 'string'),
      param('^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.)[0-9.]*(/[0-9]+)?$', 'string'),
    ),
  ipv4_is_in_range: ([x, r], cx) => ipv4InRange(cx.as(x!, 'string'), cx.as(r!, 'string'), cx),
  ipv4_is_match: ([a, b], cx) => ipv4InRange(cx.as(a!, 'string'), cx.as(b!, 'string'), cx),
  ipv4_is_in_any_range: ([x, ...rs], cx) => {
    const ranges: SqlNode[] = []
    for (const r of rs) {
      const arr = literalArray(r)
      if (arr) for (const v of arr) ranges.push(param(String(v), 'string'))
      else ranges.push(cx.as(r, 'string'))
    }
    const ip = cx.as(x!, 'string')
    return ranges.length
      ? sql`(${joinWith(
          ranges.map((r) => ipv4InRange(ip, r, cx)),
          ' OR ',
        )})`
      : raw('FALSE')
  },
  parse_ipv4: ([x], cx) => ipv4ToLong(cx.as(x!, 'string'), cx),
  parse_url: ([x], cx) => parseUrl(cx.as(x!, 'string'), cx),
  parse_path: (_a, cx, self) => cx.fail('parse_path', self.span),
  new_guid: (_a, cx) => {
    cx.nondeterministic()
    return cx.d.name === 'duckdb' ? raw('CAST(uuid() AS VARCHAR)') : raw('gen_random_uuid()::text')
  },
  rand: (args, cx) => {
    cx.nondeterministic()
    return args.length ? sql`floor(random() * ${cx.as(args[0]!, 'real')})` : raw('random()')
  },
  column_ifexists: ([n, dflt], cx, self) => {
    const name = strArg(n, cx, 'column_ifexists', self)
    return cx.scope.column(name) ?? cx.as(dflt!, self.type)
  },
  ingestion_time: (_a, cx) => cx.scope.column('Timestamp') ?? literalSql(null, 'datetime', cx.d),
  typeof: (_a, cx, self) => cx.fail('typeof', self.span),
}

/** `between (dt .. timespan)` means `dt .. dt + timespan`. */
function upper(lo: IrExpr, hi: IrExpr, t: KType, cx: ScalarCx): SqlNode {
  if (t === 'datetime' && hi.type === 'timespan') return cx.d.addMicros(cx.as(lo, 'datetime'), cx.expr(hi))
  return cx.as(hi, t)
}

function convertTo(x: IrExpr, to: KType, cx: ScalarCx): SqlNode {
  return convert(cx.expr(x), x.type, to, cx.d)
}

function binNumeric(x: IrExpr, r: IrExpr, cx: ScalarCx, self: Call): SqlNode {
  if (self.type === 'long' || self.type === 'int')
    return sql`(${cx.d.floorDiv(cx.expr(x), cx.expr(r))} * ${cx.expr(r)})`
  return sql`(floor(${cx.as(x, 'real')} / ${cx.as(r, 'real')}) * ${cx.as(r, 'real')})`
}

function binAny(x: IrExpr, r: IrExpr, cx: ScalarCx, self: Call): SqlNode {
  if (x.type === 'datetime') {
    const size = cx.as(r, 'timespan')
    return cx.d.fromEpochUs(sql`${cx.d.floorDiv(cx.d.epochUs(cx.expr(x)), size)} * ${size}`)
  }
  if (x.type === 'timespan') return sql`(${cx.d.floorDiv(cx.expr(x), cx.expr(r))} * ${cx.expr(r)})`
  return binNumeric(x, r, cx, self)
}

function startOf(
  unitName: 'day' | 'week' | 'month' | 'year',
  x: IrExpr,
  o: IrExpr | undefined,
  cx: ScalarCx,
): SqlNode {
  const v = cx.expr(x)
  let base: SqlNode
  if (unitName === 'week') {
    // KQL weeks start on Sunday.
    base = cx.d.fromEpochUs(
      sql`${cx.d.floorDiv(sql`(${cx.d.epochUs(v)} + 345600000000)`, raw('604800000000'))} * 604800000000 - 345600000000`,
    )
  } else base = sql`date_trunc('${raw(unitName)}', ${v})`
  if (!o) return base
  const step = unitName === 'day' ? 'day' : unitName === 'week' ? 'week' : unitName
  return sql`(${base} + CAST(${cx.as(o, 'long')} AS INTEGER) * interval '1 ${raw(step)}')`
}

function extractJson(p: IrExpr, x: IrExpr, cx: ScalarCx, self: Call): SqlNode {
  const path = literalString(p)
  if (path === undefined) return cx.fail('extract_json with a non-constant path', self.span)
  const steps = jsonPathSteps(path)
  if (!steps) return cx.fail(`extract_json path '${path}'`, self.span)
  const doc = x.type === 'dynamic' ? cx.expr(x) : cx.d.parseJson(cx.as(x, 'string'))
  const text = cx.d.jsonPath(doc, param(cx.d.jsonPathParam(steps), 'string'), 'text')
  return self.type === 'string' ? sql`coalesce(${text}, '')` : convert(text, 'string', self.type, cx.d)
}

/** `$.a.b[0]['c']` → ['a', 'b', 0, 'c']; null when the path uses filters or wildcards. */
export function jsonPathSteps(path: string): (string | number)[] | null {
  const steps: (string | number)[] = []
  let rest = path.trim()
  if (!rest.startsWith('$')) return null
  rest = rest.slice(1)
  while (rest.length) {
    let m = /^\.([A-Za-z_$][\w$-]*)/.exec(rest)
    if (m) {
      steps.push(m[1]!)
      rest = rest.slice(m[0].length)
      continue
    }
    m = /^\[(\d+)\]/.exec(rest)
    if (m) {
      steps.push(Number(m[1]))
      rest = rest.slice(m[0].length)
      continue
    }
    m = /^\[\s*'([^']*)'\s*\]|^\[\s*"([^"]*)"\s*\]/.exec(rest)
    if (m) {
      steps.push(m[1] ?? m[2]!)
      rest = rest.slice(m[0].length)
      continue
    }
    return null
  }
  return steps
}

function ipv4ToLong(ip: SqlNode, cx: ScalarCx): SqlNode {
  const part = (i: number) =>
    cx.d.tryCast(sql`split_part(split_part(${ip}, '/', 1), '.', ${raw(String(i))})`, 'long')
  return sql`CASE WHEN ${cx.d.regexMatch(ip, param('^[0-9]{1,3}(\\.[0-9]{1,3}){3}(/[0-9]{1,2})?$', 'string'))} THEN (${part(1)} * 16777216 + ${part(2)} * 65536 + ${part(3)} * 256 + ${part(4)}) END`
}

function ipv4InRange(ip: SqlNode, range: SqlNode, cx: ScalarCx): SqlNode {
  const bits = sql`coalesce(${cx.d.tryCast(sql`nullif(split_part(${range}, '/', 2), '')`, 'long')}, 32)`
  const block = sql`CAST(power(2, 32 - ${bits}) AS BIGINT)`
  const a = ipv4ToLong(ip, cx)
  const b = ipv4ToLong(range, cx)
  return sql`(${cx.d.floorDiv(a, block)} = ${cx.d.floorDiv(b, block)})`
}

function parseUrl(x: SqlNode, cx: ScalarCx): SqlNode {
  const re =
    '^([A-Za-z][A-Za-z0-9+.-]*)://(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::([0-9]+))?([^?#]*)(?:\\?([^#]*))?(?:#(.*))?$'
  const g = (n: number) => sql`coalesce(${cx.d.regexExtract(x, param(re, 'string'), n)}, '')`
  return cx.d.jsonBuildObject([
    raw(`'Scheme'`),
    g(1),
    raw(`'Host'`),
    g(4),
    raw(`'Port'`),
    g(5),
    raw(`'Path'`),
    g(6),
    raw(`'Username'`),
    g(2),
    raw(`'Password'`),
    g(3),
    raw(`'Query Parameters'`),
    cx.d.name === 'duckdb' ? raw(`CAST('{}' AS JSON)`) : raw(`'{}'::jsonb`),
    raw(`'Fragment'`),
    g(8),
  ])
}

function formatDatetime(x: SqlNode, fmt: string, cx: ScalarCx, self: Call): SqlNode {
  const tokens: [RegExp, string, string][] = [
    [/^yyyy/, '%Y', 'YYYY'],
    [/^MM/, '%m', 'MM'],
    [/^dd/, '%d', 'DD'],
    [/^HH/, '%H', 'HH24'],
    [/^hh/, '%I', 'HH12'],
    [/^mm/, '%M', 'MI'],
    [/^ss/, '%S', 'SS'],
    [/^tt/, '%p', 'AM'],
    [/^fffffff/, '%f0', 'US0'],
    [/^ffffff/, '%f', 'US'],
    [/^fff/, '%g', 'MS'],
    [/^yy/, '%y', 'YY'],
  ]
  let duck = ''
  let pg = ''
  let rest = fmt
  outer: while (rest.length) {
    for (const [re, dk, pk] of tokens) {
      const m = re.exec(rest)
      if (m) {
        duck += dk
        pg += pk
        rest = rest.slice(m[0].length)
        continue outer
      }
    }
    const c = rest[0]!
    if (/[A-Za-z]/.test(c)) return cx.fail(`format_datetime format '${fmt}'`, self.span)
    duck += c === '%' ? '%%' : c
    pg += c === '"' ? '\\"' : `"${c}"`
    rest = rest.slice(1)
  }
  return cx.d.name === 'duckdb'
    ? sql`strftime(${x}, ${param(duck, 'string')})`
    : sql`to_char(${x}, ${param(pg, 'string')})`
}

/**
 * url_encode as KQL does it (.NET HttpUtility.UrlEncode): UTF-8 bytes as lowercase %xx, space as '+',
 * letters, digits and -_.!*() unchanged.
 */
function urlEncode(x: SqlNode, cx: ScalarCx): SqlNode {
  return cx.d.name === 'duckdb'
    ? sql`array_to_string(list_transform(string_split(${x}, ''), lambda c: CASE WHEN regexp_matches(c, '^[A-Za-z0-9_.!*()-]$') THEN c WHEN c = ' ' THEN '+' ELSE regexp_replace(lower(hex(encode(c))), '(..)', ${param('%\\1', 'string')}, 'g') END), '')`
    : sql`coalesce((SELECT string_agg(CASE WHEN t.c ~ '^[A-Za-z0-9_.!*()-]$' THEN t.c WHEN t.c = ' ' THEN '+' ELSE regexp_replace(encode(convert_to(t.c, 'UTF8'), 'hex'), '(..)', ${param('%\\1', 'string')}, 'g') END, '' ORDER BY t.n) FROM regexp_split_to_table(${x}, '') WITH ORDINALITY AS t(c, n)), '')`
}

/**
 * format_timespan with .NET custom specifiers: d…dddddddd (days), h/hh, m/mm, s/ss, f…fffffff
 * (fraction digits), F…FFFFFFF (fraction, trailing zeros removed), quoted or escaped literals and
 * separators. Like .NET, the sign is not printed (custom formats show the magnitude).
 */
function formatTimespan(x: SqlNode, fmt: string, cx: ScalarCx, self: Call): SqlNode {
  const us = sql`abs(${x})`
  const div = (a: SqlNode, b: number): SqlNode =>
    cx.d.name === 'duckdb' ? sql`(${a} // ${raw(String(b))})` : sql`(${a} / ${raw(String(b))})`
  // At least n digits (lpad alone would cut longer values).
  const pad = (v: SqlNode, n: number) => {
    const t = sql`CAST(${v} AS ${raw(cx.d.types.string)})`
    return sql`lpad(${t}, CAST(greatest(length(${t}), ${raw(String(n))}) AS INTEGER), '0')`
  }
  const parts: SqlNode[] = []
  let rest = fmt
  while (rest) {
    const m = /^(d{1,8}|h{1,2}|m{1,2}|s{1,2}|f{1,7}|F{1,7})/.exec(rest)
    if (m) {
      const tok = m[1]!
      const n = tok.length
      switch (tok.charAt(0)) {
        case 'd':
          parts.push(pad(div(us, 86_400_000_000), n))
          break
        case 'h':
          parts.push(pad(sql`(${div(us, 3_600_000_000)} % 24)`, n))
          break
        case 'm':
          parts.push(pad(sql`(${div(us, 60_000_000)} % 60)`, n))
          break
        case 's':
          parts.push(pad(sql`(${div(us, 1_000_000)} % 60)`, n))
          break
        default: {
          // Fraction of a second in 100 ns ticks (µs precision here), first n digits.
          const digits = sql`substr(${pad(sql`((${us} % 1000000) * 10)`, 7)}, 1, ${raw(String(n))})`
          parts.push(tok[0] === 'f' ? digits : sql`rtrim(${digits}, '0')`)
        }
      }
      rest = rest.slice(n)
      continue
    }
    const c = rest[0]!
    if (c === "'" || c === '"') {
      const end = rest.indexOf(c, 1)
      if (end < 0) return cx.fail(`format_timespan format '${fmt}'`, self.span)
      parts.push(param(rest.slice(1, end), 'string'))
      rest = rest.slice(end + 1)
      continue
    }
    if (c === '\\' && rest.length > 1) {
      parts.push(param(rest[1]!, 'string'))
      rest = rest.slice(2)
      continue
    }
    if (/[A-Za-z%]/.test(c)) return cx.fail(`format_timespan format '${fmt}'`, self.span)
    parts.push(param(c, 'string'))
    rest = rest.slice(1)
  }
  return sql`(CASE WHEN ${x} IS NOT NULL THEN concat(${joinWith(parts, ', ')}) ELSE '' END)`
}

export { datetimeText, escapeRegex }
