import { sharedPath } from '../helpers/shared.js'
import { readFileSync } from 'node:fs'
import { generateDemo, isProgress } from '../../src/demo/generate.js'
import { huntingTables } from '../../src/schema/hunting-tables.js'
import { demoTenantId } from '../../src/schema/demo-tenant.js'
import type { Db, SqlValue } from '../../src/store/db.js'
import type { ExternalFetcher } from '../../src/api/hunting/external-data.js'

export const DEMO_NOW_MS = Date.parse('2025-06-01T12:00:00Z')
export const DEMO_SEED = 7

/** Loads a small deterministic demo tenant (Helper 5's generator) into the hunting tables. */
export async function loadDemo(db: Db, devices: number): Promise<string> {
  const gen = generateDemo({
    seed: DEMO_SEED,
    devices,
    nowMs: DEMO_NOW_MS,
    shapes: huntingTables,
    batchRows: 5000,
  })
  let r = gen.next()
  while (!r.done) {
    const item = r.value
    if (!isProgress(item) && item.rows > 0) {
      if (db.dialect === 'duckdb')
        await db.bulkLoad({ table: item.table, columns: item.columns, data: item.data })
      else await insertRows(db, item.table, item.columns, item.data)
    }
    r = gen.next()
  }
  return demoTenantId(DEMO_SEED)
}

/** Plain multi-row INSERTs (PostgreSQL path of the test loader; independent of the store's COPY path). */
async function insertRows(
  db: Db,
  table: string,
  columns: readonly string[],
  data: unknown[][],
): Promise<void> {
  const n = data[0]?.length ?? 0
  const per = Math.max(1, Math.floor(30_000 / columns.length))
  const cell = (v: unknown): SqlValue => {
    if (v === undefined || v === null) return null
    if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '')
    if (typeof v === 'object') return JSON.stringify(v)
    return v as SqlValue
  }
  for (let start = 0; start < n; start += per) {
    const end = Math.min(n, start + per)
    const params: SqlValue[] = []
    const tuples: string[] = []
    for (let r = start; r < end; r++) {
      tuples.push(`(${columns.map((_, c) => `$${params.push(cell(data[c]![r]))}`).join(', ')})`)
    }
    await db.execute(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES ${tuples.join(', ')}`,
      params,
    )
  }
}

export interface CorpusQuery {
  id: string
  query: string
}

/** The dev corpus, read from ../shared beside the repository (CI has a copy there). */
export function readCorpus(): CorpusQuery[] {
  return readFileSync(sharedPath('data', 'hunting-queries-dev.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as CorpusQuery)
}

/** Stand-in for the internet in tests: deterministic CSV/text lines for any allow-listed URL. */
export const fakeFeed: ExternalFetcher = (url) => {
  const lines: string[] = []
  for (let i = 0; i < 25; i++)
    lines.push(
      [
        `10.0.${i}.${i + 1}`,
        `indicator-${i}.example`,
        'powershell.exe',
        `${i}`,
        `da39a3ee5e6b4b0d3255bfef95601890afd8070${i % 10}`,
      ].join(','),
    )
  return Promise.resolve(`${url.length % 2 ? 'header,a,b,c,d' : 'x,y,z,w,v'}\n${lines.join('\n')}\n`)
}

export function corpusUrls(queries: readonly CorpusQuery[]): string[] {
  const urls = new Set<string>()
  for (const q of queries)
    for (const m of q.query.matchAll(/h?@?["'](https?:\/\/[^"'\s]+)["']/g))
      urls.add(new URL(m[1]!).toString())
  return [...urls]
}
