import { huntingCatalogue } from '../catalogue/hunting-tables.js'
import type { IrExpr, IrTabular, KType } from '../ir/ir.js'
import type { Lowerer, Stage } from '../sql/lowerer.js'
import { ident, list, raw, sql, type SqlNode } from '../sql/sql-tree.js'
import { scanStoredColumn, scopeDeviceIds } from './scan.js'

type Summarize = IrTabular & { op: 'summarize' }

/** Key types whose SQL `=` and `<` are KQL's group equality and one total order (no floats, no JSON). */
const KEY_TYPES: ReadonlySet<KType> = new Set<KType>(['string', 'guid', 'long', 'int', 'datetime'])
/** Value types whose stored NULL is KQL's null (strings would read NULL as '', which the index does not). */
const VALUE_TYPES: ReadonlySet<KType> = new Set<KType>(['datetime', 'long', 'int'])

const K = '__k'

/**
 * `Table | summarize arg_max(v, …) by k` (or arg_min) as a loose index scan over the table's
 * (TenantId, k, v) btree, where the dialect asks for it (PostgreSQL) — instead of sorting every row
 * (`DISTINCT ON`). Returns null when the shape does not apply; the caller then lowers it generically.
 *
 * Applies only to one `by` key that is a plain column and one row picker whose value is a plain column,
 * straight over a table scan (no `where`/`take` fused into it) whose columns are read unchanged, and only
 * when the catalogue's PostgreSQL indexes hold (TenantId, k, v). The SQL:
 *
 *   WITH RECURSIVE walk(k) AS (SELECT min(k) FROM scan
 *     UNION ALL SELECT (SELECT min(k) FROM scan WHERE k > walk.k) FROM walk WHERE walk.k IS NOT NULL)
 *   SELECT walk.k, p.* FROM walk CROSS JOIN LATERAL
 *       (SELECT … FROM scan WHERE k = walk.k AND v IS NOT NULL ORDER BY v DESC LIMIT 1) p  -- one backward descent
 *     WHERE walk.k IS NOT NULL AND walk.k <> ''
 *   UNION ALL SELECT '', p.* FROM (the best of the probes k = '' and k IS NULL) p
 *
 * plus, where values can be null (no time window on a Timestamp value), a `v IS NULL` probe per key
 * merged by `ORDER BY v DESC NULLS LAST LIMIT 1`.
 *
 * `scan` is the table scan's own CTE, inlined into every reference (`NOT MATERIALIZED`), so every probe
 * carries its tenant, time-window and device-scope conditions. The KQL semantics kept:
 * - NULL and '' are one string group (the null group of other key types is NULL): the walk's `min`/`>`
 *   skip NULLs, so that group is probed on its own, once, outside the per-key loop;
 * - rows with a null value are picked only when the group has no other (DESC/ASC NULLS LAST);
 * - with a device scope and key DeviceId the keys are the visible device ids instead of a walk (each
 *   probe still filters by the scope), so no probe scans other devices' index entries;
 * - stable mode breaks ties by every picked value, as the generic lowering does.
 * The walk's `min(k)` probes also apply the time window, so with rows kept past the window a probe reads
 * the index entries of a key older than the window before it finds one inside it.
 */
export function lowerLooseArgPick(s: Summarize, lx: Lowerer): Stage | null {
  const fit = looseShape(s, lx)
  if (!fit) return null
  const { scan, picker, keyType } = fit
  const input = lx.tabular(scan)
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
  // Stable mode: ties broken by every picked value (as in summarize.ts), inside the probes and the merge.
  const ties = (read: (i: number) => SqlNode): SqlNode[] =>
    lx.opts.stable ? values.slice(1).map((e, j) => tieKey(read(j + 1), e.type, lx)) : []
  const probeTies = ties((i) => lx.expr(values[i]!, cx))
  const probe = (cond: SqlNode, order: SqlNode[]) =>
    sql`(SELECT ${list(picked)} FROM ${input.from} WHERE ${cond}${order.length ? sql` ORDER BY ${list(order)}` : sql``} LIMIT 1)`
  const stringKey = keyType === 'string' || keyType === 'guid'
  // The scan's time window (`Timestamp >= $min`) already excludes null Timestamps: no null-value probes.
  const nullValues = !(fit.storedValue === 'Timestamp' && lx.opts.scope.minTimestampUs != null)
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
  const ids = fit.storedKey === 'DeviceId' ? scopeDeviceIds(lx) : null
  const walked = ids
    ? sql`SELECT DISTINCT x AS ${ident(K)} FROM (${ids}) AS d(x)`
    : sql`SELECT min(${k}) FROM ${input.from} UNION ALL SELECT (SELECT min(${k}) FROM ${input.from} WHERE ${k} > r.${ident(K)}) FROM "__walk" AS r WHERE r.${ident(K)} IS NOT NULL`
  const outputs = (key: SqlNode) =>
    list(
      cols.map((c, i) =>
        i === 0 ? sql`${key} AS ${ident(c.sql)}` : sql`p.${ident(`a${i - 1}`)} AS ${ident(c.sql)}`,
      ),
    )
  // Non-null keys one probe each; the null group (NULL and '' for strings) on its own, probed once.
  const perKey = sql`SELECT ${outputs(sql`w.${ident(K)}`)} FROM "__walk" AS w CROSS JOIN LATERAL ${best([sql`${k} = w.${ident(K)}`])} AS p WHERE w.${ident(K)} IS NOT NULL${stringKey ? sql` AND w.${ident(K)} <> ''` : sql``}`
  const nullGroup = stringKey
    ? sql`SELECT ${outputs(sql`''`)} FROM ${best([sql`${k} = ''`, sql`${k} IS NULL`])} AS p`
    : sql`SELECT ${outputs(sql`CAST(NULL AS ${raw(lx.d.types[keyType])})`)} FROM ${best([sql`${k} IS NULL`])} AS p`
  const body = sql`WITH RECURSIVE "__walk"(${ident(K)}) AS (${walked}) ${perKey} UNION ALL ${nullGroup}`
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
  if (!lx.d.looseIndexScan || s.input.op !== 'scan' || s.by.length !== 1 || s.aggs.length !== 1) return null
  const scan = s.input
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
  }
}
