import type { Clock } from '../core/clock.js'
import type { Principal } from '../identity/principal.js'

interface Entry {
  payload: string
  until: number
  generation: number
}

/**
 * A short-lived cache of serialised GET responses, per tenant and per caller view (application,
 * device groups, indicator scope, host called). Any write through this API node bumps the tenant's
 * generation (its entries die at once); the machine-action driver does the same for its transitions.
 * Writes made by another node or directly in the store become visible after at most `ttlMs` — the same
 * eventual consistency MDE's own API shows. `ttlMs` 0 turns the cache off.
 */
export class ReadCache {
  readonly #entries = new Map<string, Entry>()
  readonly #generations = new Map<string, number>()

  constructor(
    readonly clock: Clock,
    readonly ttlMs: number,
    readonly maxEntries = 2000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0
  }

  static key(p: Principal, host: string, url: string): string {
    const groups = p.deviceGroupIds === null ? '*' : [...p.deviceGroupIds].sort((a, b) => a - b).join(',')
    const ti = p.permissions.has('Ti.ReadWrite.All') ? 'T' : 't'
    return `${p.tenantId}|${p.appId}|${p.kind}|${groups}|${ti}|${host}|${url}`
  }

  generation(tenantId: string): number {
    return this.#generations.get(tenantId) ?? 0
  }

  get(tenantId: string, key: string): string | undefined {
    const e = this.#entries.get(key)
    if (!e) return undefined
    if (e.until <= this.clock.nowMs() || e.generation !== (this.#generations.get(tenantId) ?? 0)) {
      this.#entries.delete(key)
      return undefined
    }
    return e.payload
  }

  /** Stores a response computed from data as of `generation` (taken when the request started). */
  set(key: string, payload: string, generation: number): void {
    if (!this.enabled) return
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(key, { payload, until: this.clock.nowMs() + this.ttlMs, generation })
  }

  invalidate(tenantId: string): void {
    this.#generations.set(tenantId, (this.#generations.get(tenantId) ?? 0) + 1)
  }
}
