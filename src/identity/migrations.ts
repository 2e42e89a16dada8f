import { catalogueMigrations } from '../store/catalogue-migrations.js'
import type { Migration } from '../store/migrations.js'

/**
 * The identity tables are declared in the catalogue (src/schema/entities/directory.ts) and created by
 * the store's catalogue-sync migration. These two ids were this module's hand-written DDL before the
 * generator existed; they stay (as no-ops) so stores created then still open — the migration runner
 * refuses stores with unknown applied ids. Their tables have the same names, columns and types as the
 * catalogue's, plus constraints the catalogue now expresses as primary keys.
 */
export const identityMigrations: readonly Migration[] = [
  { id: '0100-identity-directory', sql: () => 'SELECT 1' },
  { id: '0101-identity-tokens', sql: () => 'SELECT 1' },
]

/** Everything a store needs for the identity module alone (tests, benchmarks): the catalogue + ours. */
export const identityStoreMigrations: readonly Migration[] = [...catalogueMigrations, ...identityMigrations]
