import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import { allEntities } from '../schema/entities/index.js'
import type { EntityDef, FieldDef } from '../schema/catalogue-types.js'
import { demoTenantId } from '../schema/demo-tenant.js'
import { huntingTables } from '../schema/hunting-tables.js'
import { quoteIdent } from '../sql/quote.js'
import type { BulkBatch, BulkWriter, Db, SqlValue } from '../store/db.js'
import type { EntityTableRows } from './entities.js'
import { generateDemo, isProgress, type GenerateResult } from './generate.js'
import { DEMO_STATE_TABLE } from './migrations.js'
import { insertObservations } from './observations.js'
import type { ColumnBatch } from './sink.js'
import { DEMO_GENERATOR_VERSION } from './tenant.js'

export interface DemoLoadOptions {
  seed: number
  devices: number
  clock: Clock
  log: Logger
  /** Another node's `loading` claim older than this is taken over (PostgreSQL; DuckDB has one process). */
  staleAfterMs?: number
  batchRows?: number
}

export interface DemoLoadOutcome {
  tenantId: string
  action: 'present' | 'loaded'
  rows: number
  counts: Record<string, number>
}

interface StateRow {
  seed: number
  devices: number
  version: number
  status: string
  owner: string
  heartbeatAt: Date
}

/** Entity tables the demo writes (and wipes before a reload). */
export const DEMO_ENTITY_TABLES = [
  'machines',
  'alerts',
  'alert_evidence',
  'machine_actions',
  'indicators',
  'investigations',
  'files',
  'mde_users',
  'machine_logons',
  'software',
  'machine_software',
  'vulnerabilities',
  'machine_vulnerabilities',
  'recommendations',
  'machine_recommendations',
  'observations',
] as const

const now = (clock: Clock) => new Date(clock.nowMs())

async function readState(db: Db, tenantId: string): Promise<StateRow | undefined> {
  const rows = await db.query<StateRow>(
    `SELECT "seed", "devices", "version", "status", "owner", "heartbeatAt" FROM ${DEMO_STATE_TABLE} WHERE "tenantId" = $1`,
    [tenantId],
  )
  return rows[0]
}

const isCurrent = (s: StateRow | undefined, o: DemoLoadOptions) =>
  !!s &&
  s.status === 'complete' &&
  Number(s.seed) === o.seed &&
  Number(s.devices) === o.devices &&
  Number(s.version) === DEMO_GENERATOR_VERSION

/**
 * Claims the right to (re)load the demo tenant. Returns false when another node is loading it and
 * has finished by the time we stop waiting (the caller then finds it complete).
 */
async function claim(
  db: Db,
  tenantId: string,
  owner: string,
  o: DemoLoadOptions,
): Promise<'claimed' | 'present'> {
  const stale = o.staleAfterMs ?? 30_000
  for (;;) {
    const claimed = await db.transaction(async (tx) => {
      if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [7_061_912_399])
      const s = await readState(tx, tenantId)
      if (isCurrent(s, o)) return 'present' as const
      const fresh =
        s &&
        s.status === 'loading' &&
        tx.dialect === 'postgres' &&
        o.clock.nowMs() - new Date(s.heartbeatAt).getTime() < stale
      if (fresh) return 'wait' as const
      await tx.execute(`DELETE FROM ${DEMO_STATE_TABLE} WHERE "tenantId" = $1`, [tenantId])
      await tx.execute(
        `INSERT INTO ${DEMO_STATE_TABLE} ("tenantId", "seed", "devices", "version", "windowEnd", "status", "owner", "heartbeatAt") VALUES ($1, $2, $3, $4, $5, 'loading', $6, $5)`,
        [tenantId, o.seed, o.devices, DEMO_GENERATOR_VERSION, now(o.clock), owner],
      )
      return 'claimed' as const
    })
    if (claimed !== 'wait') return claimed
    o.log.info({ tenantId }, 'demo: another node is loading the demo tenant; waiting')
    await new Promise((r) => setTimeout(r, 1000))
  }
}

async function wipe(db: Db, tenantId: string, log: Logger): Promise<void> {
  log.info({ tenantId }, 'demo: removing any partial demo data of the tenant')
  for (const t of huntingTables) await db.execute(`DELETE FROM "${t.name}" WHERE "TenantId" = $1`, [tenantId])
  for (const t of DEMO_ENTITY_TABLES) await db.execute(`DELETE FROM ${t} WHERE "tenantId" = $1`, [tenantId])
}

function defaultValue(f: FieldDef): SqlValue {
  const d = f.default
  if (d === undefined) return null
  if (d === 'true' || d === 'false') return d === 'true'
  if (/^-?\d+(\.\d+)?$/.test(d)) return Number(d)
  const m = /^'(.*)'$/.exec(d)
  return m ? m[1]!.replace(/''/g, "'") : null
}

function encode(v: unknown, f: FieldDef): SqlValue {
  if (v === undefined) return defaultValue(f)
  if (v === null || v instanceof Date) return v
  if (f.type === 'json' || f.type === 'string[]') return JSON.stringify(v)
  if (typeof v === 'object') return JSON.stringify(v)
  return v as SqlValue
}

/** Inserts entity rows with multi-row INSERTs (all catalogue fields; missing ones get their default). */
async function insertEntities(tx: Db, t: EntityTableRows): Promise<void> {
  if (t.rows.length === 0) return
  const def: EntityDef | undefined = allEntities.find((e) => e.table === t.table)
  if (!def) throw new Error(`demo: no catalogue entity for table ${t.table}`)
  const fields = Object.entries(def.fields)
  const cols = fields.map(([n]) => `"${n}"`).join(', ')
  const per = Math.max(1, Math.floor(20_000 / fields.length))
  for (let i = 0; i < t.rows.length; i += per) {
    const chunk = t.rows.slice(i, i + per)
    const params: SqlValue[] = []
    const tuples = chunk.map((row) => {
      const ph = fields.map(([name, f]) => {
        params.push(encode(row[name], f))
        return `$${params.length}`
      })
      return `(${ph.join(', ')})`
    })
    await tx.execute(`INSERT INTO ${t.table} (${cols}) VALUES ${tuples.join(', ')}`, params)
  }
}

function toBulk(b: ColumnBatch): BulkBatch {
  return { table: b.table, columns: b.columns, data: b.data }
}

/**
 * Streams the generator's hunting batches into the store's bulk writer per table (both engines: a
 * writer borrows a connection only while it flushes, so all 27 tables can be open at once) and keeps
 * the heartbeat fresh; returns the generator's result. A failure aborts every writer.
 */
async function streamHunting(
  db: Db,
  gen: ReturnType<typeof generateDemo>,
  o: DemoLoadOptions,
  tenantId: string,
  owner: string,
): Promise<GenerateResult> {
  const writers = new Map<string, BulkWriter>()
  try {
    let lastPct = -1
    let r = gen.next()
    while (!r.done) {
      const item = r.value
      if (isProgress(item)) {
        const pct = Math.floor((item.done / item.total) * 100)
        if (pct >= lastPct + 10 || item.done === item.total) {
          lastPct = pct
          o.log.info(
            {
              demo: {
                percent: pct,
                devicesDone: Math.round((item.done / item.total) * o.devices),
                rows: item.rows,
              },
            },
            `demo load ${pct}% (${item.rows} rows)`,
          )
          await db.execute(
            `UPDATE ${DEMO_STATE_TABLE} SET "heartbeatAt" = $1 WHERE "tenantId" = $2 AND "owner" = $3`,
            [now(o.clock), tenantId, owner],
          )
        }
      } else {
        let w = writers.get(item.table)
        if (!w) writers.set(item.table, (w = db.bulkWriter(item.table, item.columns)))
        await w.write(toBulk(item))
      }
      r = gen.next()
    }
    await Promise.all([...writers.values()].map((w) => w.close()))
    return r.value
  } catch (err) {
    await Promise.all([...writers.values()].map((w) => w.abort().catch(() => undefined)))
    throw err
  }
}

/**
 * Makes sure the demo tenant of `seed` is fully present: does nothing when a complete marker with the
 * same seed/devices/generator version exists; otherwise wipes the tenant's demo rows (a crash may
 * have left a part) and loads everything, writing the marker last in the same transaction as the
 * entities. A `kill -9` at any point therefore leaves either the old complete state or no marker.
 */
export async function ensureDemo(db: Db, o: DemoLoadOptions): Promise<DemoLoadOutcome> {
  const tenantId = demoTenantId(o.seed)
  const owner = randomUUID()
  const before = await readState(db, tenantId)
  if (isCurrent(before, o)) {
    o.log.info({ tenantId, devices: o.devices, seed: o.seed }, 'demo: tenant already loaded')
    return { tenantId, action: 'present', rows: 0, counts: {} }
  }
  if ((await claim(db, tenantId, owner, o)) === 'present')
    return { tenantId, action: 'present', rows: 0, counts: {} }
  await wipe(db, tenantId, o.log)
  const started = o.clock.nowMs()
  const gen = generateDemo({
    seed: o.seed,
    devices: o.devices,
    nowMs: o.clock.nowMs(),
    shapes: huntingTables,
    ...(o.batchRows ? { batchRows: o.batchRows } : {}),
  })
  const result = await streamHunting(db, gen, o, tenantId, owner)
  // PostgreSQL plans from table statistics, which autovacuum gathers only some time after a bulk load:
  // the first hunts after a fresh load would be planned on empty-table estimates (a corpus join planned
  // that way ran into the time limit). DuckDB keeps its statistics as it loads.
  if (db.dialect === 'postgres') {
    const t0 = performance.now()
    for (const table of result.counts.keys()) await db.execute(`ANALYZE ${quoteIdent(table)}`)
    o.log.info({ demo: { analyzeMs: Math.round(performance.now() - t0) } }, 'demo: table statistics gathered')
  }
  const counts = Object.fromEntries(result.counts)
  const rows = [...result.counts.values()].reduce((a, b) => a + b, 0)
  const done = await db.transaction(async (tx) => {
    const s = await readState(tx, tenantId)
    if (!s || s.owner !== owner) return false
    for (const t of result.entities) await insertEntities(tx, t)
    await insertObservations(tx, tenantId)
    await tx.execute(
      `UPDATE ${DEMO_STATE_TABLE} SET "status" = 'complete', "rowCounts" = $1, "completedAt" = $2, "windowEnd" = $3 WHERE "tenantId" = $4 AND "owner" = $5`,
      [JSON.stringify(counts), now(o.clock), new Date(result.tenant.endMs), tenantId, owner],
    )
    return true
  })
  if (!done) throw new Error('demo: lost the load claim to another node')
  o.log.info(
    {
      demo: {
        tenantId,
        rows,
        devices: o.devices,
        alerts: result.alerts.length,
        seconds: (o.clock.nowMs() - started) / 1000,
      },
    },
    `demo tenant loaded: ${o.devices} devices, ${rows} hunting rows, ${result.alerts.length} alerts`,
  )
  return { tenantId, action: 'loaded', rows, counts }
}
