import { lenientColumns, storageTable } from '../front-end/globals.js'
import { huntingCatalogue } from '../catalogue/hunting-tables.js'
import type { IrExpr, IrTabular, KType } from '../ir/ir.js'
import { registerLowering, type Lowerer, type Stage } from '../sql/lowerer.js'
import { ident, list, param, raw, runtimeParam, sql, type SqlNode } from '../sql/sql-tree.js'
import { unsupported } from '../diagnostics.js'
import { isoFromUs } from '../sql/values.js'

type Scan = IrTabular & { op: 'scan' }

/**
 * A hunting table reference. Tenant isolation and device scoping are part of the generated SQL here,
 * for every reference: `"TenantId" = $tenant` and, in user context, the visible device ids.
 *
 * `fused` merges the operators right above the scan into its SELECT (where.ts, take.ts): `where`
 * predicates, evaluated on the table's own columns (each KQL column read as the scan computes it), and
 * a row limit; `rowId` adds the stored row's location as the SQL column `ROW_ID` (where the dialect has
 * one) — one CTE instead of one per operator, each listing every column; the database then has
 * less to plan on every run.
 */
export function lowerScan(
  node: Scan,
  lx: Lowerer,
  fused: { predicates?: readonly IrExpr[]; limit?: IrExpr; rowId?: boolean } = {},
): Stage {
  const table = storageTable(huntingCatalogue, node.table)
  const storage = table ? lx.opts.storageColumns(table) : undefined
  if (!table || !storage) return unsupported(`The table '${node.table}'`, node.span)
  const stored = new Map(storage.map(([n, t]) => [n, t]))
  const lenient = node.lenient ? lenientColumns(huntingCatalogue, node.table) : undefined
  const d = lx.d
  const cols = lx.allocate(node.columns)
  const computed = new Map<string, SqlNode>()
  const items: SqlNode[] = cols.map((c) => {
    const src = lenient?.sources.get(c.name)
    let e: SqlNode
    if (src?.kind === 'json-column') e = d.parseJson(ident(src.column))
    else if (src?.kind === 'column')
      e = stored.get(src.column) === c.type ? ident(src.column) : castTo(lx, ident(src.column), c.type)
    else if (src?.kind === 'tenant') e = tenantParam(lx)
    else if (src?.kind === 'constant') e = param(src.value, 'string')
    else if (src?.kind === 'null' || !stored.has(c.name)) e = sql`CAST(NULL AS ${raw(d.types[c.type])})`
    else if (stored.get(c.name) !== c.type) e = castTo(lx, ident(c.name), c.type)
    else e = ident(c.name)
    computed.set(c.name, c.type === 'string' || c.type === 'guid' ? sql`coalesce(${e}, '')` : e)
    // NULL strings stay NULL here; every read coalesces them (Lowerer.scopeOf / readColumn).
    return sql`${e} AS ${ident(c.sql)}`
  })
  let where = scopeFilter(lx, table, new Set(stored.keys()))
  const cx = lx.scalarCx({ column: (name) => computed.get(name) })
  for (const p of fused.predicates ?? []) {
    const cond =
      p.type === 'bool'
        ? lx.expr(p, cx)
        : lx.expr({ k: 'call', fn: 'tobool', args: [p], type: 'bool', span: node.span }, cx)
    where = sql`${where} AND (${cond})`
  }
  const limit = fused.limit ? sql` LIMIT ${lx.expr(fused.limit, cx)}` : sql``
  // The row's location as one more SQL column (not a KQL column: not in `cols`), for a fetch by it.
  if (fused.rowId && d.rowId) items.push(sql`${raw(d.rowId)} AS ${ident(ROW_ID)}`)
  const body = sql`SELECT ${list(items)} FROM ${ident(table)} WHERE ${where}${limit}`
  const stage = lx.addCte(body, cols, false)
  const n = fused.limit?.k === 'lit' ? Number(fused.limit.value) : NaN
  return n >= 0 && n <= SMALL_SCAN_LIMIT ? { ...stage, smallScanLimit: true } : stage
}

/** The column a scan lowered with `rowId` adds: the stored row's location (`SqlDialect.rowId`). */
export const ROW_ID = '__rowid'

/**
 * A `take` of at most this many rows fused into a scan makes the statement a small-LIMIT scan
 * (`Stage.smallScanLimit`): DuckDB plans a LIMIT up to 10,000 rows in order-preserving mode as a parallel
 * limit that stops as soon as the first rows are in (above that, as a serial streaming limit).
 */
export const SMALL_SCAN_LIMIT = 10_000

/**
 * The storage table and column a scan reads unchanged (no cast, no rename, no JSON parse) for the KQL
 * column `name`, or undefined: conditions on that column can use the table's indexes.
 */
export function scanStoredColumn(
  node: Scan,
  lx: Lowerer,
  name: string,
): { table: string; column: string } | undefined {
  const table = storageTable(huntingCatalogue, node.table)
  const storage = table ? lx.opts.storageColumns(table) : undefined
  const c = node.columns.find((x) => x.name === name)
  if (!table || !storage || !c) return undefined
  const src = node.lenient ? lenientColumns(huntingCatalogue, node.table)?.sources.get(name) : undefined
  const column = src === undefined ? name : src.kind === 'column' ? src.column : undefined
  const stored = storage.find(([n]) => n === column)
  return column !== undefined && stored?.[1] === c.type ? { table, column } : undefined
}

/** The caller's visible device ids as `SELECT id` rows, or null when the caller sees every device. */
export function scopeDeviceIds(lx: Lowerer): SqlNode | null {
  const ids = lx.opts.scope.deviceIds
  return ids === null ? null : deviceIdSet(lx, ids)
}

function castTo(lx: Lowerer, e: SqlNode, to: KType): SqlNode {
  return to === 'dynamic' ? lx.d.parseJson(e) : lx.d.tryCast(e, to)
}

/** The row filter for one table reference: tenant, then the caller's device scope. */
export function scopeFilter(lx: Lowerer, table: string, columns: ReadonlySet<string>): SqlNode {
  const scope = lx.opts.scope
  let tenant = sql`${ident('TenantId')} = ${tenantParam(lx)}`
  if (scope.minTimestampUs != null && columns.has('Timestamp')) {
    const min = runtimeParam(isoFromUs(scope.minTimestampUs), 'datetime', { k: 'min-timestamp' })
    tenant = sql`${tenant} AND ${ident('Timestamp')} >= ${min}`
  }
  if (scope.deviceIds === null) return tenant
  const ids = deviceIdSet(lx, scope.deviceIds)
  if (columns.has('DeviceId')) return sql`${tenant} AND ${ident('DeviceId')} IN (${ids})`
  if (table === 'AlertInfo')
    return sql`${tenant} AND ${ident('AlertId')} IN (SELECT ${ident('AlertId')} FROM ${ident('AlertEvidence')} WHERE ${ident('TenantId')} = ${tenantParam(lx)} AND ${ident('DeviceId')} IN (${deviceIdSet(lx, scope.deviceIds)}))`
  return tenant
}

const tenantParam = (lx: Lowerer): SqlNode => runtimeParam(lx.opts.scope.tenantId, 'string', { k: 'tenant' })

function deviceIdSet(lx: Lowerer, ids: readonly string[]): SqlNode {
  const p = runtimeParam(JSON.stringify(ids), 'dynamic', { k: 'device-ids' })
  return lx.d.name === 'duckdb'
    ? sql`SELECT unnest(from_json(${p}, '["VARCHAR"]'))`
    : sql`SELECT jsonb_array_elements_text(${p})`
}

registerLowering('scan', (n, lx) => lowerScan(n as Scan, lx))
