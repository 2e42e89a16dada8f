import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api'

/** Prepared statements kept per connection (parsing and planning skipped on repeats), LRU-bounded. */
const MAX_STATEMENTS = 128

interface Cache {
  generation: number
  statements: Map<string, DuckDBPreparedStatement>
}

const caches = new WeakMap<DuckDBConnection, Cache>()

/** Bumped after DDL: every cache empties itself the next time its connection is used. */
let catalogGeneration = 0

export function catalogChanged(): void {
  catalogGeneration++
}

/** A statement prepared on `conn` (reused when the same SQL ran there before); only the connection's current user may call this. */
export async function preparedOn(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let cache = caches.get(conn)
  if (!cache || cache.generation !== catalogGeneration) {
    for (const s of cache?.statements.values() ?? []) s.destroySync()
    cache = { generation: catalogGeneration, statements: new Map() }
    caches.set(conn, cache)
  }
  const hit = cache.statements.get(sql)
  if (hit) {
    cache.statements.delete(sql)
    cache.statements.set(sql, hit)
    hit.clearBindings()
    return hit
  }
  const stmt = await conn.prepare(sql)
  cache.statements.set(sql, stmt)
  if (cache.statements.size > MAX_STATEMENTS) {
    const [oldest, old] = cache.statements.entries().next().value as [string, DuckDBPreparedStatement]
    cache.statements.delete(oldest)
    old.destroySync()
  }
  return stmt
}

/** True for statements that change the catalog (their effect invalidates prepared statements). */
export function isDdl(sql: string): boolean {
  return /^\s*(CREATE|ALTER|DROP|ATTACH|DETACH|COMMENT|IMPORT|RESET|SET)\b/i.test(sql) || /;\s*\S/.test(sql)
}
