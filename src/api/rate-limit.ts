import { readFileSync } from 'node:fs'
import type { Clock } from '../core/clock.js'
import { ConfigError } from '../core/errors.js'
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

/**
 * Fixed-window counters per (tenant, application, route family, window) kept in the store, so every API
 * node over one database draws from the same quota. One atomic upsert of every window per call.
 */
export class RateLimiter {
  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly profile: RateLimitProfile | null,
  ) {}

  limitsFor(family: string): RateLimit | null {
    if (!this.profile) return null
    return this.profile.families[family] ?? this.profile.default
  }

  async check(tenantId: string, appId: string, family: string): Promise<RateDecision> {
    const limits = this.limitsFor(family)
    if (!limits) return { ok: true }
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    const windows = (
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
    const rows = await this.#count(tenantId, windows)
    for (const w of windows) {
      const count = Number(rows.find((r) => r.bucket === w.bucket)?.count ?? 0)
      if (count > w.limit)
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
   * Adds this call to every window's counter and returns the counts. PostgreSQL: one atomic upsert.
   * DuckDB runs an upsert (or UPDATE … RETURNING) ~5x slower than a plain UPDATE, and every API call
   * pays for this, so there: UPDATE, then read the counters (a call that lands between the two is
   * counted in both readings — conservative by one at the limit; a DuckDB store has one process);
   * only a window's first call inserts its counter (an upsert, so two first calls both count).
   */
  async #count(
    tenantId: string,
    windows: readonly { bucket: string; start: number; end: number }[],
  ): Promise<{ bucket: string; count: number }[]> {
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
