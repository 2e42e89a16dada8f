import type { BoundFilter, BoundValue } from './ast.js'
import type { OrderByItem } from './query-options.js'

export type SqlDialectName = 'duckdb' | 'postgres'
export type SqlParam = string | number | boolean | Date

export interface SqlFragment {
  sql: string
  params: SqlParam[]
}

export interface LowerOptions {
  /** Number of the first placeholder to use (`$n`). */
  firstParam: number
  /** Column reference for a wire name, e.g. `"a"."status"`; defaults to the double-quoted name. */
  column?: (name: string) => string
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

const OPS = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const

/** Lowers a checked `$filter` to a SQL boolean expression with bound parameters. */
export function lowerFilter(f: BoundFilter, dialect: SqlDialectName, opts: LowerOptions): SqlFragment {
  const params: SqlParam[] = []
  const colOf = opts.column ?? quote
  const bind = (v: BoundValue): string => {
    params.push(v)
    return `$${opts.firstParam + params.length - 1}`
  }
  const visit = (n: BoundFilter, element: string | null): string => {
    const col = (name: string) => (name === '' && element !== null ? element : colOf(name))
    switch (n.kind) {
      case 'And':
        return `(${visit(n.left, element)} AND ${visit(n.right, element)})`
      case 'Or':
        return `(${visit(n.left, element)} OR ${visit(n.right, element)})`
      case 'Not':
        return `(NOT COALESCE(${visit(n.operand, element)}, FALSE))`
      case 'Compare': {
        const c = col(n.column)
        if (n.value === null) return n.op === 'eq' ? `(${c} IS NULL)` : `(${c} IS NOT NULL)`
        const ci = n.valueType === 'string' && (n.op === 'eq' || n.op === 'ne')
        const lhs = ci ? `lower(${c})` : c
        const rhs = bind(ci && typeof n.value === 'string' ? n.value.toLowerCase() : n.value)
        const cmp = `${lhs} ${OPS[n.op]} ${rhs}`
        return n.op === 'ne' && n.nullable ? `(${c} IS NULL OR ${cmp})` : `(${cmp})`
      }
      case 'In': {
        const c = col(n.column)
        if (n.values.length === 0) return '(1 = 0)'
        const ci = n.valueType === 'string'
        const list = n.values.map((v) => bind(ci && typeof v === 'string' ? v.toLowerCase() : v)).join(', ')
        return `(${ci ? `lower(${c})` : c} IN (${list}))`
      }
      case 'StartsWith':
        return `(starts_with(lower(${col(n.column)}), ${bind(n.value.toLowerCase())}))`
      case 'Any': {
        const c = col(n.column)
        if (n.predicate === null)
          return dialect === 'postgres' ? `(jsonb_array_length(${c}) > 0)` : `(json_array_length(${c}) > 0)`
        const source =
          dialect === 'postgres'
            ? `jsonb_array_elements_text(${c}) AS u(v)`
            : `(SELECT unnest(CAST(json_extract_string(${c}, '$[*]') AS VARCHAR[])) AS v) AS u`
        return `(EXISTS (SELECT 1 FROM ${source} WHERE ${visit(n.predicate, 'u.v')}))`
      }
    }
  }
  return { sql: visit(f, null), params }
}

/** `ORDER BY` items (without the keywords); nulls sort first ascending and last descending. */
export function lowerOrderBy(
  items: readonly OrderByItem[],
  column: (name: string) => string = quote,
): string {
  return items.map((o) => `${column(o.column)} ${o.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`).join(', ')
}
