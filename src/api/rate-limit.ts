import { readFileSync } from 'node:fs'
import type { Clock } from '../core/clock.js'
import { ConfigError } from '../core/errors.js'
import { WriteBehind } from '../core/write-behind.js'
import type { Db } from '../store/db.js'

export interface RateLimit {
  perMinute?: number
  perHour?: number
}

export interface RateLimitProfile {
  /** Applies to every route family not listed in `families` (each family has its own counters). */
  default: RateLimit
  families: Record<string, RateLimit>
}

/** MDE's documented quotas per application and tenant (mde-api.md §1.7). */
export const MDE_RATE_LIMITS: RateLimitProfile = {
  default: { perMinute: 100, perHour: 1500 },
  families: {
    'alerts.batchUpdate': { perMinute: 10, perHour: 500 },
    'alerts.createByReference': { perMinute: 15 },
    'indicators.import': { perMinute: 30 },
    'indicators.batchDelete': { perMinute: 30, perHour: 1500 },
    'machines.liveResponse': { perMinute: 10 },
    'machineActions.packageUri': { perMinute: 2, perHour: 120 },
    'machines.startInvestigation': { perHour: 50 },
    'machines.vulnerabilities': { perMinute: 50, perHour: 1500 },
    'advancedQueries.run': { perMinute: 45, perHour: 1500 },
  },
}

/** Loads `rateLimits` config: `mde` (documented quotas), `off`, or `custom` (a JSON file shaped like RateLimitProfile). */
export function rateLimitProfile(cfg: {
  profile: 'mde' | 'off' | 'custom'
  file?: string | undefined
}): RateLimitProfile | null {
  if (cfg.profile === 'off') return null
  if (cfg.profile === 'mde') return MDE_RATE_LIMITS
  if (!cfg.file) throw new ConfigError('rateLimits.file is required when rateLimits.profile is "custom"')
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(cfg.file, 'utf8'))
  } catch (err) {
    throw new ConfigError(`rateLimits.file ${cfg.file}: ${err instanceof Error ? err.message : String(err)}`)
  }
  const obj = raw as Partial<RateLimitProfile>
  const check = (l: unknown, where: string): RateLimit => {
    if (typeof l !== 'object' || l === null)
      throw new ConfigError(`rateLimits.file: ${where} must be an object`)
    const r = l as Record<string, unknown>
    for (const k of Object.keys(r)) {
      const v = r[k]
      if ((k !== 'perMinute' && k !== 'perHour') || typeof v !== 'number' || !(v >= 0))
        throw new ConfigError(
          `rateLimits.file: ${where}.${k} must be perMinute/perHour with a non-negative number`,
        )
    }
    return r
  }
  const families: Record<string, RateLimit> = {}
  for (const [k, v] of Object.entries(obj.families ?? {})) families[k] = check(v, `families.${k}`)
  return { default: check(obj.default ?? MDE_RATE_LIMITS.default, 'default'), families }
}

export type RateDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; limit: number; window: 'minute' | 'hour' }

/** How a node counts: in the store on every call, or in memory with the store written behind. */
export type RateLimitMode = 'store' | 'local'

export interface RateLimiterSync {
  /**
   * `store` (PostgreSQL default): one atomic upsert per call, so every API node over one database draws
   * from the same counters exactly. `local` (DuckDB default): a DuckDB store is opened by one process,
   * so that process counts in memory — exact, with no store round trip on the call's path — and writes
   * its counts behind (within `flushMs`) so a restart inside a window goes on from them.
   */
  mode: RateLimitMode
  /** `local`: counts reach the store within this long (default 1000). */
  flushMs: number
  /** `local`: called with a failed write of counts (they are kept and retried with the next flush). */
  onError: (err: unknown) => void
}

interface Window {
  window: 'minute' | 'hour'
  limit: number
  bucket: string
  start: number
  end: number
}

/** `local` mode: one window's counter of one tenant. */
interface LocalCounter {
  tenantId: string
  bucket: string
  start: number
  end: number
  /** The store's count when first read (calls of an earlier run of this process in the window). */
  base: number | null
  /** Resolves once `base` is read (shared by the window's first calls). */
  loading: Promise<void> | null
  /** Calls this process counted in the window. */
  count: number
  /** How many of them are in the store. */
  flushed: number
}

/**
 * `local` mode's counters of one store handle. Every RateLimiter over the same `Db` object shares them
 * (two API modules in one process over one DuckDB count together, as they would through the store).
 */
class LocalCounters {
  readonly #counters = new Map<string, LocalCounter>()
  readonly #writes: WriteBehind

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly sync: Pick<RateLimiterSync, 'flushMs' | 'onError'>,
  ) {
    this.#writes = new WriteBehind(sync.flushMs, () => this.#write())
  }

  /**
   * Counts the call in memory (synchronously, so concurrent calls are numbered in arrival order) and
   * returns its number in each window: the store's count read at the window's first call plus this
   * process's calls so far. Only a window's first calls wait (for that one read).
   */
  async count(tenantId: string, windows: readonly Window[]): Promise<number[]> {
    const counters = windows.map((w) => this.#counter(tenantId, w))
    const mine = counters.map((c) => ++c.count)
    this.#writes.schedule()
    for (const c of counters) if (c.base === null) await c.loading
    return counters.map((c, i) => c.base! + mine[i]!)
  }

  #counter(tenantId: string, w: Window): LocalCounter {
    const key = `${tenantId}\n${w.bucket}\n${w.start}`
    const have = this.#counters.get(key)
    if (have) return have
    const counter: LocalCounter = {
      tenantId,
      bucket: w.bucket,
      start: w.start,
      end: w.end,
      base: null,
      loading: null,
      count: 0,
      flushed: 0,
    }
    counter.loading = this.db
      .query<{ count: number | bigint }>(
        'SELECT "count" FROM rate_limit_counters WHERE "tenantId" = $1 AND "bucket" = $2 AND "windowStart" = $3',
        [tenantId, w.bucket, w.start],
      )
      .then(
        (rows) => {
          counter.base = Number(rows[0]?.count ?? 0)
          counter.loading = null
        },
        (err: unknown) => {
          // Not counted: the calls waiting on the read fail, the next call reads again.
          if (this.#counters.get(key) === counter) this.#counters.delete(key)
          throw err
        },
      )
    this.#counters.set(key, counter)
    return counter
  }

  /** Writes the counts not yet in the store (one statement); drops written counters of ended windows. */
  flush(): Promise<void> {
    return this.#writes.flush()
  }

  async #write(): Promise<void> {
    const batch = [...this.#counters.values()]
      .filter((c) => c.base !== null && c.count > c.flushed)
      .map((c) => ({ c, upTo: c.count }))
    if (batch.length)
      try {
        await this.db.execute(
          `INSERT INTO rate_limit_counters ("tenantId", "bucket", "windowStart", "count", "expiresAt")
             VALUES ${batch.map((_, i) => `($${5 * i + 1}, $${5 * i + 2}, $${5 * i + 3}, $${5 * i + 4}, $${5 * i + 5})`).join(', ')}
             ON CONFLICT ("tenantId", "bucket", "windowStart") DO UPDATE SET "count" = rate_limit_counters."count" + EXCLUDED."count"`,
          batch.flatMap(({ c, upTo }) => [c.tenantId, c.bucket, c.start, upTo - c.flushed, c.end]),
        )
        for (const { c, upTo } of batch) c.flushed = upTo
      } catch (err) {
        this.sync.onError(err)
      }
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    for (const [k, c] of this.#counters)
      if (c.end <= nowSec && c.count === c.flushed && c.base !== null) this.#counters.delete(k)
    if ([...this.#counters.values()].some((c) => c.count > c.flushed)) this.#writes.schedule()
  }
}

const localCounters = new WeakMap<Db, LocalCounters>()

/**
 * Fixed-window counters per (tenant, application, route family, window) kept in the store, so every API
 * node over one database draws from the same quota (`store` mode: one atomic upsert per call), or, on a
 * store only one process can open (DuckDB), counted by that process in memory and written behind
 * (`local` mode).
 */
export class RateLimiter {
  readonly mode: RateLimitMode
  readonly #local: LocalCounters | null

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly profile: RateLimitProfile | null,
    sync: Partial<RateLimiterSync> = {},
  ) {
    this.mode = sync.mode ?? (db.dialect === 'duckdb' ? 'local' : 'store')
    if (this.mode === 'local') {
      let local = localCounters.get(db)
      if (!local) {
        local = new LocalCounters(db, clock, {
          flushMs: sync.flushMs ?? 1000,
          onError: sync.onError ?? (() => undefined),
        })
        localCounters.set(db, local)
      }
      this.#local = local
    } else this.#local = null
  }

  limitsFor(family: string): RateLimit | null {
    if (!this.profile) return null
    return this.profile.families[family] ?? this.profile.default
  }

  async check(tenantId: string, appId: string, family: string): Promise<RateDecision> {
    const limits = this.limitsFor(family)
    if (!limits) return { ok: true }
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    const windows: Window[] = (
      [
        ['minute', 60, limits.perMinute],
        ['hour', 3600, limits.perHour],
      ] as const
    )
      .filter((w) => w[2] !== undefined)
      .map(([window, seconds, limit]) => {
        const start = Math.floor(nowSec / seconds) * seconds
        return { window, limit: limit!, bucket: `${appId}|${family}|${seconds}`, start, end: start + seconds }
      })
    if (!windows.length) return { ok: true }
    const counts = this.#local
      ? await this.#local.count(tenantId, windows)
      : await this.#count(tenantId, windows).then((rows) =>
          windows.map((w) => Number(rows.find((r) => r.bucket === w.bucket)?.count ?? 0)),
        )
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!
      if (counts[i]! > w.limit)
        return {
          ok: false,
          retryAfterSeconds: Math.max(1, w.end - nowSec),
          limit: w.limit,
          window: w.window,
        }
    }
    return { ok: true }
  }

  /**
   * `local` mode: writes the counts not yet in the store now; resolves once they are in (a failure goes
   * to `onError` and the counts are kept for the next flush). A no-op in `store` mode.
   */
  flush(): Promise<void> {
    return this.#local ? this.#local.flush() : Promise.resolve()
  }

  /**
   * Adds this call to every window's counter and returns the counts. PostgreSQL: one atomic upsert.
   * DuckDB runs an upsert (or UPDATE … RETURNING) ~5x slower than a plain UPDATE, and every API call
   * pays for this, so there: UPDATE, then read the counters (a call that lands between the two is
   * counted in both readings — conservative by one at the limit; a DuckDB store has one process);
   * only a window's first call inserts its counter (an upsert, so two first calls both count).
   */
  async #count(tenantId: string, windows: readonly Window[]): Promise<{ bucket: string; count: number }[]> {
    const values = windows.map((_, i) => `($1, $${3 * i + 2}, $${3 * i + 3}, 1, $${3 * i + 4})`).join(', ')
    const params = [tenantId, ...windows.flatMap((w) => [w.bucket, w.start, w.end])]
    if (this.db.dialect !== 'duckdb')
      return this.db.query(
        `INSERT INTO rate_limit_counters ("tenantId", "bucket", "windowStart", "count", "expiresAt")
         VALUES ${values}
         ON CONFLICT ("tenantId", "bucket", "windowStart") DO UPDATE SET "count" = rate_limit_counters."count" + 1
         RETURNING "bucket", "count"`,
        params,
      )
    const match = windows
      .map((_, i) => `("bucket" = $${2 * i + 2} AND "windowStart" = $${2 * i + 3})`)
      .join(' OR ')
    const keys = [tenantId, ...windows.flatMap((w) => [w.bucket, w.start])]
    const updated = await this.db.execute(
      `UPDATE rate_limit_counters SET "count" = "count" + 1 WHERE "tenantId" = $1 AND (${match})`,
      keys,
    )
    if (updated < windows.length) {
      // A window's first call: its counter does not exist yet (this call was not counted in it).
      const have = new Set(
        (
          await this.db.query<{ bucket: string }>(
            `SELECT "bucket" FROM rate_limit_counters WHERE "tenantId" = $1 AND (${match})`,
            keys,
          )
        ).map((r) => r.bucket),
      )
      const missing = windows.filter((w) => !have.has(w.bucket))
      if (missing.length)
        await this.db.execute(
          `INSERT INTO rate_limit_counters ("tenantId", "bucket", "windowStart", "count", "expiresAt")
           VALUES ${missing.map((_, i) => `($1, $${3 * i + 2}, $${3 * i + 3}, 1, $${3 * i + 4})`).join(', ')}
           ON CONFLICT ("tenantId", "bucket", "windowStart") DO UPDATE SET "count" = rate_limit_counters."count" + 1`,
          [tenantId, ...missing.flatMap((w) => [w.bucket, w.start, w.end])],
        )
    }
    return this.db.query(
      `SELECT "bucket", "count" FROM rate_limit_counters WHERE "tenantId" = $1 AND (${match})`,
      keys,
    )
  }

  /** Deletes counters of windows that have ended. */
  async sweep(): Promise<number> {
    return this.db.execute('DELETE FROM rate_limit_counters WHERE "expiresAt" <= $1', [
      Math.floor(this.clock.nowMs() / 1000),
    ])
  }
}
