import type { Migration } from '../store/migrations.js'

/** The marker table: one row per demo tenant, written `complete` last (in the entity transaction). */
export const DEMO_STATE_TABLE = 'demo_state'

export const demoMigrations: readonly Migration[] = [
  {
    id: '0500-demo-01-state',
    sql: (dialect) => {
      const ts = dialect === 'postgres' ? 'timestamp' : 'TIMESTAMP'
      return `CREATE TABLE IF NOT EXISTS ${DEMO_STATE_TABLE} (
  "tenantId" VARCHAR PRIMARY KEY,
  "seed" BIGINT NOT NULL,
  "devices" BIGINT NOT NULL,
  "version" BIGINT NOT NULL,
  "windowEnd" ${ts} NOT NULL,
  "status" VARCHAR NOT NULL,
  "owner" VARCHAR NOT NULL,
  "heartbeatAt" ${ts} NOT NULL,
  "rowCounts" VARCHAR,
  "completedAt" ${ts}
)`
    },
  },
]
