import type { Diagnostic, Result } from '../core/result.js'
import type { BoundFilter } from './ast.js'
import { bindFilter } from './filter-binder.js'
import { parseFilter } from './filter-parser.js'
import { resolveProperty, type ODataEntityModel } from './entity-model.js'

export interface OrderByItem {
  column: string
  desc: boolean
}

/** A checked set of OData system query options for one request. */
export interface ODataQuery {
  filter: BoundFilter | null
  orderBy: OrderByItem[]
  /** Canonical wire names to keep, or null for all. */
  select: string[] | null
  /** null when `$top` was not given. */
  top: number | null
  skip: number
  /** Canonical navigation names. */
  expand: string[]
  /** `$count=true`. */
  count: boolean
}

export type RawQuery = Record<string, string | string[] | undefined>

const MAX_SKIP = 2_147_483_647
const SUPPORTED = new Set(['$filter', '$orderby', '$select', '$top', '$skip', '$expand', '$count', '$format'])
const MAX_LIST_ITEMS = 100

const err = (code: string, message: string): Diagnostic => ({ code, message, severity: 'error' })

function single(raw: RawQuery, key: string): Result<string | undefined, Diagnostic[]> {
  const v = raw[key]
  if (Array.isArray(v)) {
    if (v.length > 1)
      return {
        ok: false,
        error: [err('odata-invalid-option', `The query option '${key}' was specified more than once.`)],
      }
    return { ok: true, value: v[0] }
  }
  return { ok: true, value: v }
}

function parseCount(text: string, name: string, max: number): Result<number, Diagnostic[]> {
  const t = text.trim()
  if (!/^\d{1,12}$/.test(t))
    return {
      ok: false,
      error: [
        err(
          'odata-invalid-option',
          `The value '${text.slice(0, 50)}' of ${name} is not a non-negative integer.`,
        ),
      ],
    }
  const n = Number(t)
  if (n > max)
    return {
      ok: false,
      error: [err('odata-invalid-option', `The value of ${name} (${n}) exceeds the maximum of ${max}.`)],
    }
  return { ok: true, value: n }
}

function splitList(text: string, name: string): Result<string[], Diagnostic[]> {
  const items = text.split(',').map((s) => s.trim())
  if (items.length > MAX_LIST_ITEMS)
    return {
      ok: false,
      error: [err('odata-too-complex', `${name} lists more than ${MAX_LIST_ITEMS} items.`)],
    }
  if (items.some((s) => s === ''))
    return { ok: false, error: [err('odata-syntax', `${name} contains an empty item.`)] }
  return { ok: true, value: items }
}

function parseOrderBy(text: string, model: ODataEntityModel): Result<OrderByItem[], Diagnostic[]> {
  const items = splitList(text, '$orderby')
  if (!items.ok) return items
  const out: OrderByItem[] = []
  for (const item of items.value) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?$/i.exec(item)
    if (!m)
      return {
        ok: false,
        error: [
          err('odata-syntax', `The $orderby item '${item.slice(0, 100)}' is not '<property> [asc|desc]'.`),
        ],
      }
    const p = resolveProperty(model, m[1]!)
    if (!p)
      return {
        ok: false,
        error: [
          err('odata-unknown-property', `Could not find a property named '${m[1]}' on type '${model.name}'.`),
        ],
      }
    if (!p.field.sortable)
      return {
        ok: false,
        error: [
          err(
            'odata-unsupported-property',
            `The property '${p.name}' of ${model.name} does not support ordering.`,
          ),
        ],
      }
    out.push({ column: p.name, desc: m[2]?.toLowerCase() === 'desc' })
  }
  return { ok: true, value: out }
}

function parseSelect(text: string, model: ODataEntityModel): Result<string[], Diagnostic[]> {
  const items = splitList(text, '$select')
  if (!items.ok) return items
  const out: string[] = []
  for (const item of items.value) {
    const extra = model.extraSelectable.find((x) => x.toLowerCase() === item.toLowerCase())
    const p = extra ?? resolveProperty(model, item)?.name
    if (!p)
      return {
        ok: false,
        error: [
          err(
            'odata-unknown-property',
            `Could not find a property named '${item.slice(0, 100)}' on type '${model.name}'.`,
          ),
        ],
      }
    if (!out.includes(p)) out.push(p)
  }
  return { ok: true, value: out }
}

function parseExpand(text: string, model: ODataEntityModel): Result<string[], Diagnostic[]> {
  const items = splitList(text, '$expand')
  if (!items.ok) return items
  const out: string[] = []
  for (const item of items.value) {
    if (item.includes('('))
      return {
        ok: false,
        error: [
          err(
            'odata-unsupported-option',
            `Nested query options in $expand ('${item.slice(0, 100)}') are not supported.`,
          ),
        ],
      }
    const hit = model.expandable.find((x) => x.toLowerCase() === item.toLowerCase())
    if (!hit)
      return {
        ok: false,
        error: [
          err(
            'odata-unsupported-option',
            `The property '${item.slice(0, 100)}' of ${model.name} cannot be expanded${model.expandable.length ? ` (supported: ${model.expandable.join(', ')})` : ''}.`,
          ),
        ],
      }
    if (!out.includes(hit)) out.push(hit)
  }
  return { ok: true, value: out }
}

/**
 * Parses and checks the OData system query options of a request against an entity model. Non-`$`
 * parameters are ignored (routes read their own); unknown `$` options are rejected. Never throws.
 */
export function parseQueryOptions(raw: RawQuery, model: ODataEntityModel): Result<ODataQuery, Diagnostic[]> {
  const q: ODataQuery = {
    filter: null,
    orderBy: [],
    select: null,
    top: null,
    skip: 0,
    expand: [],
    count: false,
  }
  const byName = new Map<string, string>()
  for (const key of Object.keys(raw)) {
    if (!key.startsWith('$')) continue
    const lower = key.toLowerCase()
    if (!SUPPORTED.has(lower))
      return {
        ok: false,
        error: [
          err('odata-unsupported-option', `The query parameter '${key.slice(0, 50)}' is not supported.`),
        ],
      }
    if (byName.has(lower))
      return {
        ok: false,
        error: [err('odata-invalid-option', `The query option '${lower}' was specified more than once.`)],
      }
    byName.set(lower, key)
  }
  const get = (name: string): Result<string | undefined, Diagnostic[]> => {
    const key = byName.get(name)
    return key === undefined ? { ok: true, value: undefined } : single(raw, key)
  }
  const filter = get('$filter')
  if (!filter.ok) return filter
  if (filter.value !== undefined) {
    const parsed = parseFilter(filter.value)
    if (!parsed.ok) return parsed
    const bound = bindFilter(parsed.value, model)
    if (!bound.ok) return bound
    q.filter = bound.value
  }
  const top = get('$top')
  if (!top.ok) return top
  if (top.value !== undefined) {
    const n = parseCount(top.value, '$top', model.maxTop)
    if (!n.ok) return n
    q.top = n.value
  }
  const skip = get('$skip')
  if (!skip.ok) return skip
  if (skip.value !== undefined) {
    const n = parseCount(skip.value, '$skip', MAX_SKIP)
    if (!n.ok) return n
    q.skip = n.value
  }
  const orderBy = get('$orderby')
  if (!orderBy.ok) return orderBy
  if (orderBy.value !== undefined) {
    const r = parseOrderBy(orderBy.value, model)
    if (!r.ok) return r
    q.orderBy = r.value
  }
  const select = get('$select')
  if (!select.ok) return select
  if (select.value !== undefined) {
    const r = parseSelect(select.value, model)
    if (!r.ok) return r
    q.select = r.value
  }
  const expand = get('$expand')
  if (!expand.ok) return expand
  if (expand.value !== undefined) {
    const r = parseExpand(expand.value, model)
    if (!r.ok) return r
    q.expand = r.value
  }
  const count = get('$count')
  if (!count.ok) return count
  if (count.value !== undefined) {
    const v = count.value.trim().toLowerCase()
    if (v !== 'true' && v !== 'false')
      return {
        ok: false,
        error: [
          err(
            'odata-invalid-option',
            `The value '${count.value.slice(0, 50)}' of $count is not true or false.`,
          ),
        ],
      }
    q.count = v === 'true'
  }
  const format = get('$format')
  if (!format.ok) return format
  if (format.value !== undefined && !/^(json|application\/json)(;.*)?$/i.test(format.value.trim()))
    return {
      ok: false,
      error: [
        err(
          'odata-unsupported-option',
          `The $format '${format.value.slice(0, 50)}' is not supported; only json is.`,
        ),
      ],
    }
  return { ok: true, value: q }
}
