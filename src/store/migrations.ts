import { createHash } from 'node:crypto'
import { BulwarkError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { Db, Dialect } from './db.js'

/**
 * A versioned schema change. Ids sort lexically and are applied in that order, each in its own
 * transaction together with its bookkeeping row, so a crash leaves either all of it or none.
 * Modules own their migrations (`src/<module>/migrations.ts`) and the server passes the union here.
 */
export interface Migration {
  /** e.g. `0001-directory`; unique across all modules. */
  id: string
  /** SQL per dialect; several statements separated by semicolons. */
  sql: Record<Dialect, string> | ((dialect: Dialect) => string)
  /**
   * A repeatable migration is applied again whenever its SQL text changes (a checksum is kept in the
   * bookkeeping row). Its SQL must be idempotent (`IF NOT EXISTS`, additive only). The store uses it for
   * the pre-release catalogue sync (src/store/CONTEXT.md); ordinary migrations leave it unset.
   */
  repeatable?: boolean
}

export function migrationSql(m: Migration, dialect: Dialect): string {
  return typeof m.sql === 'function' ? m.sql(dialect) : m.sql[dialect]
}

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

const LOCK_KEY = 7_061_912_345

export async function migrate(db: Db, migrations: readonly Migration[], log?: Logger): Promise<string[]> {
  const sorted = [...migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i]!.id === sorted[i - 1]!.id) throw new Error(`duplicate migration id ${sorted[i]!.id}`)

  // All pending migrations go in one transaction: a crash leaves all of them or none. On PostgreSQL a
  // transaction-scoped advisory lock makes concurrent starts of several API nodes wait for each other.
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await tx.executeScript(
      'CREATE TABLE IF NOT EXISTS bulwark_migrations (id VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL);' +
        'ALTER TABLE bulwark_migrations ADD COLUMN IF NOT EXISTS checksum VARCHAR',
    )
    const rows = await tx.query<{ id: string; checksum: string | null }>(
      'SELECT id, checksum FROM bulwark_migrations',
    )
    const done = new Map(rows.map((r) => [r.id, r.checksum]))
    const known = new Set(sorted.map((m) => m.id))
    const unknown = [...done.keys()].filter((id) => !known.has(id)).sort()
    if (unknown.length)
      throw new BulwarkError(
        409,
        'StoreFromNewerVersion',
        `The store was written by a newer version of Bulwark (unknown migrations: ${unknown.join(', ')}). ` +
          'Upgrade Bulwark or point it at another data directory.',
      )
    const applied: string[] = []
    for (const m of sorted) {
      const text = migrationSql(m, tx.dialect)
      const sum = checksum(text)
      if (done.has(m.id) && (!m.repeatable || done.get(m.id) === sum)) continue
      log?.info(
        { migration: m.id },
        done.has(m.id) ? 're-applying changed repeatable migration' : 'applying migration',
      )
      await tx.executeScript(text)
      if (done.has(m.id))
        await tx.execute('UPDATE bulwark_migrations SET applied_at = $1, checksum = $2 WHERE id = $3', [
          new Date(),
          sum,
          m.id,
        ])
      else
        await tx.execute('INSERT INTO bulwark_migrations (id, applied_at, checksum) VALUES ($1, $2, $3)', [
          m.id,
          new Date(),
          sum,
        ])
      applied.push(m.id)
    }
    return applied
  })
}
