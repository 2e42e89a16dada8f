/**
 * A small bounded cache with per-entry expiry. Used for directory lookups on the token hot path and
 * for verified bearer tokens. Insertion order doubles as eviction order (oldest first).
 */
export class TtlCache<K, V> {
  #map = new Map<K, { value: V; expiresAt: number }>()

  constructor(
    readonly maxEntries: number,
    readonly now: () => number,
  ) {}

  get(key: K): V | undefined {
    const e = this.#map.get(key)
    if (!e) return undefined
    if (e.expiresAt <= this.now()) {
      this.#map.delete(key)
      return undefined
    }
    return e.value
  }

  set(key: K, value: V, expiresAt: number): void {
    if (this.#map.size >= this.maxEntries && !this.#map.has(key)) {
      const oldest = this.#map.keys().next()
      if (!oldest.done) this.#map.delete(oldest.value)
    }
    this.#map.set(key, { value, expiresAt })
  }

  delete(key: K): void {
    this.#map.delete(key)
  }

  clear(): void {
    this.#map.clear()
  }

  get size(): number {
    return this.#map.size
  }
}
