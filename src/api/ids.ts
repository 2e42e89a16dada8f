import { randomInt } from 'node:crypto'
import type { Db } from '../store/db.js'

/** .NET ticks (100 ns since 0001-01-01) of a date, as MDE alert ids embed them. */
export function dotnetTicks(d: Date): string {
  return (BigInt(d.getTime()) * 10_000n + 621_355_968_000_000_000n).toString()
}

/** A new alert id in MDE's legacy shape: `da<ticks>_<signed int32>`. */
export function newAlertId(now: Date): string {
  return `da${dotnetTicks(now)}_${randomInt(-2_147_483_648, 2_147_483_647)}`
}

/**
 * Next value of a per-tenant counter (indicator ids, investigation ids, incident ids), atomic on every
 * store. `start` (or the function computing it, called only when the counter does not exist yet) is
 * the first value handed out.
 */
export async function nextCounter(
  db: Db,
  tenantId: string,
  name: string,
  start: number | (() => Promise<number>) = 1,
): Promise<number> {
  const key = `counter:${name}`
  let first = typeof start === 'number' ? start : 1
  if (typeof start === 'function') {
    const exists = await db.query('SELECT 1 AS x FROM api_state WHERE "tenantId" = $1 AND "name" = $2', [
      tenantId,
      key,
    ])
    if (exists.length === 0) first = await start()
  }
  const rows = await db.query<{ numberValue: number }>(
    `INSERT INTO api_state ("tenantId", "name", "numberValue") VALUES ($1, $2, $3)
     ON CONFLICT ("tenantId", "name") DO UPDATE SET "numberValue" = api_state."numberValue" + 1
     RETURNING "numberValue"`,
    [tenantId, key, first],
  )
  return Number(rows[0]!.numberValue)
}

/** 1 + the largest all-digits id in a table for a tenant (first value of a counter over existing rows). */
export async function nextNumericId(db: Db, table: string, tenantId: string): Promise<number> {
  const rows = await db.query<{ id: string }>(`SELECT "id" FROM "${table}" WHERE "tenantId" = $1`, [tenantId])
  let max = 0
  for (const r of rows) if (/^\d{1,15}$/.test(r.id)) max = Math.max(max, Number(r.id))
  return max + 1
}
