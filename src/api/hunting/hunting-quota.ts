import type { Clock } from '../../core/clock.js'

export interface QuotaLimits {
  cpuSecondsPerHour: number
  cpuSecondsPerDay: number
}

export type QuotaDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; window: 'hour' | 'day'; limit: number }

/**
 * Per-tenant CPU-time budget of hunting queries (running time per hour and per day, as the MDE API
 * documents). Counters are per process (fixed windows on the Clock); the call-rate limits (45/min,
 * 1,500/h) are the API module's store-backed limiter.
 */
export class HuntingQuota {
  readonly #used = new Map<string, { hour: number; hourStart: number; day: number; dayStart: number }>()

  constructor(
    private readonly clock: Clock,
    private readonly limits: QuotaLimits,
  ) {}

  #entry(tenantId: string) {
    const now = this.clock.nowMs()
    const hourStart = now - (now % 3_600_000)
    const dayStart = now - (now % 86_400_000)
    let e = this.#used.get(tenantId)
    if (!e) {
      e = { hour: 0, hourStart, day: 0, dayStart }
      this.#used.set(tenantId, e)
    }
    if (e.hourStart !== hourStart) Object.assign(e, { hour: 0, hourStart })
    if (e.dayStart !== dayStart) Object.assign(e, { day: 0, dayStart })
    return e
  }

  check(tenantId: string): QuotaDecision {
    const e = this.#entry(tenantId)
    const now = this.clock.nowMs()
    if (e.day >= this.limits.cpuSecondsPerDay * 1000)
      return {
        ok: false,
        window: 'day',
        limit: this.limits.cpuSecondsPerDay,
        retryAfterSeconds: Math.ceil((e.dayStart + 86_400_000 - now) / 1000),
      }
    if (e.hour >= this.limits.cpuSecondsPerHour * 1000)
      return {
        ok: false,
        window: 'hour',
        limit: this.limits.cpuSecondsPerHour,
        retryAfterSeconds: Math.ceil((e.hourStart + 3_600_000 - now) / 1000),
      }
    return { ok: true }
  }

  charge(tenantId: string, ms: number): void {
    const e = this.#entry(tenantId)
    e.hour += ms
    e.day += ms
  }
}
