import { huntingCatalogue } from '../catalogue/hunting-tables.js'
import type { IrExpr, IrTabular, KType } from '../ir/ir.js'
import type { Lowerer, Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { lowerScan, ROW_ID, scanStoredColumn, scopeDeviceIds } from './scan.js'
import { whereChainOnScan } from './where.js'

type Summarize = IrTabular & { op: 'summarize' }

/** Key types whose SQL `=` and `<` are KQL's group equality and one total order (no floats, no JSON). */
const KEY_TYPES: ReadonlySet<KType> = new Set<KType>(['string', 'guid', 'long', 'int', 'datetime'])
/** Value types whose stored NULL is KQL's null (strings would read NULL as '', which the index does not). */
const VALUE_TYPES: ReadonlySet<KType> = new Set<KType>(['datetime', 'long', 'int'])

const K = '__k'
const R = '__r'

/**
 * `Table | summarize arg_max(v, …) by k` (or arg_min) as a loose index scan over the table's
 * (TenantId, k, v) btree, where the dialect asks for it (PostgreSQL) — instead of sorting every row
 * (`DISTINCT ON`). Returns null when the shape does not apply; the caller then lowers it generically.
 *
 * Applies only to one `by` key that is a plain column and one row picker whose value is a plain column,
 * straight over a table scan whose columns are read unchanged — optionally through `where` ranges of the
 * value column against constants (`Timestamp > ago(7d)`, `between`), fused into the scan, so that every
 * step carries them as index conditions (and they exclude null values) — and only
 * when the catalogue's PostgreSQL indexes hold (TenantId, k, v). Where values cannot be null (a Timestamp
 * value under the time window — the API's normal case) and without a device scope, one index descent per
 * key (arg_max; arg_min walks up: `k > w.k`, `ORDER BY k ASC, v ASC`):
 *
 *   WITH RECURSIVE walk(k, a0, …) AS (
 *       (SELECT k, v AS a0, … FROM scan WHERE k > '' ORDER BY k DESC, v DESC LIMIT 1)
 *     UNION ALL SELECT p.* FROM walk CROSS JOIN LATERAL
 *       (SELECT k, v AS a0, … FROM scan WHERE k < walk.k AND k > '' ORDER BY k DESC, v DESC LIMIT 1) p)
 *   SELECT walk.k, walk.a0, … FROM walk
 *   UNION ALL SELECT '', p.* FROM (the best of the probes k = '' and k IS NULL) p
 *
 * Each step is one backward descent that lands on the newest row of the next lower key (the index
 * order is (k, v); TenantId is fixed by equality), so the picked row rides along the recursion, which
 * ends when a step finds no row. Otherwise (values can be null, or a device scope) the keys are walked
 * first, then probed one by one — two descents per key:
 *
 *   WITH RECURSIVE walk(k) AS (SELECT min(k) FROM scan
 *     UNION ALL SELECT (SELECT min(k) FROM scan WHERE k > walk.k) FROM walk WHERE walk.k IS NOT NULL)
 *   SELECT walk.k, p.* FROM walk CROSS JOIN LATERAL
 *       (SELECT … FROM scan WHERE k = walk.k AND v IS NOT NULL ORDER BY v DESC LIMIT 1) p  -- one backward descent
 *     WHERE walk.k IS NOT NULL AND walk.k <> ''
 *   UNION ALL SELECT '', p.* FROM (the best of the probes k = '' and k IS NULL) p
 *
 * plus, where values can be null (no time window on a Timestamp value), a `v IS NULL` probe per key
 * merged by `ORDER BY v DESC NULLS LAST LIMIT 1` (a row without a value is picked only when its group has
 * no other; the backward index order puts a key's NULL values first, so the arg_max walk cannot).
 *
 * `scan` is the table scan's own CTE, inlined into every reference (`NOT MATERIALIZED`), so every probe
 * and step carries its tenant, time-window and device-scope conditions. The KQL semantics kept:
 * - NULL and '' are one string group (the null group of other key types is NULL): the walks skip it
 *   (`k > ''` for strings, `k IS NOT NULL` or `min`/`>` otherwise), so that group is probed on its own,
 *   once, outside the per-key loop;
 * - rows with a null value are picked only when the group has no other (DESC/ASC NULLS LAST);
 * - with a device scope and key DeviceId the keys are the visible device ids instead of a walk (each
 *   probe still filters by the scope), so no probe scans other devices' index entries;
 * - stable mode breaks ties by every picked value, as the generic lowering does: in the probes, the
 *   merge and the one-descent steps (there PostgreSQL sorts each step's rows of equal (k, v) on top of the
 *   index order — an Incremental Sort that reads the tied rows and one more).
 * Every walk step also applies the time window, so with rows kept past the window a step reads the index
 * entries of a key older than the window before it finds one inside it (the one-descent arg_max walk:
 * only for keys with no row inside the window; arg_min reads each key's older entries first).
 */
export function lowerLooseArgPick(s: Summarize, lx: Lowerer): Stage | null {
  const fit = looseShape(s, lx)
  if (!fit) return null
  const { scan, picker, keyType } = fit
  // The scan's time window (`Timestamp >= $min`) already excludes null Timestamps, and so does every
  // fused range predicate on the value: no null-value probes.
  const nullValues = !(
    (fit.storedValue === 'Timestamp' && lx.opts.scope.minTimestampUs != null) ||
    fit.predicates.length > 0
  )
  const ids = fit.storedKey === 'DeviceId' ? scopeDeviceIds(lx) : null
  // One descent per key (below) where values cannot be null and without a device scope; the steps then
  // carry the picked row's location where the dialect has one (fetched once per key at the end).
  const oneDescent = !nullValues && !ids
  const byRowId = oneDescent && lx.d.rowId !== ''
  const input = lowerScan(scan, lx, { predicates: fit.predicates, rowId: byRowId })
  lx.inline(input)
  const cols = lx.allocate(s.columns)
  const cx = lx.scalarCx(lx.scopeOf(input))
  const keyCol = input.cols.find((c) => c.name === fit.key)!
  const valueCol = input.cols.find((c) => c.name === fit.value)!
  const k = ident(keyCol.sql)
  const v = ident(valueCol.sql)
  const values: IrExpr[] = [picker.args[0]!, ...picker.extra!]
  const picked = values.map((e, i) => sql`${lx.copyOrExpr(e, input, cx)} AS ${ident(`a${i}`)}`)
  const dir = picker.fn === 'arg_max' ? 'DESC' : 'ASC'
  // Stable mode: ties broken by every picked value (as in summarize.ts), in the probes, merge and steps.
  const ties = (read: (i: number) => SqlNode): SqlNode[] =>
    lx.opts.stable ? values.slice(1).map((e, j) => tieKey(read(j + 1), e.type, lx)) : []
  const probeTies = ties((i) => lx.expr(values[i]!, cx))
  const probe = (cond: SqlNode, order: SqlNode[]) =>
    sql`(SELECT ${list(picked)} FROM ${input.from} WHERE ${cond}${order.length ? sql` ORDER BY ${list(order)}` : sql``} LIMIT 1)`
  const stringKey = keyType === 'string' || keyType === 'guid'
  const merged = [
    sql`q.${ident('a0')} ${raw(dir)} NULLS LAST`,
    ...ties((i) => (isText(values[i]!.type) ? sql`coalesce(q.${ident(`a${i}`)}, '')` : ident(`a${i}`, 'q'))),
  ]
  // The picked row among the rows meeting one of `conds`: per condition the best non-null value (one
  // index descent) and, where values can be null, any row with none; merged when there are several.
  const best = (conds: SqlNode[]): SqlNode => {
    const probes = conds.flatMap((c) => [
      probe(sql`${c} AND ${v} IS NOT NULL`, [sql`${v} ${raw(dir)}`, ...probeTies]),
      ...(nullValues ? [probe(sql`${c} AND ${v} IS NULL`, probeTies)] : []),
    ])
    return probes.length === 1
      ? probes[0]!
      : sql`(SELECT * FROM (${list(probes, ' UNION ALL ')}) AS q ORDER BY ${list(merged)} LIMIT 1)`
  }
  const outputs = (key: SqlNode, from: string) =>
    list(
      cols.map((c, i) =>
        i === 0 ? sql`${key} AS ${ident(c.sql)}` : sql`${ident(`a${i - 1}`, from)} AS ${ident(c.sql)}`,
      ),
    )
  // The null group (NULL and '' for strings) on its own, probed once: the walks below never visit it.
  const nullGroup = stringKey
    ? sql`SELECT ${outputs(sql`''`, 'p')} FROM ${best([sql`${k} = ''`, sql`${k} IS NULL`])} AS p`
    : sql`SELECT ${outputs(sql`CAST(NULL AS ${raw(lx.d.types[keyType])})`, 'p')} FROM ${best([sql`${k} IS NULL`])} AS p`
  const w = (col: string) => ident(col, 'w')
  let walk: SqlNode
  // With a device scope the keys are the visible ids, already one probe each.
  if (oneDescent) {
    // One descent per key: ordered by (k, v) both in the pick's direction, each step's first row is the
    // picked row of the next key, carried through the recursion (ends when a step finds no row).
    const next = picker.fn === 'arg_max' ? '<' : '>'
    const order = [sql`${k} ${raw(dir)}`, sql`${v} ${raw(dir)}`, ...probeTies]
    const carried = byRowId ? [sql`${ident(ROW_ID)} AS ${ident(R)}`] : picked
    const step = (cond: SqlNode) =>
      sql`SELECT ${list([sql`${k} AS ${ident(K)}`, ...carried])} FROM ${input.from} WHERE ${cond} ORDER BY ${list(order)} LIMIT 1`
    // Keys past the null group: > '' for strings (also a bound of the descending walk), else not NULL.
    const visible = stringKey ? sql`${k} > ''` : sql`${k} IS NOT NULL`
    const stepCond = sql`${k} ${raw(next)} ${w(K)}${stringKey ? sql` AND ${visible}` : sql``}`
    const names = list([ident(K), ...(byRowId ? [ident(R)] : values.map((_, i) => ident(`a${i}`)))])
    const steps = sql`WITH RECURSIVE "__walk"(${names}) AS ((${step(visible)}) UNION ALL SELECT p.* FROM "__walk" AS w CROSS JOIN LATERAL (${step(stepCond)}) AS p)`
    // With row locations: each key's picked row read once, by its location (the walk's snapshot keeps it).
    walk = byRowId
      ? sql`${steps} SELECT ${outputs(w(K), 'p')} FROM "__walk" AS w CROSS JOIN LATERAL (SELECT ${list(picked)} FROM ${input.from} WHERE ${ident(ROW_ID)} = ${w(R)}) AS p`
      : sql`${steps} SELECT ${outputs(w(K), 'w')} FROM "__walk" AS w`
  } else {
    // Values can be null (or the keys are the visible device ids): the keys first, one descent each,
    // then per key the best-row probes.
    const walked = ids
      ? sql`SELECT DISTINCT x AS ${ident(K)} FROM (${ids}) AS d(x)`
      : sql`SELECT min(${k}) FROM ${input.from} UNION ALL SELECT (SELECT min(${k}) FROM ${input.from} WHERE ${k} > r.${ident(K)}) FROM "__walk" AS r WHERE r.${ident(K)} IS NOT NULL`
    walk = sql`WITH RECURSIVE "__walk"(${ident(K)}) AS (${walked}) SELECT ${outputs(w(K), 'p')} FROM "__walk" AS w CROSS JOIN LATERAL ${best([sql`${k} = ${w(K)}`])} AS p WHERE ${w(K)} IS NOT NULL${stringKey ? sql` AND ${w(K)} <> ''` : sql``}`
  }
  const body = sql`${walk} UNION ALL ${nullGroup}`
  return lx.addCte(body, cols, false)
}

const isText = (t: KType) => t === 'string' || t === 'guid'

function tieKey(x: SqlNode, t: KType, lx: Lowerer): SqlNode {
  if (t === 'dynamic') return sql`CAST(${x} AS ${raw(lx.d.types.string)}) ASC NULLS FIRST`
  return isText(t) && lx.d.ordinalCollation
    ? sql`${x}${raw(lx.d.ordinalCollation)} ASC NULLS FIRST`
    : sql`${x} ASC NULLS FIRST`
}

/** The parts of a summarize the loose index scan applies to, or null. */
function looseShape(s: Summarize, lx: Lowerer) {
  const chain = whereChainOnScan(s.input)
  if (!lx.d.looseIndexScan || !chain || s.by.length !== 1 || s.aggs.length !== 1) return null
  const { scan, predicates } = chain
  const key = s.by[0]!.expr
  const picker = s.aggs[0]!
  const value = picker.args[0]
  if (picker.fn !== 'arg_max' && picker.fn !== 'arg_min') return null
  if (key.k !== 'col' || key.side !== undefined || !KEY_TYPES.has(key.type)) return null
  if (value?.k !== 'col' || value.side !== undefined || !VALUE_TYPES.has(value.type)) return null
  if (picker.outputs.length !== 1 + (picker.extra?.length ?? 0)) return null
  const k = scanStoredColumn(scan, lx, key.name)
  const v = scanStoredColumn(scan, lx, value.name)
  if (!k || !v) return null
  // `where` over the scan: only ranges of the value column against constants (`Timestamp > ago(7d)`,
  // `between`), which the walk's index conditions bound; other filters could make a step read every
  // index entry of the keys without a matching row, so those keep the generic lowering.
  if (!predicates.every((p) => valueRange(p, value.name))) return null
  const indexes = huntingCatalogue.pgIndexes[k.table] ?? []
  const walkable = indexes.some(
    (ix) => ix.length >= 3 && ix[0] === 'TenantId' && ix[1] === k.column && ix[2] === v.column,
  )
  if (!walkable) return null
  return {
    scan,
    picker,
    key: key.name,
    value: value.name,
    keyType: key.type,
    storedKey: k.column,
    storedValue: v.column,
    predicates,
  }
}

const RANGE_OPS: ReadonlySet<string> = new Set(['>', '>=', '<', '<=', 'between'])

/** `v op constant` / `constant op v` / `v between (a .. b)` / their `and`, with no other column read. */
function valueRange(p: IrExpr, value: string): boolean {
  if (p.k !== 'call') return false
  if (p.fn === 'and') return p.args.every((a) => valueRange(a, value))
  if (!RANGE_OPS.has(p.fn)) return false
  const isValue = (e: IrExpr) => e.k === 'col' && e.name === value && e.side === undefined
  const [first, ...rest] = p.args
  if (p.fn === 'between') return !!first && isValue(first) && rest.every(constant)
  const [a, b] = p.args
  return !!a && !!b && ((isValue(a) && constant(b)) || (constant(a) && isValue(b)))
}

/** An expression of literals and functions of them (`ago(7d)`, `datetime(…)`, `now()`): no column. */
function constant(e: IrExpr): boolean {
  if (e.k === 'lit') return true
  return e.k === 'call' && e.args.every(constant)
}
