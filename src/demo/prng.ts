/**
 * The demo's seeded pseudo-random generator (sfc32, 128-bit state). Never Math.random: the same seed
 * and the same labels always give the same sequence. `rngFor(seed, ...labels)` derives an independent
 * stream per label path, so generating one device (or one day) never shifts another one's values.
 */
export class Rng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a >>> 0
    this.#b = b >>> 0
    this.#c = c >>> 0
    this.#d = d >>> 0
    for (let i = 0; i < 12; i++) this.nextUint32()
  }

  nextUint32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0
    this.#d = (this.#d + 1) | 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) | 0
    this.#c = (this.#c << 21) | (this.#c >>> 11)
    this.#c = (this.#c + t) | 0
    return t >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296
  }

  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Picks by weight; `weights[i]` belongs to `items[i]`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0
    for (const w of weights) total += w
    let x = this.next() * total
    for (let i = 0; i < items.length; i++) {
      x -= weights[i]!
      if (x < 0) return items[i]!
    }
    return items[items.length - 1]!
  }

  /** `n` distinct items (or all of them when n ≥ length), in a random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const copy = [...items]
    const out: T[] = []
    while (out.length < n && copy.length) out.push(copy.splice(Math.floor(this.next() * copy.length), 1)[0]!)
    return out
  }

  /** Lower-case hex string of `chars` characters. */
  hex(chars: number): string {
    let s = ''
    while (s.length < chars) s += this.nextUint32().toString(16).padStart(8, '0')
    return s.slice(0, chars)
  }

  guid(): string {
    const h = this.hex(32)
    const v = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  /** Roughly normal (sum of uniforms), clamped to [lo, hi]. */
  around(mean: number, spread: number, lo = -Infinity, hi = Infinity): number {
    const x = mean + (this.next() + this.next() + this.next() - 1.5) * spread
    return Math.min(hi, Math.max(lo, x))
  }
}

/** 32-bit FNV-1a of a string, then avalanche-mixed. */
export function hash32(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35) >>> 0
  h ^= h >>> 16
  return h >>> 0
}

/** An independent stream for a seed and a label path, e.g. `rngFor(seed, 'device', 7, 'day', 3)`. */
export function rngFor(seed: number, ...labels: readonly (string | number)[]): Rng {
  const key = `${seed}|${labels.join('|')}`
  return new Rng(hash32(key, 1), hash32(key, 2), hash32(key, 3), hash32(key, 4))
}
