import type { Clock } from '../../core/clock.js'
import { errorMessage } from '../../core/errors.js'
import {
  formatRows,
  joinJsonArray,
  ResultTooLarge,
  rowsJson,
  TextRowsWriter,
  type CompiledQuery,
  type ExternalTable,
  type HuntingEngine,
  type HuntingPlan,
  type HuntingScope,
  type JsonArrayText,
  type PlanResult,
  type ResultColumn,
  type RowEncoder,
} from '../../hunting/index.js'
import type { Db } from '../../store/db.js'
import {
  ExternalDataError,
  isAllowed,
  toExternalTable,
  type ExternalDataPolicy,
  type ExternalFetcher,
} from './external-data.js'

export interface HuntingLimits {
  rowLimit: number
  timeoutMs: number
  resultBytesLimit: number
}

export interface RunQueryInput {
  db: Db
  engine: HuntingEngine
  clock: Clock
  query: string
  scope: HuntingScope
  limits: HuntingLimits
  external: ExternalDataPolicy
  fetcher: ExternalFetcher
  /** Caller cancellation (client went away). */
  signal?: AbortSignal
  /** Deterministic tie-breaking (differential tests; costs extra sorting). */
  stable?: boolean
  /**
   * Who writes the rows' JSON: the database ('sql', default on DuckDB: no JS row objects), JS from each
   * value's text as the rows stream in ('text', default where the store has `Db.streamText`:
   * PostgreSQL, whose own JSON functions cost more than the query — see docs/hunting.md), the JS
   * formatter (`formatRows`, 'js'), or 'sql' and 'js' from one statement ('both': `resultsJson` from
   * the database and `jsResults` from the formatter, for tests that compare them).
   */
  encoder?: RowEncoder
  /** Graph `Timespan`: only rows newer than now − timespan (applied through the query text). */
}

export interface HuntingStats {
  ExecutionTime: number
  resource_usage: {
    cache: {
      memory: { hits: number; misses: number; total: number }
      disk: { hits: number; misses: number; total: number }
    }
    cpu: { user: string; kernel: string; 'total cpu': string }
    memory: { peak_per_node: number }
  }
  dataset_statistics: { table_row_count: number; table_size: number }[]
}

export type RunQueryOutcome =
  | {
      ok: true
      schema: ResultColumn[]
      /**
       * The rows as objects. With the 'sql' encoder this is parsed from `resultsJson` on first read (the
       * API path never reads it).
       */
      readonly results: Record<string, unknown>[]
      /** The `Results` array as JSON text in pieces (the routes write them into the response body). */
      resultsText: JsonArrayText
      /** `resultsText` as one string (joined on first read; the API path never reads it). */
      readonly resultsJson: string
      /** Encoder 'both' only: the JS formatter's rows for the same result. */
      jsResults?: Record<string, unknown>[]
      rowCount: number
      stats: HuntingStats
      render: HuntingPlan['ir']['render']
      deterministic: boolean
      cpuMs: number
      sql: string
    }
  | { ok: false; status: 400 | 408 | 429; code: string; message: string; target?: string }

const zeroCache = { hits: 0, misses: 0, total: 0 }

/** `hh:mm:ss.fffffff` from milliseconds (Stats cpu fields). */
export function cpuTimespan(ms: number): string {
  const total = Math.max(0, ms)
  const h = Math.floor(total / 3_600_000)
  const m = Math.floor((total % 3_600_000) / 60_000)
  const s = Math.floor((total % 60_000) / 1000)
  const frac = Math.round((total % 1000) * 10_000)
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(h)}:${p(m)}:${p(s)}.${p(frac, 7)}`
}

async function fetchExternal(plan: HuntingPlan, input: RunQueryInput, signal: AbortSignal) {
  const out = new Map<string, ExternalTable>()
  for (const src of plan.externalSources) {
    const key = src.urls.join('\n')
    if (out.has(key)) continue
    const denied = src.urls.find((u) => !isAllowed(u, input.external.allowList))
    if (denied) throw new ExternalDataError(`externaldata URL is not on the allow-list: ${denied}`)
    const texts: string[] = []
    for (const u of src.urls) texts.push(await input.fetcher(u, signal))
    out.set(key, toExternalTable(texts.join('\n'), src, input.external.maxRows))
  }
  return out
}

const JSON_CHUNK_ROWS = 2000

/**
 * The rows as the JSON text of the `Results` array (in runs of rows), or null when it would exceed
 * `limit` UTF-8 bytes. Serialised in chunks of rows, so an oversized result stops early.
 */
function resultsText(results: readonly Record<string, unknown>[], limit: number): JsonArrayText | null {
  const parts: string[] = []
  const bytes: number[] = []
  let length = 2
  for (let i = 0; i < results.length; i += JSON_CHUNK_ROWS) {
    const s = JSON.stringify(results.slice(i, i + JSON_CHUNK_ROWS)).slice(1, -1)
    const n = Buffer.byteLength(s)
    length += n + (i > 0 ? 1 : 0)
    if (length > limit) return null
    parts.push(s)
    bytes.push(n)
  }
  return { parts, length, bytes }
}

function tooLarge(limit: number): RunQueryOutcome {
  return {
    ok: false,
    status: 400,
    code: 'BadRequest',
    message: `The result exceeds the size limit of ${limit} bytes; narrow the query (fewer rows or columns)`,
  }
}

/** Plans, lowers, executes (with real cancellation) and formats one hunting query. */
export async function runHuntingQuery(input: RunQueryInput): Promise<RunQueryOutcome> {
  const started = performance.now()
  const cpu0 = process.cpuUsage()
  const encoder = input.encoder ?? (input.db.streamText ? 'text' : 'sql')
  if (encoder === 'text' && !input.db.streamText) throw new Error("the 'text' encoder needs Db.streamText")
  const planned = input.engine.plan(input.query)
  if (!planned.ok) {
    const d = planned.diagnostics[0]!
    const pos = d.span ? ` (at position ${d.span.start}, length ${d.span.length})` : ''
    return { ok: false, status: 400, code: 'BadRequest', message: `${d.message}${pos}`, target: d.code }
  }
  // One controller for the caller's signal and the time limit (AbortSignal.any costs more per call).
  const cancel = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    cancel.abort()
  }, input.limits.timeoutMs)
  const onCallerAbort = () => cancel.abort()
  if (input.signal?.aborted) cancel.abort()
  else input.signal?.addEventListener('abort', onCallerAbort, { once: true })
  const signal = cancel.signal
  try {
    let external: Map<string, ExternalTable>
    try {
      external = await fetchExternal(planned.plan, input, signal)
    } catch (err) {
      return {
        ok: false,
        status: 400,
        code: 'BadRequest',
        message: errorMessage(err),
        target: 'externaldata',
      }
    }
    const lowerInput = {
      dialect: input.db.dialect,
      scope: input.scope,
      nowMs: input.clock.nowMs(),
      rowLimit: input.limits.rowLimit,
      external,
      stable: input.stable ?? false,
      encoder,
    }
    let rows: Record<string, unknown>[] = []
    let rowCount = 0
    let streamed: JsonArrayText | null = null
    let q: CompiledQuery
    try {
      // Plugins whose columns depend on the data (bag_unpack, pivot) are resolved by discovery queries.
      let plan: PlanResult = planned
      if (planned.plan.ir.discoveries.length)
        plan = await input.engine.resolve(input.query, lowerInput, (sql, params) =>
          input.db.query(sql, params, { signal }),
        )
      const lowered = plan.ok ? input.engine.lower(plan.plan, lowerInput) : plan
      if (!lowered.ok) {
        const d = lowered.diagnostics[0]!
        const pos = d.span ? ` (at position ${d.span.start}, length ${d.span.length})` : ''
        return { ok: false, status: 400, code: 'BadRequest', message: `${d.message}${pos}`, target: d.code }
      }
      q = lowered.query
      // The SQL states every row order KQL defines (ordered stages end in ORDER BY __ord), so the store
      // may return other rows in any order (DuckDB: parallel LIMIT and result collection) — except a
      // small-LIMIT scan, which DuckDB stops sooner keeping insertion order (CompiledQuery.insertionOrder).
      const opts = { signal, unordered: !q.insertionOrder }
      if (encoder === 'text') {
        const w = new TextRowsWriter(q.schema, input.limits.resultBytesLimit)
        rowCount = await input.db.streamText!(q.sql, q.params, (v) => w.row(v), opts)
        streamed = w.finish()
      } else {
        rows = await input.db.query(q.sql, q.params, opts)
        rowCount = rows.length
      }
    } catch (err) {
      if (err instanceof ResultTooLarge) return tooLarge(input.limits.resultBytesLimit)
      if (timedOut)
        return {
          ok: false,
          status: 408,
          code: 'Timeout',
          message: `The query exceeded the time limit of ${Math.round(input.limits.timeoutMs / 1000)} seconds and was cancelled`,
        }
      return {
        ok: false,
        status: 400,
        code: 'BadRequest',
        message: `The query failed while running: ${errorMessage(err).split('\n')[0]}`,
      }
    }
    const limit = input.limits.resultBytesLimit
    const formatted = streamed || q.rowJson ? null : formatRows(rows, q.schema)
    const text = streamed ?? (q.rowJson ? rowsJson(rows, q.rowJson, limit) : resultsText(formatted!, limit))
    if (text === null) return tooLarge(limit)
    const cpu = process.cpuUsage(cpu0)
    const cpuMs = (cpu.user + cpu.system) / 1000
    const stats: HuntingStats = {
      ExecutionTime: Number(((performance.now() - started) / 1000).toFixed(6)),
      resource_usage: {
        cache: { memory: { ...zeroCache }, disk: { ...zeroCache } },
        cpu: {
          user: cpuTimespan(cpu.user / 1000),
          kernel: cpuTimespan(cpu.system / 1000),
          'total cpu': cpuTimespan(cpuMs),
        },
        memory: { peak_per_node: process.memoryUsage.rss() },
      },
      dataset_statistics: [{ table_row_count: rowCount, table_size: text.length }],
    }
    let parsed = formatted
    let joined: string | undefined
    const json = () => (joined ??= joinJsonArray(text))
    return {
      ok: true,
      schema: q.schema,
      get results() {
        return (parsed ??= JSON.parse(json()) as Record<string, unknown>[])
      },
      resultsText: text,
      get resultsJson() {
        return json()
      },
      ...(encoder === 'both' ? { jsResults: formatRows(rows, q.schema) } : {}),
      rowCount,
      stats,
      render: q.render,
      deterministic: q.deterministic,
      cpuMs,
      sql: q.sql,
    }
  } finally {
    clearTimeout(timer)
    input.signal?.removeEventListener('abort', onCallerAbort)
  }
}
