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
      'CREATE TABLE IF NOT EXISTS bulwark_migrations (id VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)',
    )
    const done = new Set(
      (await tx.query<{ id: string }>('SELECT id FROM bulwark_migrations')).map((r) => r.id),
    )
    const known = new Set(sorted.map((m) => m.id))
    const unknown = [...done].filter((id) => !known.has(id)).sort()
    if (unknown.length)
      throw new BulwarkError(
        409,
        'StoreFromNewerVersion',
        `The store was written by a newer version of Bulwark (unknown migrations: ${unknown.join(', ')}). ` +
          'Upgrade Bulwark or point it at another data directory.',
      )
    const applied: string[] = []
    for (const m of sorted) {
      if (done.has(m.id)) continue
      const text = typeof m.sql === 'function' ? m.sql(tx.dialect) : m.sql[tx.dialect]
      log?.info({ migration: m.id }, 'applying migration')
      await tx.executeScript(text)
      await tx.execute('INSERT INTO bulwark_migrations (id, applied_at) VALUES ($1, $2)', [m.id, new Date()])
      applied.push(m.id)
    }
    return applied
  })
}
