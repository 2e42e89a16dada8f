export * from './db.js'
export * from './migrations.js'
export { openDuckDb, DuckDb } from './duckdb-db.js'
export { openPostgres, PostgresDb } from './postgres-db.js'
