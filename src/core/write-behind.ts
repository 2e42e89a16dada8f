/**
 * The timing of a write-behind buffer (counters kept in memory and written to the store later): a
 * scheduled write runs `delayMs` after the first `schedule()`, writes never overlap (each starts after the
 * one before it), and `flush()` writes now and resolves once that write is done. `write` must not throw:
 * it handles its own failures (keeping what it could not write and calling `schedule()` again).
 */
export class WriteBehind {
  #running: Promise<void> | null = null
  #timer: NodeJS.Timeout | null = null

  constructor(
    private readonly delayMs: number,
    private readonly write: () => Promise<void>,
  ) {}

  /** Asks for a write within `delayMs` (no-op while one is already scheduled). */
  schedule(): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => void this.flush(), this.delayMs)
    this.#timer.unref()
  }

  /** Writes now (after a write in progress); resolves once done. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const next = (this.#running ?? Promise.resolve()).then(() => this.write())
    const chained: Promise<void> = next.finally(() => {
      if (this.#running === chained) this.#running = null
    })
    this.#running = chained
    return next
  }
}
