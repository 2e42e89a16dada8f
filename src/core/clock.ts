/**
 * Every component that needs "now" reads it from a Clock, so tests and the demo generator can pin time.
 * `ago()`, `now()` in KQL, token lifetimes, action lifecycles and demo timestamps all go through it.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number
  now(): Date
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  now: () => new Date(),
}

/** A clock that stands still at a given instant until moved; for tests. */
export class ManualClock implements Clock {
  #ms: number
  constructor(start: Date | number | string) {
    this.#ms = typeof start === 'number' ? start : new Date(start).getTime()
  }
  nowMs(): number {
    return this.#ms
  }
  now(): Date {
    return new Date(this.#ms)
  }
  set(at: Date | number | string): void {
    this.#ms = typeof at === 'number' ? at : new Date(at).getTime()
  }
  advance(ms: number): void {
    this.#ms += ms
  }
}

/** A clock that runs at real speed from a chosen starting instant (BULWARK clock offset). */
export function offsetClock(start: Date | number | string): Clock {
  const offset = new Date(start).getTime() - Date.now()
  return { nowMs: () => Date.now() + offset, now: () => new Date(Date.now() + offset) }
}
