import { createHash } from 'node:crypto'
import { huntingTables } from '../schema/hunting-tables.js'
import { generateDemo, isProgress, type GenerateResult } from './generate.js'
import type { ColumnBatch } from './sink.js'

/** Pinned clock for tests: the window is 2025-02-25T10:00Z … 2025-03-04T10:00Z. */
export const TEST_NOW = Date.parse('2025-03-04T10:30:00Z')

export interface Collected {
  result: GenerateResult
  batches: ColumnBatch[]
}

/** Runs the generator to completion, keeping every batch (small tenants only). */
export function collect(seed: number, devices: number, nowMs = TEST_NOW): Collected {
  const batches: ColumnBatch[] = []
  const gen = generateDemo({ seed, devices, nowMs, shapes: huntingTables })
  let r = gen.next()
  while (!r.done) {
    if (!isProgress(r.value)) batches.push(r.value)
    r = gen.next()
  }
  return { result: r.value, batches }
}

/** Rows of one table as objects (only the named columns). */
export function rowsOf(c: Collected, table: string, columns: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const b of c.batches) {
    if (b.table !== table) continue
    const idx = columns.map((name) => b.columns.indexOf(name))
    for (let r = 0; r < b.rows; r++) {
      const o: Record<string, unknown> = {}
      columns.forEach((name, i) => (o[name] = b.data[idx[i]!]![r]))
      out.push(o)
    }
  }
  return out
}

/** sha256 per table over every value in order (Dates as ISO text). */
export function tableHashes(c: Collected): Map<string, string> {
  const hashes = new Map<string, ReturnType<typeof createHash>>()
  for (const b of c.batches) {
    let h = hashes.get(b.table)
    if (!h) hashes.set(b.table, (h = createHash('sha256')))
    for (let r = 0; r < b.rows; r++)
      for (const col of b.data) {
        const v = col[r]
        h.update(v instanceof Date ? v.toISOString() : (JSON.stringify(v) ?? 'u'))
        h.update('\u0001')
      }
  }
  return new Map([...hashes].map(([t, h]) => [t, h.digest('hex')]))
}
