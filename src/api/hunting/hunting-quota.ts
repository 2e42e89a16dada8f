import type { Clock } from '../../core/clock.js'
import type { Db } from '../../store/db.js'

export interface QuotaLimits {
  cpuSecondsPerHour: number
  cpuSecondsPerDay: number
}

export type QuotaDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; window: 'hour' | 'day'; limit: number }

const WINDOWS = [
  ['day', 86_400],
  ['hour', 3_600],
] as const

/**
 * Per-tenant CPU-time budget of hunting queries (running time per hour and per day, as the MDE API
 * documents). The counters live in the store (the API module's `rate_limit_counters` table, buckets
 * `hunting-cpu|<window seconds>`, counts in milliseconds), so every API node over one database draws
 * from the same budget. Fixed windows on the Clock.
 */
export class HuntingQuota {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly limits: QuotaLimits,
  ) {}

  #windows() {
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    return WINDOWS.map(([window, seconds]) => {
      const start = Math.floor(nowSec / seconds) * seconds
      const limit = window === 'day' ? this.limits.cpuSecondsPerDay : this.limits.cpuSecondsPerHour
      return { window, bucket: `hunting-cpu|${seconds}`, start, end: start + seconds, limit, nowSec }
    })
  }

  async check(tenantId: string): Promise<QuotaDecision> {
    for (const w of this.#windows()) {
      const rows = await this.db.query<{ count: number | bigint }>(
        'SELECT "count" FROM rate_limit_counters WHERE "tenantId" = $1 AND "bucket" = $2 AND "windowStart" = $3',
        [tenantId, w.bucket, w.start],
      )
      const usedMs = Number(rows[0]?.count ?? 0)
      if (usedMs >= w.limit * 1000)
        return {
          ok: false,
          window: w.window,
          limit: w.limit,
          retryAfterSeconds: Math.max(1, w.end - w.nowSec),
        }
    }
    return { ok: true }
  }

  /** Adds a query's CPU milliseconds to the tenant's hour and day windows (one atomic upsert each). */
  async charge(tenantId: string, ms: number): Promise<void> {
    const add = Math.max(1, Math.round(ms))
    for (const w of this.#windows())
      await this.db.execute(
        `INSERT INTO rate_limit_counters ("tenantId", "bucket", "windowStart", "count", "expiresAt")
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ("tenantId", "bucket", "windowStart") DO UPDATE SET "count" = rate_limit_counters."count" + $4`,
        [tenantId, w.bucket, w.start, add, w.end],
      )
  }
}
