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
  readonly #pending = new Set<Promise<void>>()

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

  /** One statement for both windows (every API call pays for it). */
  async check(tenantId: string): Promise<QuotaDecision> {
    const ws = this.#windows()
    const rows = await this.db.query<{ bucket: string; count: number | bigint }>(
      `SELECT "bucket", "count" FROM rate_limit_counters WHERE "tenantId" = $1 AND (${ws
        .map((_, i) => `("bucket" = $${2 * i + 2} AND "windowStart" = $${2 * i + 3})`)
        .join(' OR ')})`,
      [tenantId, ...ws.flatMap((w) => [w.bucket, w.start])],
    )
    for (const w of ws) {
      const usedMs = Number(rows.find((r) => r.bucket === w.bucket)?.count ?? 0)
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

  /**
   * `charge` off the caller's path (the API charges after it has answered): failures go to `onError`;
   * `settled()` waits for every charge started so far (shutdown).
   */
  chargeLater(tenantId: string, ms: number, onError: (err: unknown) => void): void {
    const p: Promise<void> = this.charge(tenantId, ms)
      .catch(onError)
      .finally(() => this.#pending.delete(p))
    this.#pending.add(p)
  }

  async settled(): Promise<void> {
    await Promise.all([...this.#pending])
  }

  /**
   * Adds a query's CPU milliseconds to the tenant's hour and day windows. Every API call pays for this,
   * and DuckDB runs a plain UPDATE ~5x faster than an upsert or UPDATE … RETURNING, so: one UPDATE of
   * the existing counters; only when a window has no counter yet (its first query) an INSERT … ON
   * CONFLICT DO NOTHING creates the missing ones with this query's time. (Two nodes creating the same
   * window's counter at the same instant may drop one query's milliseconds; nothing else is lost.)
   */
  async charge(tenantId: string, ms: number): Promise<void> {
    const add = Math.max(1, Math.round(ms))
    const ws = this.#windows()
    const updated = await this.db.execute(
      `UPDATE rate_limit_counters SET "count" = "count" + $2 WHERE "tenantId" = $1 AND (${ws
        .map((_, i) => `("bucket" = $${2 * i + 3} AND "windowStart" = $${2 * i + 4})`)
        .join(' OR ')})`,
      [tenantId, add, ...ws.flatMap((w) => [w.bucket, w.start])],
    )
    if (updated >= ws.length) return
    await this.db.execute(
      `INSERT INTO rate_limit_counters ("tenantId", "bucket", "windowStart", "count", "expiresAt")
       VALUES ${ws.map((_, i) => `($1, $${3 * i + 3}, $${3 * i + 4}, $2, $${3 * i + 5})`).join(', ')}
       ON CONFLICT ("tenantId", "bucket", "windowStart") DO NOTHING`,
      [tenantId, add, ...ws.flatMap((w) => [w.bucket, w.start, w.end])],
    )
  }
}
