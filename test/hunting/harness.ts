import { ManualClock } from '../../src/core/clock.js'
import { runHuntingQuery, type RunQueryOutcome } from '../../src/api/hunting/run-query.js'
import type { ExternalFetcher } from '../../src/api/hunting/external-data.js'
import {
  HuntingEngine,
  huntingTableDdl,
  pgHelperFunctionsSql,
  type HuntingScope,
} from '../../src/hunting/index.js'
import type { Db } from '../../src/store/db.js'
import type { TestBackend } from '../helpers/stores.js'

export const TENANT = '11111111-2222-3333-4444-555555555555'
export const NOW = '2025-06-01T12:00:00Z'

/** Opens a backend and creates the hunting tables (and the PostgreSQL helper functions). */
export async function openHuntingDb(b: TestBackend): Promise<Db> {
  const db = await b.open()
  await db.executeScript(huntingTableDdl(db.dialect))
  if (db.dialect === 'postgres') await db.executeScript(pgHelperFunctionsSql)
  return db
}

export interface KqlOptions {
  scope?: HuntingScope
  clock?: ManualClock
  rowLimit?: number
  timeoutMs?: number
  resultBytesLimit?: number
  allowList?: string[]
  fetcher?: ExternalFetcher
}

const noFetch: ExternalFetcher = () => Promise.reject(new Error('no network in tests'))

export function kql(db: Db, query: string, o: KqlOptions = {}): Promise<RunQueryOutcome> {
  return runHuntingQuery({
    db,
    engine: HuntingEngine.shared(),
    clock: o.clock ?? new ManualClock(NOW),
    query,
    scope: o.scope ?? { tenantId: TENANT, deviceIds: null },
    limits: {
      rowLimit: o.rowLimit ?? 100_000,
      timeoutMs: o.timeoutMs ?? 60_000,
      resultBytesLimit: o.resultBytesLimit ?? 64 << 20,
    },
    external: { allowList: o.allowList ?? [], maxBytes: 1 << 20, timeoutMs: 5000, maxRows: 100_000 },
    fetcher: o.fetcher ?? noFetch,
  })
}

/** Runs a query that must succeed and returns its rows. */
export async function rows(db: Db, query: string, o: KqlOptions = {}): Promise<Record<string, unknown>[]> {
  const r = await kql(db, query, o)
  if (!r.ok) throw new Error(`${r.code}: ${r.message}\n${query}`)
  return r.results
}
