import type { IrColumn, IrExpr, IrQuery, IrTabular, KType, Span } from '../ir/ir.js'
import { KqlCompileError, unsupported } from '../diagnostics.js'
import { aggregateFunctions } from './aggregates.js'
import { convert } from './convert.js'
import type { SqlDialect } from './dialect.js'
import type { ColumnScope, ScalarCx } from './lower-context.js'
import { scalarFunctions } from './scalar-functions.js'
import { ident, list, param, raw, seq, sql, type SqlNode } from './sql-tree.js'
import { literalSql } from './values.js'
import type { IrAggregate } from '../ir/ir.js'

/** One column of a lowered stage: KQL name, SQL identifier (unique case-insensitively), type. */
export interface StageColumn {
  name: string
  sql: string
  type: KType
}

/** A lowered tabular expression: a CTE (or table-valued SQL) with known columns. */
export interface Stage {
  from: SqlNode
  cols: StageColumn[]
  /** Has the hidden `__ord` column giving the KQL row order. */
  ordered: boolean
  /** A table scan with a small constant LIMIT fused in (scan.ts `SMALL_SCAN_LIMIT`). */
  smallScanLimit?: boolean
  /** Set by sort/top (`orderedStage`): how the final SELECT may read these rows without `__ord`. */
  direct?: DirectRead
}

/**
 * An ordered stage's rows, in its `__ord` order, are those of `SELECT <cols> FROM src ORDER BY by
 * [LIMIT limit]` (same column identifiers). When such a stage is the result and nothing else reads it,
 * `Lowerer.finish` drops the CTEs listed in `ctes` (the stage's own, trailing in the chain) and reads
 * `src` that way (`directSource`): no `row_number()` window and one or two CTEs less (DuckDB, top 10 of
 * 66 columns: ~3 ms of binding and planning per statement).
 */
export interface DirectRead {
  src: Stage
  /** ORDER BY items over `src` qualified by `DIRECT_SRC`; a total order whenever the stage's is. */
  by: SqlNode
  /** A constant row count (top N, take N), or null. */
  limit: number | null
  ctes: string[]
}

/** The alias of a direct read's source in the final SELECT (qualified keys never bind to output names). */
export const DIRECT_SRC = '__src'

/** Row-level security applied to every hunting table reference. */
export interface HuntingScope {
  tenantId: string
  /** Device ids the caller may see; null = all devices of the tenant. */
  deviceIds: readonly string[] | null
  /** Only rows with Timestamp at or after this instant (epoch µs), e.g. the 30-day data window; null = no bound. */
  minTimestampUs?: number | null
}

export interface ExternalTable {
  columns: IrColumn[]
  rows: unknown[][]
}

export interface LowerOptions {
  dialect: SqlDialect
  scope: HuntingScope
  nowUs: number
  /** Tables of the catalogue: storage name → columns present in storage. */
  storageColumns(table: string): readonly (readonly [string, KType])[] | undefined
  /** Fetched `externaldata` contents keyed by URL list. */
  externalData(urls: readonly string[]): ExternalTable | undefined
  /**
   * Removes arbitrary choices: `take` on unordered rows and ties of `sort`/`top` are broken by every
   * non-dynamic column, so two engines return the same rows (used by the differential test).
   */
  stable?: boolean
}

export const ORD = '__ord'

/**
 * Who writes the result rows' JSON: the JS formatter over c0..cn ('js'), the database ('sql'), JS from
 * each value's text as the rows stream in ('text', PostgreSQL: `Db.streamText` + `TextRowsWriter`), or
 * 'sql' and 'js' in one statement ('both'; tests compare them). See `Lowerer.finish`.
 */
export type RowEncoder = 'js' | 'sql' | 'text' | 'both'

/**
 * The SQL form of row JSON: text segments `j0..jk` (k = `encoded.length`) with, between segment i and
 * i+1, the JSON of `wireValue(c<column>, type)` for `encoded[i]` (types the engines cannot print as the
 * wire expects: dynamic with sorted keys, timespan).
 */
export interface RowJsonShape {
  encoded: { column: number; type: KType }[]
}

/** Wire types whose JSON the databases print exactly as `wireValue` + `JSON.stringify` (see jsonText). */
const SQL_JSON_TYPES: ReadonlySet<KType> = new Set<KType>([
  'string',
  'guid',
  'long',
  'int',
  'real',
  'decimal',
  'bool',
  'datetime',
])

/** Operator-specific lowering, registered by the operator modules. */
export type TabularLowering = (node: IrTabular, lx: Lowerer) => Stage

const tabularLowerings = new Map<string, TabularLowering>()

export function registerLowering(op: IrTabular['op'], fn: TabularLowering): void {
  tabularLowerings.set(op, fn)
}

/** Turns an IR query into one SQL statement (CTE chain) for one dialect. */
export class Lowerer {
  readonly d: SqlDialect
  readonly ctes: { name: string; body: SqlNode; materialized: boolean; inline?: boolean }[] = []
  readonly letStages = new Map<number, Stage>()
  deterministic = true
  #n = 0

  constructor(readonly opts: LowerOptions) {
    this.d = opts.dialect
  }

  nextName(prefix = 's'): string {
    this.#n++
    return `${prefix}${this.#n}`
  }

  /** Allocates unique SQL identifiers (DuckDB identifiers are case-insensitive) for KQL names. */
  allocate(cols: readonly IrColumn[]): StageColumn[] {
    const used = new Set<string>([ORD])
    return cols.map((c) => {
      let base = c.name.length > 50 ? c.name.slice(0, 50) : c.name
      if (!/^[\w$ .-]+$/.test(base)) base = 'c'
      let s = base
      for (let i = 2; used.has(s.toLowerCase()); i++) s = `${base}__${i}`
      used.add(s.toLowerCase())
      return { name: c.name, sql: s, type: c.type }
    })
  }

  /** Adds a CTE and returns it as a stage. */
  addCte(body: SqlNode, cols: StageColumn[], ordered: boolean, materialized = false): Stage {
    const name = this.nextName()
    this.ctes.push({ name, body, materialized })
    return { from: raw(name), cols, ordered }
  }

  /**
   * Asks the engine to inline a stage's CTE into each of its references (`NOT MATERIALIZED`), so that
   * conditions written around every reference reach the table's indexes.
   */
  inline(stage: Stage): void {
    const c = this.ctes.find((x) => stage.from.t === 'raw' && x.name === stage.from.s)
    if (c) c.inline = true
  }

  tabular(node: IrTabular): Stage {
    const fn = tabularLowerings.get(node.op)
    if (!fn) return unsupported(`The operator '${node.op}'`, node.span)
    return fn(node, this)
  }

  /**
   * Scope resolving column names against one stage (optionally qualified by a table alias). KQL strings
   * are never null, but stored and pass-through SQL string columns may hold NULL (reading `''` for every
   * column up front would copy every string of a wide table), so every read of a string or guid column
   * in an expression goes through `readColumn` (NULL → '').
   */
  scopeOf(stage: Stage, qualifier?: string): ColumnScope {
    const map = new Map(stage.cols.map((c) => [c.name, c]))
    return {
      column: (name) => {
        const c = map.get(name)
        return c ? readColumn(c, qualifier) : undefined
      },
      ...(stage.ordered ? { rowOrder: ident(ORD, qualifier) } : {}),
    }
  }

  /**
   * A plain column reference copied unchanged (NULL strings stay NULL until read), else the lowered
   * expression. For pass-through outputs only; never for keys, conditions or DISTINCT.
   */
  copyOrExpr(e: IrExpr, stage: Stage, cx: ScalarCx, qualifier?: string): SqlNode {
    if (e.k === 'col' && e.side === undefined) {
      const c = stage.cols.find((x) => x.name === e.name)
      if (c && c.type === e.type) return ident(c.sql, qualifier)
    }
    return this.expr(e, cx)
  }

  /** Scope for a join condition: `side` picks the left or right alias. */
  joinScope(left: Stage, right: Stage, la: string, ra: string): ColumnScope {
    const l = this.scopeOf(left, la)
    const r = this.scopeOf(right, ra)
    return {
      column: (name, side) => (side === 'right' ? r.column(name) : (l.column(name) ?? r.column(name))),
    }
  }

  scalarCx(scope: ColumnScope): ScalarCx {
    const cx: ScalarCx = {
      d: this.d,
      nowUs: this.opts.nowUs,
      scope,
      expr: (e) => this.expr(e, cx),
      as: (e, to) => convert(this.expr(e, cx), e.type, to, this.d),
      subquery: (e) => this.subquery(e.query),
      setValues: (e) => this.setValues(e.query),
      nondeterministic: () => {
        this.deterministic = false
      },
      fail: (what, span) => unsupported(what, span),
    }
    return cx
  }

  expr(e: IrExpr, cx: ScalarCx): SqlNode {
    switch (e.k) {
      case 'col': {
        const c = cx.scope.column(e.name, e.side)
        if (!c) throw new KqlCompileError('kql-internal', `Column '${e.name}' is not in scope`, undefined)
        return c
      }
      case 'lit':
        return literalSql(e.value, e.type, this.d)
      case 'call': {
        const impl = scalarFunctions[e.fn]
        if (!impl) return unsupported(`The function '${e.fn}'`, e.span)
        return impl(e.args, cx, e)
      }
      case 'subquery':
        return sql`(${this.subquery(e.query)} LIMIT 1)`
      case 'set':
        return sql`(${this.subquery(e.query)} LIMIT 1)`
    }
  }

  /** SQL selecting the first column of a tabular expression (for toscalar / in-subqueries). */
  subquery(q: IrTabular): SqlNode {
    const st = this.tabular(q)
    const c = st.cols[0]
    if (!c) return sql`SELECT NULL`
    return st.ordered
      ? sql`SELECT ${readColumn(c)} FROM ${st.from} ORDER BY ${ident(ORD)}`
      : sql`SELECT ${readColumn(c)} FROM ${st.from}`
  }

  /** Text values of a one-column table (elements of JSON arrays when the column is dynamic), as `SELECT v`. */
  setValues(q: IrTabular): SqlNode {
    const st = this.tabular(q)
    const c = st.cols[0]
    if (!c) return sql`SELECT NULL AS v`
    if (c.type !== 'dynamic')
      return sql`SELECT ${convert(readColumn(c), c.type, 'string', this.d)} AS v FROM ${st.from}`
    return sql`SELECT ${this.d.jsonToText(raw('je.v'))} AS v FROM ${st.from} AS sv CROSS JOIN LATERAL ${this.d.jsonElements(sql`sv.${ident(c.sql)}`)} AS je`
  }

  /** An aggregate over the rows of `input` (whose order, if serialized, list-building aggregates keep). */
  aggregate(a: IrAggregate, cx: ScalarCx, input?: Stage): SqlNode {
    const impl = aggregateFunctions[a.fn]
    if (!impl) return unsupported(`The aggregation function '${a.fn}'`, a.span)
    return impl(a, cx, { rowOrder: input?.ordered ? ident(ORD) : null, stable: Boolean(this.opts.stable) })
  }

  /**
   * ORDER BY items over every column of a stage (stable mode tie-breakers): scalar columns first, then
   * dynamic ones by their JSON text (arrays of scalars order alike on both engines).
   */
  tieBreakers(stage: Stage, qualifier?: string): SqlNode[] {
    const key = (c: StageColumn) => {
      const x = readColumn(c, qualifier)
      if (c.type === 'dynamic')
        return sql`CAST(${x} AS ${raw(this.d.types.string)})${raw(this.d.ordinalCollation)} ASC NULLS FIRST`
      const coll = c.type === 'string' || c.type === 'guid' ? this.d.ordinalCollation : ''
      return sql`${x}${raw(coll)} ASC NULLS FIRST`
    }
    return [
      ...stage.cols.filter((c) => c.type !== 'dynamic'),
      ...stage.cols.filter((c) => c.type === 'dynamic'),
    ].map(key)
  }

  /** `SELECT <cols> FROM stage` keeping the KQL names, with `__ord` if the stage is ordered. */
  passThrough(stage: Stage): SqlNode[] {
    const items = stage.cols.map((c) => ident(c.sql))
    if (stage.ordered) items.push(ident(ORD))
    return items
  }

  /**
   * Final statement: the CTE chain, then the result rows in KQL order, in the form `encoder` asks for:
   * - 'js': the columns `c0..cn` in wire-friendly SQL form (`wire`), formatted by `result/format.ts`;
   * - 'sql': each row's JSON object as text, written by the database (`rowJson`): segments `j0..jk` with
   *   the `c<i>` values of the columns it cannot print exactly between them;
   * - 'text': the columns `c0..cn` in their plain SQL form (`textWire`: datetimes and strings as they
   *   are, no per-value formatting in the database), each read as text and written as JSON by
   *   `TextRowsWriter`;
   * - 'both': the segments and every `c<i>` (tests compare the two encodings on the same rows).
   */
  finish(
    q: IrQuery,
    rowLimit: number,
    encoder: RowEncoder = 'js',
  ): { sql: SqlNode; columns: StageColumn[]; rowJson: RowJsonShape | null; insertionOrder: boolean } {
    for (const l of q.lets) {
      const st = this.tabular(l.query)
      if (l.materialize) {
        const last = this.ctes[this.ctes.length - 1]
        if (last && raw(last.name).t === 'raw' && st.from.t === 'raw' && st.from.s === last.name)
          last.materialized = true
      }
      this.letStages.set(l.id, st)
    }
    const st = this.tabular(q.result)
    const direct = this.takeDirectRead(st)
    const out = st.cols.map((c, i) => ({ ...c, sql: `c${i}` }))
    const wire = (x: SqlNode, t: KType) => (encoder === 'text' ? this.textWire(x, t) : this.wire(x, t))
    const values = st.cols.map((c, i) => sql`${wire(ident(c.sql), c.type)} AS ${ident(`c${i}`)}`)
    let items = values
    let rowJson: RowJsonShape | null = null
    if (encoder === 'sql' || encoder === 'both') {
      const j = this.rowJson(st.cols)
      rowJson = j.shape
      items = [
        ...j.segments.map((s, k) => sql`${s} AS ${ident(`j${k}`)}`),
        ...(encoder === 'both' ? values : j.shape.encoded.map((e) => values[e.column]!)),
      ]
    }
    const limit = direct?.limit == null ? rowLimit : Math.min(direct.limit, rowLimit)
    const body = seq(
      sql`SELECT `,
      items.length ? list(items) : raw('NULL AS "c0"'),
      direct ? sql` FROM ${this.directSource(direct, limit)} ORDER BY ${direct.by}` : sql` FROM ${st.from}`,
      !direct && st.ordered ? sql` ORDER BY ${ident(ORD)}` : raw(''),
      raw(` LIMIT ${limit}`),
    )
    const withs = this.ctes.map(
      (c) =>
        sql`${raw(c.name)} AS ${raw(c.materialized ? this.d.materialized : c.inline ? this.d.notMaterialized : '')}(${c.body})`,
    )
    return {
      sql: withs.length ? seq(raw('WITH '), list(withs), raw(' '), body) : body,
      columns: out,
      rowJson,
      // The whole statement is one small-LIMIT scan: run it order-preserving (see SMALL_SCAN_LIMIT).
      insertionOrder: st.smallScanLimit === true && !direct && this.ctes.length === 1,
    }
  }

  /**
   * The result stage's `DirectRead` if the final SELECT may use it: its CTEs are the last ones of the
   * chain, none of them materialized, and no other CTE mentions them (a `let` read again elsewhere keeps
   * its CTEs). Removes those CTEs from the chain.
   */
  takeDirectRead(st: Stage): DirectRead | null {
    const d = st.direct
    if (!d) return null
    const n = d.ctes.length
    const tail = this.ctes.slice(this.ctes.length - n)
    if (n === 0 || tail.length !== n || tail.some((c, i) => c.name !== d.ctes[i] || c.materialized))
      return null
    if (st.from.t !== 'raw' || st.from.s !== d.ctes[n - 1]) return null
    if (d.src.cols.length !== st.cols.length || d.src.cols.some((c, i) => c.sql !== st.cols[i]!.sql))
      return null
    const rest = this.ctes.slice(0, this.ctes.length - n)
    if (rest.some((c) => d.ctes.some((name) => mentions(c.body, name)))) return null
    this.ctes.length -= n
    return d
  }

  /**
   * The rows of a direct read, limited before the final SELECT list is computed (DuckDB computes the
   * select list below its TOP_N, so with the final SELECT's own LIMIT it would write every input row's
   * JSON); the final SELECT orders them again (a subquery's order is not kept).
   */
  directSource(d: DirectRead, limit: number): SqlNode {
    const q = raw(DIRECT_SRC)
    return sql`(SELECT * FROM ${d.src.from} AS ${q} ORDER BY ${d.by} LIMIT ${raw(String(limit))}) AS ${q}`
  }

  /**
   * A row's JSON object (`{"Name":value,…}`, schema order) as SQL text expressions. Keys are the
   * JSON-encoded column names, bound as parameters (names are user-controlled). Values the database
   * prints exactly (`SQL_JSON_TYPES`) are written by `SqlDialect.jsonText`; at every other column the
   * text is cut into a new segment and JS writes that value (`RowJsonShape`). When every column is
   * printable and the dialect can write the whole object in one call (`SqlDialect.rowObject`: DuckDB
   * `to_json(struct_pack(…))`, names as identifiers), that one expression is the only segment.
   */
  rowJson(cols: readonly StageColumn[]): { segments: SqlNode[]; shape: RowJsonShape } {
    if (cols.every((c) => SQL_JSON_TYPES.has(c.type))) {
      const whole = this.d.rowObject?.(cols.map((c) => ({ name: c.name, x: ident(c.sql), type: c.type })))
      if (whole) return { segments: [whole], shape: { encoded: [] } }
    }
    const segments: SqlNode[] = []
    const encoded: RowJsonShape['encoded'] = []
    let parts: SqlNode[] = []
    cols.forEach((c, i) => {
      parts.push(param(`${i ? ',' : '{'}${JSON.stringify(c.name)}:`, 'string'))
      if (SQL_JSON_TYPES.has(c.type)) parts.push(this.d.jsonText(ident(c.sql), c.type))
      else {
        segments.push(this.d.concatText(parts))
        parts = []
        encoded.push({ column: i, type: c.type })
      }
    })
    parts.push(param(cols.length ? '}' : '{}', 'string'))
    segments.push(this.d.concatText(parts))
    return { segments, shape: { encoded } }
  }

  /**
   * A value's SQL form for the 'text' encoder: as it is, but dynamic as JSON text (`TextRowsWriter`
   * reads the engine's text output of each type).
   */
  textWire(x: SqlNode, t: KType): SqlNode {
    return t === 'dynamic' ? sql`CAST(${x} AS ${raw(this.d.types.string)})` : x
  }

  /** Converts a value to its wire-friendly SQL form (datetimes as text with µs, dynamic as JSON text). */
  wire(x: SqlNode, t: KType): SqlNode {
    if (t === 'datetime') return this.d.formatDatetime(x)
    if (t === 'dynamic') return sql`CAST(${x} AS ${raw(this.d.types.string)})`
    if (t === 'string' || t === 'guid') return sql`coalesce(${x}, '')`
    return x
  }
}

/** Whether SQL text mentions a name (an identifier, or a word of raw text: CTE names are raw). */
export function mentions(node: SqlNode, name: string): boolean {
  const word = new RegExp(`(^|[^\\w$])${name.replace(/[^\w]/g, '\\$&')}($|[^\\w$])`)
  const stack = [node]
  while (stack.length) {
    const n = stack.pop()!
    if (n.t === 'seq') stack.push(...n.parts)
    else if (n.t === 'raw' ? word.test(n.s) : n.t === 'ident' && (n.name === name || n.qualifier === name))
      return true
  }
  return false
}

/** A column read in an expression: string and guid columns read NULL as '' (KQL has no null strings). */
export function readColumn(c: StageColumn, qualifier?: string): SqlNode {
  const x = ident(c.sql, qualifier)
  return c.type === 'string' || c.type === 'guid' ? sql`coalesce(${x}, '')` : x
}

export function spanOf(n: { span: Span }): Span {
  return n.span
}
