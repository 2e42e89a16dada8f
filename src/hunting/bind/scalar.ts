import { invalid, unsupported } from '../diagnostics.js'
import { child, childNodes, items, symbolKindOf } from '../front-end/kusto-runtime.js'
import type { KList, KNode, KSymbol, KToken } from '../front-end/kusto-types.js'
import type { IrTabular } from '../ir/ir.js'
import type { Binding } from './bind-context.js'
import { call, type IrExpr, type KType } from '../ir/ir.js'
import type { BindCx } from './bind-context.js'
import { parseDatetime, parseTimespan } from './literals.js'

/** Binary/unary operator syntax kinds → canonical IR function names. */
const OPERATOR_KINDS: Readonly<Record<string, string>> = {
  EqualExpression: '==',
  NotEqualExpression: '!=',
  LessThanExpression: '<',
  LessThanOrEqualExpression: '<=',
  GreaterThanExpression: '>',
  GreaterThanOrEqualExpression: '>=',
  EqualTildeExpression: '=~',
  BangTildeExpression: '!~',
  AndExpression: 'and',
  OrExpression: 'or',
  AddExpression: '+',
  SubtractExpression: '-',
  MultiplyExpression: '*',
  DivideExpression: '/',
  ModuloExpression: '%',
  HasExpression: 'has',
  NotHasExpression: '!has',
  HasCsExpression: 'has_cs',
  NotHasCsExpression: '!has_cs',
  HasPrefixExpression: 'hasprefix',
  NotHasPrefixExpression: '!hasprefix',
  HasPrefixCsExpression: 'hasprefix_cs',
  NotHasPrefixCsExpression: '!hasprefix_cs',
  HasSuffixExpression: 'hassuffix',
  NotHasSuffixExpression: '!hassuffix',
  HasSuffixCsExpression: 'hassuffix_cs',
  NotHasSuffixCsExpression: '!hassuffix_cs',
  ContainsExpression: 'contains',
  NotContainsExpression: '!contains',
  ContainsCsExpression: 'contains_cs',
  NotContainsCsExpression: '!contains_cs',
  StartsWithExpression: 'startswith',
  NotStartsWithExpression: '!startswith',
  StartsWithCsExpression: 'startswith_cs',
  NotStartsWithCsExpression: '!startswith_cs',
  EndsWithExpression: 'endswith',
  NotEndsWithExpression: '!endswith',
  EndsWithCsExpression: 'endswith_cs',
  NotEndsWithCsExpression: '!endswith_cs',
  MatchesRegexExpression: 'matches regex',
}

const LIST_KINDS: Readonly<Record<string, string>> = {
  InExpression: 'in',
  NotInExpression: '!in',
  InCsExpression: 'in~',
  NotInCsExpression: '!in~',
  HasAnyExpression: 'has_any',
  HasAllExpression: 'has_all',
}

/** Spelling aliases → the canonical function names the SQL templates use. */
export const FUNCTION_ALIASES: Readonly<Record<string, string>> = {
  makeset: 'make_set',
  makelist: 'make_list',
  argmax: 'arg_max',
  argmin: 'arg_min',
  any: 'take_any',
  anyif: 'take_anyif',
  parsejson: 'parse_json',
  iif: 'iff',
  extractjson: 'extract_json',
  toreal: 'todouble',
  todate: 'todatetime',
  pack: 'bag_pack',
  pack_dictionary: 'bag_pack',
  notempty: 'isnotempty',
  notnull: 'isnotnull',
  isnotnull: 'isnotnull',
  make_set_if: 'make_set_if',
  makeset_if: 'make_set_if',
  base64_decodestring: 'base64_decode_tostring',
  dcount_distinct: 'dcount',
  count_distinct: 'count_distinct',
  ['toboolean']: 'tobool',
}

export function canonicalFunction(name: string): string {
  return FUNCTION_ALIASES[name] ?? name
}

const str = (v: unknown): string => (typeof v === 'string' ? v : (v as { toString(): string }).toString())

function literal(node: KNode, cx: BindCx): IrExpr {
  const kind = cx.kind(node)
  const type = cx.typeOf(node)
  const v = node.LiteralValue
  const text = cx.textOf(node)
  switch (kind) {
    case 'StringLiteralExpression':
    case 'CompoundStringLiteralExpression':
      return { k: 'lit', value: typeof v === 'string' ? v : str(v ?? ''), type: 'string' }
    case 'LongLiteralExpression':
    case 'IntLiteralExpression':
    case 'RealLiteralExpression': {
      if (v === null || v === undefined) return { k: 'lit', value: null, type }
      const s = str(v)
      if (/^(nan|\+?inf|-inf)$/i.test(s)) return unsupported(`The real literal '${text}'`, cx.span(node))
      const n = Number(s)
      if (type === 'long' && !Number.isSafeInteger(n)) return { k: 'lit', value: BigInt(s), type }
      return { k: 'lit', value: n, type }
    }
    case 'BooleanLiteralExpression':
      return {
        k: 'lit',
        value: v === null || v === undefined ? null : /^true$/i.test(str(v)),
        type: 'bool',
      }
    case 'DateTimeLiteralExpression': {
      const us = parseDatetime(text)
      if (us === undefined) return invalid(`Cannot parse the datetime literal ${text}`, cx.span(node))
      return { k: 'lit', value: us, type: 'datetime' }
    }
    case 'TimespanLiteralExpression': {
      const us = parseTimespan(text)
      if (us === undefined) {
        if (/null/i.test(text)) return { k: 'lit', value: null, type: 'timespan' }
        return invalid(`Cannot parse the timespan literal ${text}`, cx.span(node))
      }
      return { k: 'lit', value: us, type: 'timespan' }
    }
    case 'GuidLiteralExpression':
      return { k: 'lit', value: v === null || v === undefined ? null : str(v), type: 'guid' }
    case 'DynamicExpression': {
      const json = dynamicValue(cx.child(node, 'Expression'), cx)
      return { k: 'lit', value: json === null ? null : { json }, type: 'dynamic' }
    }
    case 'NullLiteralExpression':
      return { k: 'lit', value: null, type }
    default:
      return unsupported(`The literal '${text}'`, cx.span(node))
  }
}

/** Text of a KQL string token: "…" / '…' with escapes, @"…" / @'…' verbatim. */
function unquote(t: string): string {
  const s = t.trim()
  if (/^@(['"])/.test(s)) return s.slice(2, -1).replace(s[1] === '"' ? /""/g : /''/g, s[1]!)
  const m = /^(['"])(.*)\1$/s.exec(s)
  if (!m) return s
  return m[2]!.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_x, c: string) =>
    c.length > 1
      ? String.fromCharCode(parseInt(c.slice(1), 16))
      : (({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c),
  )
}

/** The JSON value of a `dynamic(...)` literal, read from its syntax (KQL allows 'quotes', @verbatim, …). */
function dynamicValue(node: KNode | null, cx: BindCx): unknown {
  if (!node) return null
  const k = cx.kind(node)
  if (k === 'JsonArrayExpression')
    return listElements(cx.child(node, 'Values'), cx).map((v) => dynamicValue(v, cx))
  if (k === 'JsonObjectExpression') {
    const o: Record<string, unknown> = {}
    for (const p of listElements(cx.child(node, 'Pairs'), cx)) {
      const tok = child(p, 'Name') as KToken | null
      const key = tok ? unquote(tok.Text) : ''
      o[key] = dynamicValue(cx.child(p, 'Value'), cx)
    }
    return o
  }
  if (k === 'DynamicExpression') return dynamicValue(cx.child(node, 'Expression'), cx)
  if (k === 'NullLiteralExpression') return null
  const e = cx.scalar(node)
  if (e.k !== 'lit') return unsupported('A non-constant value inside dynamic()', cx.span(node))
  const v = e.value
  if (v === null) return null
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'object') return v.json
  if (e.type === 'datetime') return new Date(Number(v) / 1000).toISOString()
  return v
}

function dynamicLiteralFromText(node: KNode, cx: BindCx): IrExpr {
  // dynamic(...) literal whose LiteralValue the binder did not fold (e.g. with a trailing comma).
  const text = cx
    .textOf(node)
    .replace(/^dynamic\s*\(/i, '')
    .replace(/\)\s*$/, '')
  try {
    return { k: 'lit', value: { json: JSON.parse(text) as unknown }, type: 'dynamic' }
  } catch {
    return unsupported(`The dynamic literal '${cx.textOf(node).slice(0, 40)}'`, cx.span(node))
  }
}

function nameOf(node: KNode, cx: BindCx): string {
  const k = cx.kind(node)
  if (k === 'NameReference' || k === 'BracketedName' || k === 'TokenName' || k === 'BracketedExpression') {
    const sym = node.ReferencedSymbol
    if (sym && k === 'NameReference') return sym.Name
    const t = cx.textOf(node).trim()
    const m = /^\[\s*(['"])(.*)\1\s*\]$/.exec(t)
    return m ? m[2]! : t
  }
  const lit = node.IsLiteral ? node.LiteralValue : undefined
  if (typeof lit === 'string') return lit
  return cx.textOf(node).trim()
}

function args(node: KNode, cx: BindCx): KNode[] {
  const list = cx.child(node, 'ArgumentList')
  const exprs = list ? cx.child(list, 'Expressions') : null
  if (!exprs) return []
  return childNodes(exprs).map((se) => cx.child(se, 'Element') ?? childNodes(se)[0]!)
}

/** Elements of an `ExpressionList` (or a SyntaxList of SeparatedElements). */
export function listElements(node: KNode | null, cx: BindCx): KNode[] {
  if (!node) return []
  const exprs = cx.kind(node) === 'ExpressionList' ? cx.child(node, 'Expressions') : node
  if (!exprs) return []
  return childNodes(exprs).map((se) =>
    cx.kind(se) === 'SeparatedElement' ? (cx.child(se, 'Element') ?? childNodes(se)[0]!) : se,
  )
}

export { args as callArguments, nameOf }

function userFunctionCall(node: KNode, sym: KSymbol, cx: BindCx): IrExpr | null {
  const b = cx.lookup(sym, sym.Name)
  if (!b || b.kind !== 'function') return null
  const expansion = node.GetExpansion()
  if (!expansion) return unsupported(`The function '${sym.Name}'`, cx.span(node), 'no expansion')
  const a = args(node, cx)
  const bindings = b.params.map((p, i): [string, Binding] => {
    const arg = a[i]
    if (!arg) return [p, { kind: 'scalar', expr: { k: 'lit', value: null, type: 'dynamic' } }]
    return isTabular(arg)
      ? [p, { kind: 'tabular', ir: cx.tabular(arg) }]
      : [p, { kind: 'scalar', expr: cx.scalar(arg) }]
  })
  return cx.withScope(bindings, () => {
    const body = bindFunctionBody(expansion, cx)
    if (body.kind !== 'scalar')
      return unsupported(`The tabular function '${sym.Name}' in a scalar position`, cx.span(node))
    return body.expr
  })
}

/** Binds a function body (its lets, then its expression). */
export function bindFunctionBody(
  body: KNode,
  cx: BindCx,
): { kind: 'scalar'; expr: IrExpr } | { kind: 'tabular'; ir: IrTabular } {
  const stmts = cx.child(body, 'Statements')
  for (const se of stmts ? childNodes(stmts) : []) {
    const st = cx.kind(se) === 'SeparatedElement' ? (cx.child(se, 'Element') ?? childNodes(se)[0]!) : se
    if (cx.kind(st) === 'LetStatement') bindLet(st, cx)
  }
  const expr = cx.child(body, 'Expression')
  if (!expr) return unsupported('An empty function body', cx.span(body))
  return isTabular(expr)
    ? { kind: 'tabular', ir: cx.tabular(expr) }
    : { kind: 'scalar', expr: cx.scalar(expr) }
}

export function isTabular(node: KNode): boolean {
  return Boolean(node.ResultType?.Columns)
}

/** `let` statements: scalar values are inlined, tabular values become CTEs, functions expand at call sites. */
export function bindLet(node: KNode, cx: BindCx): void {
  const nameDecl = cx.child(node, 'Name')
  const sym = nameDecl?.ReferencedSymbol ?? null
  const name = nameDecl ? cx.textOf(nameDecl).trim() : ''
  const expr = cx.child(node, 'Expression')
  if (!expr) return
  const k = cx.kind(expr)
  if (k === 'FunctionDeclaration') {
    const params = cx.child(expr, 'Parameters')
    const plist = params ? cx.child(params, 'Parameters') : null
    const names = plist
      ? childNodes(plist).map((se) => {
          const p = cx.kind(se) === 'SeparatedElement' ? (cx.child(se, 'Element') ?? se) : se
          const decl = cx.child(p, 'NameAndType') ?? p
          const n = cx.child(decl, 'Name')
          return n ? cx.textOf(n).trim() : cx.textOf(decl).split(':')[0]!.trim()
        })
      : []
    const body = cx.child(expr, 'Body')
    if (body) cx.define(sym, name, { kind: 'function', params: names, body })
    return
  }
  if (isTabular(expr)) {
    const materialize = k === 'MaterializeExpression'
    const inner = materialize ? (cx.child(expr, 'Expression') ?? expr) : expr
    const ir = cx.tabular(inner)
    cx.define(sym, name, { kind: 'tabular', ir: cx.addLet(name, ir, materialize) })
    return
  }
  cx.define(sym, name, { kind: 'scalar', expr: cx.scalar(expr) })
}

/** Bound scalar expression → IR. */
export function bindScalar(node: KNode, cx: BindCx): IrExpr {
  const kind = cx.kind(node)
  const type: KType = cx.typeOf(node)
  const span = cx.span(node)
  if (kind === 'DynamicExpression') {
    const inner = cx.child(node, 'Expression')
    return inner ? literal(node, cx) : dynamicLiteralFromText(node, cx)
  }
  if (node.IsLiteral && kind.endsWith('LiteralExpression')) return literal(node, cx)
  const op = OPERATOR_KINDS[kind]
  if (op) {
    const l = cx.child(node, 'Left')!
    const r = cx.child(node, 'Right')!
    return call(op, [cx.scalar(l), cx.scalar(r)], type, span)
  }
  const listOp = LIST_KINDS[kind]
  if (listOp) {
    const l = cx.child(node, 'Left')!
    const right = cx.child(node, 'Right')
    const elems = listElements(right, cx).map((e): IrExpr =>
      isTabular(e) ? { k: 'set', query: cx.tabular(e), type: 'dynamic' } : cx.scalar(e),
    )
    return call(listOp, [cx.scalar(l), ...elems], type, span)
  }
  switch (kind) {
    case 'ParenthesizedExpression':
      return cx.scalar(cx.child(node, 'Expression')!)
    case 'NameReference':
      return nameReference(node, cx)
    case 'BetweenExpression':
    case 'NotBetweenExpression': {
      const couple = cx.child(node, 'Right')!
      return call(
        kind === 'BetweenExpression' ? 'between' : '!between',
        [
          cx.scalar(cx.child(node, 'Left')!),
          cx.scalar(cx.child(couple, 'First')!),
          cx.scalar(cx.child(couple, 'Second')!),
        ],
        type,
        span,
      )
    }
    case 'UnaryMinusExpression': {
      const e = cx.scalar(cx.child(node, 'Expression')!)
      if (e.k === 'lit' && typeof e.value === 'number') return { ...e, value: -e.value }
      return call('neg', [e], type, span)
    }
    case 'UnaryPlusExpression':
      return cx.scalar(cx.child(node, 'Expression')!)
    case 'PathExpression':
      return pathExpression(node, cx)
    case 'ElementExpression': {
      const base = cx.scalar(cx.child(node, 'Expression')!)
      const sel = cx.child(node, 'Selector')!
      const inner = cx.child(sel, 'Expression') ?? sel
      return call('index', [base, cx.scalar(inner)], type, span)
    }
    case 'FunctionCallExpression':
      return functionCall(node, cx)
    case 'ToScalarExpression': {
      const inner = cx.child(node, 'Expression')!
      return { k: 'subquery', query: cx.tabular(inner), type }
    }
    case 'MaterializeExpression':
      return cx.scalar(cx.child(node, 'Expression')!)
    case 'SimpleNamedExpression':
      // `bin(Name = Timestamp, 5m)` in a `by` clause: the name only names the output column (binder).
      return cx.scalar(cx.child(node, 'Expression')!)
    default:
      return unsupported(`The expression '${cx.textOf(node).slice(0, 60)}' (${kind})`, span)
  }
}

function nameReference(node: KNode, cx: BindCx): IrExpr {
  const sym = node.ReferencedSymbol
  const type = cx.typeOf(node)
  if (!sym) return unsupported(`The name '${cx.textOf(node)}'`, cx.span(node))
  const sk = symbolKindOf(sym.Kind)
  if (sk === 'Column') return { k: 'col', name: sym.Name, type }
  const b = cx.lookup(sym, sym.Name)
  if (b?.kind === 'scalar') return b.expr
  if (b?.kind === 'tabular') return { k: 'set', query: b.ir, type: 'dynamic' }
  if (sk === 'Function') return functionCall(node, cx)
  return unsupported(`The name '${sym.Name}'`, cx.span(node))
}

function pathExpression(node: KNode, cx: BindCx): IrExpr {
  const base = cx.child(node, 'Expression')!
  const sel = cx.child(node, 'Selector')!
  const baseText = cx.textOf(base).trim()
  const key = nameOf(sel, cx)
  if (baseText === '$left' || baseText === '$right')
    return { k: 'col', name: key, type: cx.typeOf(node), side: baseText === '$left' ? 'left' : 'right' }
  const bt = base.ResultType
  if (bt?.Columns && !cx.typeOf(base).startsWith('dyn') && cx.typeOf(node) !== 'dynamic') {
    // Table.Column: a column of the row in scope.
    return { k: 'col', name: key, type: cx.typeOf(node) }
  }
  return call(
    'getprop',
    [cx.scalar(base), { k: 'lit', value: key, type: 'string' }],
    cx.typeOf(node),
    cx.span(node),
  )
}

function functionCall(node: KNode, cx: BindCx): IrExpr {
  const sym = node.ReferencedSymbol
  const span = cx.span(node)
  if (!sym) return unsupported(`The function call '${cx.textOf(node).slice(0, 40)}'`, span)
  const user = userFunctionCall(node, sym, cx)
  if (user) return user
  const name = canonicalFunction(sym.Name)
  const a = args(node, cx)
  const boundArgs = a.map((x): IrExpr => {
    if (cx.kind(x) === 'StarExpression') return { k: 'lit', value: '*', type: 'string' }
    if (cx.kind(x) === 'TypeOfLiteralExpression') return { k: 'lit', value: cx.textOf(x), type: 'string' }
    if (isTabular(x)) return { k: 'set', query: cx.tabular(x), type: 'dynamic' }
    return cx.scalar(x)
  })
  if (
    name === 'pack_array' &&
    boundArgs.every((x) => x.k === 'lit' && ['string', 'long', 'int', 'real', 'bool'].includes(x.type))
  )
    return {
      k: 'lit',
      value: {
        json: boundArgs.map((x) =>
          x.k === 'lit' ? (typeof x.value === 'bigint' ? Number(x.value) : x.value) : null,
        ),
      },
      type: 'dynamic',
    }
  return call(name, boundArgs, cx.typeOf(node), span)
}

export function signatureParams(sym: KSymbol): string[] {
  const sigs = (sym as unknown as { Signatures?: KList<{ Parameters: KList<{ Name: string }> }> }).Signatures
  const first = items(sigs)[0]
  return first ? items(first.Parameters).map((p) => p.Name) : []
}
