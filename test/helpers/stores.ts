import { randomBytes } from 'node:crypto'
import type { Db } from '../../src/store/db.js'
import { openDuckDb } from '../../src/store/duckdb-db.js'
import { openPostgres } from '../../src/store/postgres-db.js'

/**
 * The store backends a contract/execution test runs against: DuckDB always; PostgreSQL when
 * BULWARK_TEST_PG_URL is set (each open gets a fresh schema, dropped on close).
 */
export interface TestBackend {
  name: 'duckdb' | 'postgres'
  open(): Promise<Db>
}

// Test helpers are the one place besides the config loader that read the environment.
export const pgUrl: string | undefined = process.env.BULWARK_TEST_PG_URL

export function freshSchemaName(): string {
  return `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
}

export const backends: TestBackend[] = [
  { name: 'duckdb', open: () => openDuckDb({ path: ':memory:' }) },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          open: async () => {
            const schema = freshSchemaName()
            const db = await openPostgres({ url: pgUrl, schema })
            const close = db.close.bind(db)
            db.close = async () => {
              await db.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined)
              await close()
            }
            return db
          },
        },
      ]
    : []),
]
