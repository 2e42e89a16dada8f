import type { KType } from '../ir/ir.js'

/**
 * A small SQL tree: raw keywords/punctuation, quoted identifiers, bound parameters and sequences.
 * Lowering builds it; a dialect printer turns it into text with `$1..$n` placeholders. User values only
 * ever enter as `param` nodes, never as text.
 */
export type SqlNode =
  | { t: 'raw'; s: string }
  | { t: 'ident'; name: string; qualifier?: string }
  | { t: 'param'; value: ParamValue; type: KType; slot?: RuntimeSlot }
  | { t: 'seq'; parts: SqlNode[] }

/** What a parameter carries: datetimes as ISO text, dynamic as JSON text, timespans as microseconds. */
export type ParamValue = string | number | bigint | boolean | null

/**
 * A parameter whose value comes from the request, not from the query text: the clock (`now`, `ago`) or
 * the caller's scope. Lowered SQL is cached per query text and shape, so these values are filled in
 * again for every run (`fillRuntimeParams`) and never baked into cached text or parameter lists.
 */
export type RuntimeSlot =
  | { k: 'now-iso'; offsetUs: number }
  | { k: 'now-us' }
  | { k: 'tenant' }
  | { k: 'min-timestamp' }
  | { k: 'device-ids' }

export const raw = (s: string): SqlNode => ({ t: 'raw', s })
export const ident = (name: string, qualifier?: string): SqlNode =>
  qualifier === undefined ? { t: 'ident', name } : { t: 'ident', name, qualifier }
export const param = (value: ParamValue, type: KType): SqlNode => ({ t: 'param', value, type })
/** A parameter filled from the request at run time (see `RuntimeSlot`); `value` is this run's value. */
export const runtimeParam = (value: ParamValue, type: KType, slot: RuntimeSlot): SqlNode => ({
  t: 'param',
  value,
  type,
  slot,
})
export const seq = (...parts: SqlNode[]): SqlNode => ({ t: 'seq', parts })

/** Joins nodes with a raw separator. */
export function list(nodes: readonly SqlNode[], sep = ', '): SqlNode {
  const parts: SqlNode[] = []
  nodes.forEach((n, i) => {
    if (i > 0) parts.push(raw(sep))
    parts.push(n)
  })
  return { t: 'seq', parts }
}

/**
 * Template helper: literal text becomes raw, interpolated values must already be SqlNodes.
 * `sql\`lower(${x}) = ${p}\``
 */
export function sql(strings: TemplateStringsArray, ...values: SqlNode[]): SqlNode {
  const parts: SqlNode[] = []
  strings.forEach((s, i) => {
    if (s) parts.push(raw(s))
    const v = values[i]
    if (v) parts.push(v)
  })
  return { t: 'seq', parts }
}

/** Wraps in parentheses. */
export const paren = (n: SqlNode): SqlNode => seq(raw('('), n, raw(')'))
