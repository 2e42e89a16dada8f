import type { Clock } from '../../core/clock.js'
import { WriteBehind } from '../../core/write-behind.js'
import type { Db } from '../../store/db.js'

export interface QuotaLimits {
  cpuSecondsPerHour: number
  cpuSecondsPerDay: number
}

/** How a node keeps in step with the store's counters (milliseconds of real time). */
export interface QuotaSync {
  /** A node reads the store's counters again once its reading of a tenant is this old (default 1000). */
  refreshMs: number
  /** Charges recorded by `chargeLater` reach the store within this long (default 1000). */
  flushMs: number
  /** Called with a failed write of charges (they are kept and retried with the next flush). */
  onError: (err: unknown) => void
  /** Monotonic milliseconds for the reading's age (tests step it; default performance.now). */
  now: () => number
}

export type QuotaDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; window: 'hour' | 'day'; limit: number }

const WINDOWS = [
  ['day', 86_400],
  ['hour', 3_600],
] as const

interface Window {
  window: 'day' | 'hour'
  bucket: string
  start: number
  end: number
  limit: number
  nowSec: number
}

/** A node's view of one tenant's counters: the store's values when read, plus this node's charges since. */
interface Reading {
  /** The windows' start times the reading is for (a new window needs a new reading). */
  key: string
  /** performance.now() when the read started. */
  at: number
  usedMs: number[]
}

/** This node's charges for one tenant's window: recorded, and written to the store. */
interface Ledger {
  end: number
  chargedMs: number
  flushedMs: number
}

/** Charges not yet in the store, per tenant and set of windows. */
interface Pending {
  tenantId: string
  windows: Window[]
  ms: number
}

/**
 * Per-tenant CPU-time budget of hunting queries (running time per hour and per day, as the MDE API
 * documents). The counters live in the store (the API module's `rate_limit_counters` table, buckets
 * `hunting-cpu|<window seconds>`, counts in milliseconds), so every API node over one database draws
 * from the same budget. Fixed windows on the Clock.
 *
 * Every hunting call checks and charges the budget, so neither touches the store on the call's path:
 * a node reads a tenant's counters at most once per `refreshMs` and adds its own charges to that reading
 * at once (one node is exact: its charges count from the next call on), and writes the charges it has
 * collected at most every `flushMs` (one UPDATE per tenant and flush, not one per query). Another
 * node's charges are seen within refreshMs + flushMs; until then the tenants of a deployment with N
 * nodes can overspend by what N−1 nodes run in that time — a budget of CPU seconds per hour or day
 * does not need more. A reading adds this node's charges not yet written when the read started (some
 * may be written while it runs and be in it already: an overcount for one refresh at worst, never an
 * undercount).
 */
export class HuntingQuota {
  readonly #sync: QuotaSync
  readonly #readings = new Map<string, Reading>()
  readonly #reads = new Map<string, Promise<Reading>>()
  readonly #ledgers = new Map<string, Ledger>()
  readonly #unflushed = new Map<string, Pending>()
  readonly #writes: WriteBehind

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly limits: QuotaLimits,
    sync: Partial<QuotaSync> = {},
  ) {
    this.#sync = {
      refreshMs: 1000,
      flushMs: 1000,
      onError: () => undefined,
      now: () => performance.now(),
      ...sync,
    }
    this.#writes = new WriteBehind(this.#sync.flushMs, () => this.#writeCollected())
  }

  #windows(): Window[] {
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    return WINDOWS.map(([window, seconds]) => {
      const start = Math.floor(nowSec / seconds) * seconds
      const limit = window === 'day' ? this.limits.cpuSecondsPerDay : this.limits.cpuSecondsPerHour
      return { window, bucket: `hunting-cpu|${seconds}`, start, end: start + seconds, limit, nowSec }
    })
  }

  /** Whether the tenant may run another query (answers from the node's reading while it is fresh). */
  async check(tenantId: string): Promise<QuotaDecision> {
    const ws = this.#windows()
    const key = keyOf(ws)
    let r = this.#readings.get(tenantId)
    if (!r || r.key !== key || this.#sync.now() - r.at > this.#sync.refreshMs)
      r = await this.#read(tenantId, ws, key)
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!
      if (r.usedMs[i]! >= w.limit * 1000)
        return {
          ok: false,
          window: w.window,
          limit: w.limit,
          retryAfterSeconds: Math.max(1, w.end - w.nowSec),
        }
    }
    return { ok: true }
  }

  /** One read per tenant at a time; concurrent checks share it. */
  #read(tenantId: string, ws: Window[], key: string): Promise<Reading> {
    const readKey = `${tenantId}\n${key}`
    let p = this.#reads.get(readKey)
    if (p) return p
    p = (async () => {
      const at = this.#sync.now()
      const ledgers = ws.map((w) => this.#ledger(tenantId, w))
      const flushedBefore = ledgers.map((l) => l.flushedMs)
      const rows = await this.db.query<{ bucket: string; count: number | bigint }>(
        `SELECT "bucket", "count" FROM rate_limit_counters WHERE "tenantId" = $1 AND (${ws
          .map((_, i) => `("bucket" = $${2 * i + 2} AND "windowStart" = $${2 * i + 3})`)
          .join(' OR ')})`,
        [tenantId, ...ws.flatMap((w) => [w.bucket, w.start])],
      )
      const reading: Reading = {
        key,
        at,
        usedMs: ws.map(
          (w, i) =>
            Number(rows.find((r) => r.bucket === w.bucket)?.count ?? 0) +
            ledgers[i]!.chargedMs -
            flushedBefore[i]!,
        ),
      }
      this.#readings.set(tenantId, reading)
      return reading
    })().finally(() => this.#reads.delete(readKey))
    this.#reads.set(readKey, p)
    return p
  }

  #ledger(tenantId: string, w: Window): Ledger {
    const k = `${tenantId}\n${w.bucket}\n${w.start}`
    let l = this.#ledgers.get(k)
    if (!l) {
      l = { end: w.end, chargedMs: 0, flushedMs: 0 }
      this.#ledgers.set(k, l)
    }
    return l
  }

  /**
   * Records a query's CPU milliseconds: this node's checks count them at once; the store gets them with
   * the next flush (within flushMs).
   */
  chargeLater(tenantId: string, ms: number): void {
    const add = Math.max(1, Math.round(ms))
    const ws = this.#windows()
    const key = keyOf(ws)
    for (const w of ws) this.#ledger(tenantId, w).chargedMs += add
    const r = this.#readings.get(tenantId)
    if (r && r.key === key) r.usedMs = r.usedMs.map((u) => u + add)
    const pkey = `${tenantId}\n${key}`
    const p = this.#unflushed.get(pkey)
    if (p) p.ms += add
    else this.#unflushed.set(pkey, { tenantId, windows: ws, ms: add })
    this.#writes.schedule()
  }

  /** Writes the collected charges now; resolves once they are in the store (failures: onError, kept). */
  flush(): Promise<void> {
    return this.#writes.flush()
  }

  async #writeCollected(): Promise<void> {
    const batch = [...this.#unflushed.values()]
    this.#unflushed.clear()
    for (const p of batch)
      try {
        await this.#write(p.tenantId, p.ms, p.windows)
        for (const w of p.windows) this.#ledger(p.tenantId, w).flushedMs += p.ms
      } catch (err) {
        this.#sync.onError(err)
        // Kept for the next flush (merged with newer charges for the same windows).
        const k = `${p.tenantId}\n${keyOf(p.windows)}`
        const q = this.#unflushed.get(k)
        if (q) q.ms += p.ms
        else this.#unflushed.set(k, p)
      }
    const nowSec = Math.floor(this.clock.nowMs() / 1000)
    for (const [k, l] of this.#ledgers) if (l.end <= nowSec) this.#ledgers.delete(k)
    if (this.#unflushed.size) this.#writes.schedule()
  }

  /** Shutdown: every recorded charge is written (one attempt). */
  async settled(): Promise<void> {
    await this.flush()
  }

  /** Adds CPU milliseconds to the tenant's current hour and day windows in the store, now. */
  async charge(tenantId: string, ms: number): Promise<void> {
    await this.#write(tenantId, Math.max(1, Math.round(ms)), this.#windows())
  }

  /**
   * DuckDB runs a plain UPDATE ~5x faster than an upsert or UPDATE … RETURNING, so: one UPDATE of the
   * existing counters; only when a window has no counter yet (its first query) an INSERT … ON CONFLICT
   * DO NOTHING creates the missing ones. (Two nodes creating the same window's counter at the same
   * instant may drop one write's milliseconds; nothing else is lost.)
   */
  async #write(tenantId: string, add: number, ws: Window[]): Promise<void> {
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

function keyOf(ws: readonly Window[]): string {
  return ws.map((w) => w.start).join(',')
}
