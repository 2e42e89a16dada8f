import type { Principal } from '../identity/principal.js'
import {
  lowerFilter,
  lowerOrderBy,
  parseQueryOptions,
  type ODataEntityModel,
  type ODataQuery,
  type OrderByItem,
} from '../odata/index.js'
import type { EntityDef } from '../schema/catalogue-types.js'
import type { Db, Row } from '../store/db.js'
import { MdeError } from './errors.js'
import type { Call } from './route.js'
import { q, SqlBuilder } from './sql-builder.js'
import { odataContext, sendMde, toWire, wireShape } from './wire.js'

/** Parses the request's OData options for a model; violations are 400 ODataError naming the problem. */
export function odataQuery(call: Call, model: ODataEntityModel): ODataQuery {
  const r = parseQueryOptions(call.query, model)
  if (!r.ok) throw new MdeError('ODataError', r.error.map((d) => d.message).join(' '))
  return r.value
}

/**
 * Device-group scoping for user context: a condition restricting `machineIdColumn` (or, for the
 * machines table itself, `"rbacGroupId"`) to machines in the caller's groups. null = no restriction.
 */
export function scopeCondition(
  principal: Principal,
  b: SqlBuilder,
  tenantParam: string,
  target: { machineIdColumn: string } | 'machines',
): string | null {
  const groups = principal.deviceGroupIds
  if (groups === null) return null
  const ids = [...groups].filter((g) => Number.isSafeInteger(g))
  if (ids.length === 0) return '(1 = 0)'
  const list = ids.map((g) => b.p(g)).join(', ')
  if (target === 'machines') return `("rbacGroupId" IN (${list}))`
  return `(${target.machineIdColumn} IN (SELECT "id" FROM machines WHERE "tenantId" = ${tenantParam} AND "rbacGroupId" IN (${list})))`
}

export interface ListSpec {
  entity: EntityDef
  query: ODataQuery
  tenantId: string
  /** Extra conditions (each a SQL boolean) built on the same parameter list. */
  where?: (b: SqlBuilder, tenantParam: string) => (string | null)[]
  defaultOrder: OrderByItem[]
  pageSize: number
  /** Extra columns to fetch (internal ones a handler needs). */
  extraColumns?: string[]
}

export interface ListResult {
  rows: Row[]
  /** More rows exist beyond this page (only when `$top` was absent). */
  more: boolean
  count: number | null
}

/** Runs an OData list query on an entity table with tenant isolation and scoping. */
export async function listEntity(db: Db, spec: ListSpec): Promise<ListResult> {
  const b = new SqlBuilder()
  const t = b.p(spec.tenantId)
  const conds = [`"tenantId" = ${t}`, ...(spec.where?.(b, t) ?? []).filter((c): c is string => c !== null)]
  if (spec.query.filter) {
    const f = lowerFilter(spec.query.filter, db.dialect, { firstParam: b.next })
    b.push(f.params)
    conds.push(f.sql)
  }
  const where = conds.join(' AND ')
  const keyOrder = spec.entity.key.filter((k) => k !== 'tenantId').map((column) => ({ column, desc: false }))
  const seen = new Set<string>()
  const order = [...spec.query.orderBy, ...spec.defaultOrder, ...keyOrder].filter(
    (o) => !seen.has(o.column) && seen.add(o.column),
  )
  const top = spec.query.top
  const limit = top ?? spec.pageSize
  const shape = wireShape(spec.entity)
  const cols = [shape.columns, ...(spec.extraColumns ?? []).map(q)].join(', ')
  const countParams = [...b.params]
  const lim = b.p(top === null ? limit + 1 : limit)
  const off = b.p(spec.query.skip)
  const rows =
    limit === 0 && top !== null
      ? []
      : await db.query(
          `SELECT ${cols} FROM ${q(spec.entity.table)} WHERE ${where} ORDER BY ${lowerOrderBy(order)} LIMIT ${lim} OFFSET ${off}`,
          b.params,
        )
  const more = top === null && rows.length > limit
  if (more) rows.length = limit
  let count: number | null = null
  if (spec.query.count) {
    const c = await db.query<{ n: number | bigint }>(
      `SELECT count(*) AS n FROM ${q(spec.entity.table)} WHERE ${where}`,
      countParams,
    )
    count = Number(c[0]?.n ?? 0)
  }
  return { rows, more, count }
}

/** Runs `SELECT count(*)` for the `/$count` path segment. */
export async function countEntity(
  db: Db,
  spec: Omit<ListSpec, 'defaultOrder' | 'pageSize'>,
): Promise<number> {
  const r = await listEntity(db, {
    ...spec,
    query: { ...spec.query, count: true, top: 0 },
    defaultOrder: [],
    pageSize: 0,
  })
  return r.count ?? 0
}

/** URL of the next page: the request URL with `$skip` advanced by one page. */
export function nextLink(call: Call, skip: number, pageSize: number): string {
  const url = new URL(call.req.url, `${call.req.protocol}://${call.req.headers.host ?? 'localhost'}`)
  for (const k of [...url.searchParams.keys()]) if (k.toLowerCase() === '$skip') url.searchParams.delete(k)
  url.searchParams.set('$skip', String(skip + pageSize))
  return url.toString()
}

export interface CollectionBody {
  context: string
  value: unknown[]
  count?: number | null
  nextLink?: string | null
}

export function sendCollection(call: Call, body: CollectionBody, status = 200): unknown {
  const out: Record<string, unknown> = { '@odata.context': odataContext(call.req, body.context) }
  if (body.count !== undefined && body.count !== null) out['@odata.count'] = body.count
  out.value = body.value
  if (body.nextLink) out['@odata.nextLink'] = body.nextLink
  return sendMde(call.reply, status, out)
}

export function sendEntity(
  call: Call,
  context: string,
  entity: Record<string, unknown>,
  status = 200,
): unknown {
  return sendMde(call.reply, status, { '@odata.context': odataContext(call.req, context), ...entity })
}

/** List + serialise + page in one step for the plain entity-set routes. */
export async function sendList(
  call: Call,
  spec: Omit<ListSpec, 'query' | 'pageSize' | 'tenantId'> & {
    model: ODataEntityModel
    context: string
    /** MDE quirk (machines): an unfiltered first page with no rows is 404 with this message. */
    emptyIsNotFound?: string
  },
  decorate?: (wire: Record<string, unknown>[], rows: Row[]) => Promise<void> | void,
): Promise<unknown> {
  const query = odataQuery(call, spec.model)
  const pageSize = call.deps.options.pageSize
  const r = await listEntity(call.deps.db, { ...spec, query, pageSize, tenantId: call.tenantId })
  if (spec.emptyIsNotFound && r.rows.length === 0 && !query.filter && query.skip === 0 && query.top !== 0)
    throw new MdeError('ResourceNotFound', spec.emptyIsNotFound)
  const shape = wireShape(spec.entity)
  const value = r.rows.map((row) => toWire(shape, row))
  if (decorate) await decorate(value, r.rows)
  if (query.select)
    for (const v of value) for (const k of Object.keys(v)) if (!query.select.includes(k)) delete v[k]
  return sendCollection(call, {
    context: spec.context,
    value,
    count: r.count,
    nextLink: r.more ? nextLink(call, query.skip, pageSize) : null,
  })
}
