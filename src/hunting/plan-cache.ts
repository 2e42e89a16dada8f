/**
 * A small least-recently-used map for compiled hunting queries. Entries are immutable values (plans,
 * lowered SQL templates), so a hit can be shared by concurrent requests.
 */
export class LruCache<V> {
  readonly #entries = new Map<string, V>()
  hits = 0
  misses = 0

  constructor(readonly maxEntries: number) {}

  get(key: string): V | undefined {
    const v = this.#entries.get(key)
    if (v === undefined) {
      this.misses++
      return undefined
    }
    this.hits++
    this.#entries.delete(key)
    this.#entries.set(key, v)
    return v
  }

  set(key: string, value: V): void {
    if (this.maxEntries <= 0) return
    this.#entries.delete(key)
    this.#entries.set(key, value)
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done) break
      this.#entries.delete(oldest.value)
    }
  }

  get size(): number {
    return this.#entries.size
  }

  clear(): void {
    this.#entries.clear()
  }
}
