import { operatorBinders, type BindCx, type OperatorBinder } from '../bind/bind-context.js'
import { listElements, nameOf } from '../bind/scalar.js'
import { unsupported } from '../diagnostics.js'
import type { KNode } from '../front-end/kusto-types.js'
import { call, type IrColumn, type IrExpr, type IrTabular, type KType } from '../ir/ir.js'
import { escapeRegex } from '../sql/string-ops.js'
import { paramValue } from './mv-expand.js'

/**
 * `parse` / `parse-where` [kind=simple|regex|relaxed] [flags=…]: the pattern becomes one anchored RE2
 * regex (string constants literal in simple/relaxed mode, regex fragments in regex mode; `*` is `.*?`,
 * each column a capture group shaped by its type); the new columns are `extract`s of that regex, so a
 * row that does not match gets empty values (`parse`) or is dropped (`parse-where`). In relaxed mode
 * every column captures text and failed conversions give null.
 */
const TYPED_GROUP: Partial<Record<KType, string>> = {
  long: '(-?\\d+)',
  int: '(-?\\d+)',
  real: '(-?\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?)',
}

interface Pattern {
  regex: string
  columns: { name: string; group: number }[]
}

function buildPattern(node: KNode, cx: BindCx, kind: string, greedy: boolean, columns: IrColumn[]): Pattern {
  const parts: string[] = []
  const out: Pattern['columns'] = []
  const lazy = greedy ? '' : '?'
  const elems = listElements(cx.child(node, 'Patterns'), cx)
  elems.forEach((e, i) => {
    const k = cx.kind(e)
    const last = i === elems.length - 1
    if (k === 'StarExpression') parts.push(`.*${lazy}`)
    else if (k === 'StringLiteralExpression' || k === 'CompoundStringLiteralExpression') {
      const lit = cx.scalar(e)
      const text = lit.k === 'lit' && typeof lit.value === 'string' ? lit.value : ''
      parts.push(kind === 'regex' ? text : escapeRegex(text))
    } else if (k === 'NameDeclaration' || k === 'NameAndTypeDeclaration') {
      const decl = k === 'NameAndTypeDeclaration' ? cx.child(e, 'Name')! : e
      const name = nameOf(cx.child(decl, 'Name') ?? decl, cx)
      const type = columns.find((c) => c.name === name)?.type ?? 'string'
      const typed = kind === 'relaxed' ? undefined : TYPED_GROUP[type]
      parts.push(typed ?? (last ? '(.*)' : `(.*${lazy})`))
      out.push({ name, group: out.length + 1 })
    } else unsupported(`The parse pattern element '${cx.textOf(e).trim()}'`, cx.span(e))
  })
  return { regex: `^${parts.join('')}$`, columns: out }
}

function bindParse(filter: boolean): OperatorBinder {
  return (node, input, cx) => {
    const span = cx.span(node)
    const kind = (paramValue(node, cx, 'kind') ?? 'simple').toLowerCase()
    if (kind !== 'simple' && kind !== 'regex' && kind !== 'relaxed')
      return unsupported(`parse kind=${kind}`, span)
    let flags = kind === 'regex' ? (paramValue(node, cx, 'flags') ?? '') : ''
    const greedy = flags.includes('U')
    flags = flags.replace(/U/g, '')
    if (/[^ims]/.test(flags)) return unsupported(`parse flags=${flags}`, span)
    const columns = cx.columnsOf(node)
    const p = buildPattern(node, cx, kind, greedy, columns)
    if (greedy && /[*+?}]/.test(p.regex.replace(/\.\*|\(\.\*\)/g, '')))
      return unsupported('parse flags=U with quantifiers in the pattern', span)
    const regex = (flags ? `(?${flags})` : '') + p.regex
    const source = cx.scalar(cx.child(node, 'Expression')!)
    const text: IrExpr = source.type === 'string' ? source : call('tostring', [source], 'string', span)
    const re: IrExpr = { k: 'lit', value: regex, type: 'string' }
    const byName = new Map(p.columns.map((c) => [c.name, c.group]))
    let from = input
    if (filter)
      from = {
        op: 'where',
        input,
        predicate: call('matches regex', [text, re], 'bool', span),
        columns: input.columns,
        span,
      }
    return {
      op: 'project',
      input: from,
      items: columns.map((c) => {
        const g = byName.get(c.name)
        const expr: IrExpr =
          g === undefined
            ? { k: 'col', name: c.name, type: c.type }
            : call('extract', [re, { k: 'lit', value: g, type: 'long' }, text], c.type, span)
        return { name: c.name, expr }
      }),
      columns,
      span,
    } satisfies IrTabular
  }
}

operatorBinders.set('ParseOperator', bindParse(false))
operatorBinders.set('ParseWhereOperator', bindParse(true))
