import type { Diagnostic } from '../core/result.js'
import type { HuntingCatalogue } from './catalogue/catalogue-types.js'
import { huntingCatalogue } from './catalogue/hunting-tables.js'
import { bindQuery } from './bind/query.js'
import { KqlCompileError } from './diagnostics.js'
import { analyze, type ResultColumn } from './front-end/analyze.js'
import { buildEnvironments, type BindingEnvironments } from './front-end/globals.js'
import type { Discovery, IrQuery, IrTabular } from './ir/ir.js'
import { pruneColumns } from './ir/prune.js'
import './operators/index.js'
import { checkDeclared, discoveredSchema, discoverySql } from './operators/evaluate.js'
import { dialectFor } from './sql/dialect.js'
import {
  Lowerer,
  type ExternalTable,
  type HuntingScope,
  type RowEncoder,
  type RowJsonShape,
} from './sql/lowerer.js'
import { LruCache } from './plan-cache.js'
import { printSql } from './sql/print.js'
import type { ParamValue, RuntimeSlot } from './sql/sql-tree.js'
import { isoFromUs } from './sql/values.js'

export type { HuntingScope, ExternalTable, RowEncoder, RowJsonShape }

/** A parsed, bound and IR-translated query, independent of dialect and caller. */
export interface HuntingPlan {
  ir: IrQuery
  schema: ResultColumn[]
  lenient: boolean
  /** URL lists of the `externaldata` sources to fetch before lowering. */
  externalSources: { urls: string[]; format: string; ignoreFirstRecord: boolean; columns: ResultColumn[] }[]
}

export interface CompiledQuery {
  sql: string
  params: ParamValue[]
  /**
   * Result columns in order (KQL names and types); with the 'js' encoder the SQL result columns are c0..cn
   * in the same order.
   */
  schema: ResultColumn[]
  /** With the 'sql' and 'both' encoders: how the row JSON segments j0..jk and values c<i> combine. */
  rowJson: RowJsonShape | null
  render: IrQuery['render']
  /** False when the result depends on arbitrary choices (take without sort, rand, …). */
  deterministic: boolean
  /**
   * Run with the store's insertion order kept (no `unordered` hint): the statement is one table scan
   * under a small LIMIT, which DuckDB stops earliest in order-preserving mode (a 10M-row filter + take:
   * ~104 vs ~143 ms median). Every other statement states its order in SQL and runs unordered.
   */
  insertionOrder: boolean
}

export type PlanResult = { ok: true; plan: HuntingPlan } | { ok: false; diagnostics: Diagnostic[] }

export interface LowerInput {
  dialect: 'duckdb' | 'postgres'
  scope: HuntingScope
  /** Query start time, epoch milliseconds (from the Clock). */
  nowMs: number
  rowLimit: number
  external?: ReadonlyMap<string, ExternalTable>
  /** Break ties and arbitrary `take` choices deterministically (differential tests). */
  stable?: boolean
  /** Who writes the rows' JSON (`Lowerer.finish`); default 'js' (columns c0..cn). */
  encoder?: RowEncoder
}

export const MAX_QUERY_LENGTH = 100_000
const MAX_NESTING = 200
/** Query texts longer than this are compiled every time (keeps the cache's memory bounded). */
const MAX_CACHED_QUERY_LENGTH = 20_000

export interface EngineOptions {
  /** Compiled queries kept (plans by query text; lowered SQL per plan and shape); 0 disables caching. */
  cacheEntries?: number
  /** Column pruning on the IR (ir/prune.ts); off only to compare against it in tests. Default on. */
  pruneColumns?: boolean
}

/** Lowered SQL whose run-time parameters (clock, caller scope) are filled in per run. */
interface LoweredTemplate {
  sql: string
  params: ParamValue[]
  slots: (RuntimeSlot | undefined)[]
  schema: ResultColumn[]
  rowJson: RowJsonShape | null
  render: IrQuery['render']
  deterministic: boolean
  insertionOrder: boolean
}

type LowerResult = { ok: true; query: CompiledQuery } | { ok: false; diagnostics: Diagnostic[] }
type TemplateResult = { ok: true; template: LoweredTemplate } | { ok: false; diagnostics: Diagnostic[] }

/**
 * The KQL engine: Kusto.Language front end (loaded once per process) → IR → SQL for one dialect.
 * Pure: no I/O. The caller executes the SQL through the Db port and formats the rows.
 */
export class HuntingEngine {
  readonly env: BindingEnvironments
  /** Plans (or their diagnostics) by query text and schema mode. */
  readonly planCache: LruCache<PlanResult>
  /** Lowered SQL templates per plan, keyed by dialect and scoping shape. */
  readonly #lowered = new WeakMap<HuntingPlan, Map<string, TemplateResult>>()

  private constructor(
    readonly catalogue: HuntingCatalogue,
    private readonly opts: EngineOptions = {},
  ) {
    this.env = buildEnvironments(catalogue)
    this.planCache = new LruCache(opts.cacheEntries ?? 512)
  }

  static #shared: HuntingEngine | undefined

  /** The process-wide engine (the front end costs ~300 MB and ~2 s to warm; build it once). */
  static shared(): HuntingEngine {
    HuntingEngine.#shared ??= new HuntingEngine(huntingCatalogue)
    return HuntingEngine.#shared
  }

  /** A separate engine (own caches) over the same front end, e.g. one without caching for tests. */
  static create(opts: EngineOptions = {}): HuntingEngine {
    return new HuntingEngine(huntingCatalogue, opts)
  }

  /** Runs one analysis so Kusto.Language initialises its built-in function tables. */
  warmUp(): void {
    analyze(
      'DeviceProcessEvents | where Timestamp > ago(1d) | summarize count() by DeviceId | take 1',
      this.env,
    )
  }

  /** Parses, binds and translates to IR; cached by query text (plans do not depend on time or caller). */
  plan(query: string, opts: { lenient?: boolean } = {}): PlanResult {
    const cacheable = typeof query === 'string' && query.length <= MAX_CACHED_QUERY_LENGTH
    const key = `${opts.lenient === false ? 's' : 'l'}:${query}`
    const hit = cacheable ? this.planCache.get(key) : undefined
    if (hit) return hit
    const result = this.#planUncached(query, opts)
    // Resource failures (stack depth) depend on the moment, not on the text: never cached.
    if (cacheable && (result.ok || !result.diagnostics.some((d) => d.code === 'kql-too-complex')))
      this.planCache.set(key, result)
    return result
  }

  #planUncached(query: string, opts: { lenient?: boolean }): PlanResult {
    const pre = precheck(query)
    if (pre) return { ok: false, diagnostics: [pre] }
    const a = analyze(query, this.env, opts.lenient ?? true)
    if (a.diagnostics.length) return { ok: false, diagnostics: a.diagnostics.slice(0, 10) }
    if (!a.schema)
      return { ok: false, diagnostics: [diag('kql-no-result', 'The query has no tabular result')] }
    try {
      const bound = bindQuery(a, this.catalogue)
      const ir = this.opts.pruneColumns === false ? bound : pruneColumns(bound)
      const externalSources: HuntingPlan['externalSources'] = []
      walkTabular(ir, (t) => {
        if (t.op === 'externaldata')
          externalSources.push({
            urls: t.urls,
            format: t.format,
            ignoreFirstRecord: t.ignoreFirstRecord,
            columns: t.columns,
          })
      })
      return { ok: true, plan: { ir, schema: a.schema, lenient: a.lenient, externalSources } }
    } catch (err) {
      if (err instanceof KqlCompileError) return { ok: false, diagnostics: [err.toDiagnostic()] }
      return { ok: false, diagnostics: [internal(err)] }
    }
  }

  /**
   * SQL for one dialect and caller. The SQL text and the query's own parameters are cached per plan and
   * shape (dialect, device scoping or not, data window or not, stable mode, encoder, row limit); the clock and the
   * caller's tenant, devices and window are parameters filled in for every run. Queries with
   * `externaldata` are lowered every time (their rows are parameters of the SQL).
   */
  lower(plan: HuntingPlan, input: LowerInput): LowerResult {
    if (plan.externalSources.length > 0 || this.planCache.maxEntries <= 0) {
      const t = this.#lowerTemplate(plan, input)
      return t.ok ? { ok: true, query: instantiate(t.template, input) } : t
    }
    const key = [
      input.dialect,
      input.scope.deviceIds === null ? 'all' : 'devices',
      input.scope.minTimestampUs == null ? 'nowindow' : 'window',
      input.stable ? 'stable' : 'any',
      input.encoder ?? 'js',
      input.rowLimit,
    ].join('|')
    let perPlan = this.#lowered.get(plan)
    if (!perPlan) this.#lowered.set(plan, (perPlan = new Map<string, TemplateResult>()))
    let t = perPlan.get(key)
    if (!t) {
      t = this.#lowerTemplate(plan, input)
      if (t.ok || !t.diagnostics.some((d) => d.code === 'kql-too-complex')) perPlan.set(key, t)
    }
    return t.ok ? { ok: true, query: instantiate(t.template, input) } : t
  }

  /** A lowerer for one caller's shape (dialect, scope, clock, external tables, stable mode). */
  #lowerer(dialect: ReturnType<typeof dialectFor>, input: LowerInput): Lowerer {
    return new Lowerer({
      dialect,
      scope: input.scope,
      nowUs: input.nowMs * 1000,
      storageColumns: (t) => this.catalogue.tables[t]?.columns,
      externalData: (urls) => input.external?.get(urls.join('\n')),
      stable: input.stable ?? false,
    })
  }

  #lowerTemplate(plan: HuntingPlan, input: LowerInput): TemplateResult {
    const dialect = dialectFor(input.dialect)
    const lx = this.#lowerer(dialect, input)
    try {
      const { sql, columns, rowJson, insertionOrder } = lx.finish(plan.ir, input.rowLimit, input.encoder)
      const printed = printSql(sql, dialect)
      const schema = columns.map((c) => ({ name: c.name, type: c.type }))
      return {
        ok: true,
        template: {
          sql: printed.text,
          params: printed.params,
          slots: printed.slots,
          schema,
          rowJson,
          render: plan.ir.render,
          deterministic: lx.deterministic,
          insertionOrder,
        },
      }
    } catch (err) {
      if (err instanceof KqlCompileError) return { ok: false, diagnostics: [err.toDiagnostic()] }
      return { ok: false, diagnostics: [internal(err)] }
    }
  }

  /**
   * Resolves the data-dependent plugins of a query (`evaluate bag_unpack` / `pivot` without an output
   * schema): for each, innermost first, a discovery query over its scoped input (`run` executes SQL on the
   * caller's database) finds the output columns, which are written into the query text as the plugin's
   * output schema; the query is then planned again, so everything downstream binds against real columns.
   * Pivot schemas declared by the user are checked against the data. Diagnostics point into `query`.
   */
  async resolve(
    query: string,
    input: LowerInput,
    run: (sql: string, params: ParamValue[]) => Promise<Record<string, unknown>[]>,
  ): Promise<PlanResult> {
    let text = query
    const edits: { at: number; length: number }[] = []
    const back = (r: PlanResult): PlanResult =>
      r.ok ? r : { ok: false, diagnostics: r.diagnostics.map((d) => mapDiagnostic(d, edits)) }
    for (let round = 0; round <= MAX_DISCOVERIES; round++) {
      const p = this.plan(text)
      if (!p.ok) return back(p)
      const ir = p.plan.ir
      const pending = ir.discoveries.filter((d) => d.declared === null)
      const next = pending.find((d) => !dependsOnDiscovery(d.input, ir))
      if (pending.length && !next)
        return back({ ok: false, diagnostics: [diag('kql-internal', 'Unresolvable evaluate plugins')] })
      const todo = next ? [next] : ir.discoveries
      for (const d of todo) {
        const q = this.#discovery(p.plan, d, input)
        if (!q.ok) return back(q)
        const rows = await run(q.query.sql, q.query.params)
        try {
          if (d.declared) {
            checkDeclared(d, rows)
            continue
          }
          const schema = discoveredSchema(d, rows)
          text = text.slice(0, d.insertAt) + schema + text.slice(d.insertAt)
          edits.push({ at: d.insertAt, length: schema.length })
        } catch (err) {
          if (err instanceof KqlCompileError) return back({ ok: false, diagnostics: [err.toDiagnostic()] })
          throw err
        }
      }
      if (!next) return p
    }
    return {
      ok: false,
      diagnostics: [diag('kql-too-complex', `More than ${MAX_DISCOVERIES} data-dependent evaluate plugins`)],
    }
  }

  /** The discovery query of one plugin: its input's CTE chain (and the lets it reads), one SELECT. */
  #discovery(plan: HuntingPlan, d: Discovery, input: LowerInput): LowerResult {
    const dialect = dialectFor(input.dialect)
    const lx = this.#lowerer(dialect, input)
    try {
      const needed = letsReadBy(d.input, plan.ir)
      for (const l of plan.ir.lets) if (needed.has(l.id)) lx.letStages.set(l.id, lx.tabular(l.query))
      const printed = printSql(discoverySql(lx, d), dialect)
      const template: LoweredTemplate = {
        sql: printed.text,
        params: printed.params,
        slots: printed.slots,
        schema: [],
        rowJson: null,
        render: null,
        deterministic: true,
        insertionOrder: false,
      }
      return { ok: true, query: instantiate(template, input) }
    } catch (err) {
      if (err instanceof KqlCompileError) return { ok: false, diagnostics: [err.toDiagnostic()] }
      return { ok: false, diagnostics: [internal(err)] }
    }
  }

  /** plan + lower in one step (no externaldata fetching). */
  compile(
    query: string,
    input: LowerInput,
  ): { ok: true; query: CompiledQuery; plan: HuntingPlan } | { ok: false; diagnostics: Diagnostic[] } {
    const p = this.plan(query)
    if (!p.ok) return p
    const l = this.lower(p.plan, input)
    return l.ok ? { ...l, plan: p.plan } : l
  }
}

/** Fills the run-time parameters (clock, caller scope) of a lowered template. */
function instantiate(t: LoweredTemplate, input: LowerInput): CompiledQuery {
  const nowUs = input.nowMs * 1000
  const params = t.params.map((v, i) => {
    const slot = t.slots[i]
    if (!slot) return v
    switch (slot.k) {
      case 'now-iso':
        return isoFromUs(nowUs + slot.offsetUs)
      case 'now-us':
        return nowUs
      case 'tenant':
        return input.scope.tenantId
      case 'min-timestamp':
        return isoFromUs(input.scope.minTimestampUs ?? 0)
      case 'device-ids':
        return JSON.stringify(input.scope.deviceIds ?? [])
    }
  })
  return {
    sql: t.sql,
    params,
    schema: t.schema,
    rowJson: t.rowJson,
    render: t.render,
    deterministic: t.deterministic,
    insertionOrder: t.insertionOrder,
  }
}

/** An unexpected failure inside the compiler still answers with a diagnostic, never an exception. */
function internal(err: unknown): Diagnostic {
  if (err instanceof RangeError) return diag('kql-too-complex', 'The query is nested too deeply')
  const msg = err instanceof Error ? err.message : String(err)
  return diag('kql-internal', `The query could not be compiled: ${msg.split('\n')[0]!.slice(0, 200)}`)
}

function diag(code: string, message: string): Diagnostic {
  return { code, message, severity: 'error' }
}

/** Cheap guards before the front end sees the text: size and bracket nesting. */
function precheck(query: string): Diagnostic | null {
  if (typeof query !== 'string' || query.trim() === '') return diag('kql-empty', 'The query is empty')
  if (query.length > MAX_QUERY_LENGTH)
    return diag(
      'kql-too-long',
      `The query is ${query.length} characters long; the limit is ${MAX_QUERY_LENGTH}`,
    )
  let depth = 0
  let max = 0
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i)
    if (c === 40 || c === 91 || c === 123) max = Math.max(max, ++depth)
    else if (c === 41 || c === 93 || c === 125) depth--
  }
  if (max > MAX_NESTING)
    return diag('kql-too-complex', `The query nests brackets ${max} deep; the limit is ${MAX_NESTING}`)
  return null
}

const MAX_DISCOVERIES = 8

/** Ids of the tabular lets a tabular expression reads, directly or through other lets. */
function letsReadBy(t: IrTabular, q: IrQuery): Set<number> {
  const out = new Set<number>()
  const visit = (x: IrTabular) =>
    walkTabular({ lets: [], result: x, render: null, discoveries: [] }, (n) => {
      if (n.op !== 'ref' || out.has(n.id)) return
      out.add(n.id)
      const l = q.lets.find((y) => y.id === n.id)
      if (l) visit(l.query)
    })
  visit(t)
  return out
}

/** True when the expression reads the output of a plugin that is not resolved yet. */
function dependsOnDiscovery(t: IrTabular, q: IrQuery): boolean {
  let found = false
  const ids = letsReadBy(t, q)
  const check = (x: IrTabular) =>
    walkTabular({ lets: [], result: x, render: null, discoveries: [] }, (n) => {
      if (n.op === 'discover') found = true
    })
  check(t)
  for (const l of q.lets) if (ids.has(l.id)) check(l.query)
  return found
}

/** Maps a diagnostic's position in a rewritten text (schemas inserted) back to the caller's text. */
function mapDiagnostic(d: Diagnostic, edits: readonly { at: number; length: number }[]): Diagnostic {
  if (!d.span) return d
  const map = (p: number) => {
    for (let i = edits.length - 1; i >= 0; i--) {
      const e = edits[i]!
      if (p >= e.at + e.length) p -= e.length
      else if (p > e.at) p = e.at
    }
    return p
  }
  const start = map(d.span.start)
  const end = map(d.span.start + d.span.length)
  return { ...d, span: { start, length: Math.max(0, end - start) } }
}

export function walkTabular(q: IrQuery, fn: (t: IrTabular) => void): void {
  const seen = new Set<IrTabular>()
  const visit = (t: IrTabular) => {
    if (seen.has(t)) return
    seen.add(t)
    fn(t)
    for (const v of Object.values(t)) {
      if (v && typeof v === 'object' && 'op' in v && 'columns' in v) visit(v as IrTabular)
      if (Array.isArray(v))
        for (const x of v) if (x && typeof x === 'object' && 'op' in x) visit(x as IrTabular)
    }
  }
  for (const l of q.lets) visit(l.query)
  visit(q.result)
}
