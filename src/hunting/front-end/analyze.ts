import type { Diagnostic } from '../../core/result.js'
import type { KustoTypeName } from '../catalogue/catalogue-types.js'
import type { BindingEnvironments } from './globals.js'
import { items } from './kusto-runtime.js'
import { kusto } from './kusto-runtime.js'
import type { KCode, KSymbol } from './kusto-types.js'

export interface ResultColumn {
  name: string
  type: KustoTypeName
}

export interface Analysis {
  code: KCode
  /** True when the query bound only in the lenient (Sentinel) dialect. */
  lenient: boolean
  /** Errors only; empty when the query bound cleanly. Spans refer to the caller's original text. */
  diagnostics: Diagnostic[]
  /** The binder's result schema of the last tabular statement, or null. */
  schema: ResultColumn[] | null
  /** Maps a position in the analysed text back to the original text. */
  toOriginal(pos: number): number
}

interface Edit {
  at: number
  delta: number
}

/**
 * Textual pre-pass for forms the service accepts but Kusto.Language rejects:
 * - `invoke FileProfile(SHA1, 1000)` / `DeviceFromIP(IP)`: a bare column name as the id argument;
 * - a trailing comma inside `dynamic([...,])`.
 * Edits are recorded so diagnostics point at the original text.
 */
export function preprocess(text: string): { text: string; edits: Edit[] } {
  const edits: Edit[] = []
  let out = ''
  let last = 0
  const re = /(invoke\s+(?:FileProfile|DeviceFromIP)\s*\(\s*)([A-Za-z_][A-Za-z0-9_]*)(\s*[,)])/g
  for (const m of text.matchAll(re)) {
    const start = m.index + m[1]!.length
    out += text.slice(last, start) + `'${m[2]}'`
    edits.push({ at: start, delta: 1 }, { at: start + m[2]!.length, delta: 1 })
    last = start + m[2]!.length
  }
  out += text.slice(last)
  const re2 = /,(\s*)\]/g
  let out2 = ''
  last = 0
  for (const m of out.matchAll(re2)) {
    // Only inside dynamic([...]) literals: look back for an unclosed `dynamic(` on the same bracket.
    const before = out.slice(Math.max(0, m.index - 4000), m.index)
    const open = before.lastIndexOf('[')
    if (open < 0 || !/dynamic\s*\(\s*$/.test(before.slice(0, open))) continue
    out2 += out.slice(last, m.index)
    edits.push({ at: toOrig(edits, m.index), delta: -1 })
    last = m.index + 1
  }
  out2 += out.slice(last)
  return { text: out2, edits }
}

function toOrig(edits: readonly Edit[], pos: number): number {
  let p = pos
  for (const e of edits) if (e.at < p) p -= e.delta
  return Math.max(0, p)
}

const TYPE_NAMES = new Set<string>([
  'string',
  'long',
  'int',
  'real',
  'bool',
  'datetime',
  'timespan',
  'dynamic',
  'guid',
  'decimal',
])

export function kustoTypeName(t: KSymbol | null | undefined): KustoTypeName {
  const n = t?.Name ?? 'dynamic'
  return (TYPE_NAMES.has(n) ? n : 'dynamic') as KustoTypeName
}

export function tableColumns(t: KSymbol | null | undefined): ResultColumn[] | null {
  if (!t?.Columns) return null
  return items(t.Columns).map((c) => ({ name: c.Name, type: kustoTypeName(c.Type) }))
}

function bind(text: string, env: BindingEnvironments, lenient: boolean, edits: readonly Edit[]): Analysis {
  const code = kusto().KustoCode.ParseAndAnalyze(text, lenient ? env.lenient : env.strict)
  const toOriginal = (pos: number) => toOrig(edits, pos)
  const diagnostics: Diagnostic[] = items(code.GetDiagnostics())
    .filter((d) => d.Severity === 'Error')
    .map((d) => {
      const start = toOriginal(d.Start)
      return {
        code: `kql-${d.Code.toLowerCase()}`,
        message: d.Message,
        severity: 'error' as const,
        span: { start, length: Math.max(0, toOriginal(d.Start + d.Length) - start) },
      }
    })
  return { code, lenient, diagnostics, schema: tableColumns(code.ResultType), toOriginal }
}

/**
 * Parses and binds a query: first against the strict MDE schema; if that fails for semantic reasons
 * (not syntax) and `allowLenient`, again against the Sentinel-dialect schema.
 */
export function analyze(query: string, env: BindingEnvironments, allowLenient = true): Analysis {
  const pre = preprocess(query)
  if (allowLenient && needsLenient(pre.text, env)) {
    // Cannot bind strictly (it names a lenient-only table or column it does not define itself): bind
    // leniently first and skip the strict attempt, which would only fail.
    const lenient = bind(pre.text, env, true, pre.edits)
    if (lenient.diagnostics.length === 0) return lenient
  }
  const strict = bind(pre.text, env, false, pre.edits)
  if (strict.diagnostics.length === 0 || !allowLenient) return strict
  const lenient = bind(pre.text, env, true, pre.edits)
  return lenient.diagnostics.length === 0 ? lenient : strict
}

/**
 * True when the text refers to a lenient-only name (outside comments and string literals) and nothing in
 * it could define that name: no `name =` / `name:` (extend, project, let, datatable or function
 * parameters), and no operator that makes columns from data (`parse`, `evaluate`, `mv-apply`, `as`).
 * A false answer only costs the strict attempt; a true one must mean the strict binding fails.
 */
export function needsLenient(text: string, env: BindingEnvironments): boolean {
  const code = text
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/[@hH]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/g, '""')
    .replace(/```[\s\S]*?```/g, '""')
  if (/\b(parse|parse-where|parse-kv|evaluate|mv-apply|as|invoke)\b/.test(code)) return false
  let found = false
  for (const m of code.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
    if (!env.lenientOnlyNames.has(m[0])) continue
    const rest = code.slice(m.index + m[0].length).trimStart()
    if (/^(=(?!=)|:)/.test(rest)) return false
    found = true
  }
  return found
}
