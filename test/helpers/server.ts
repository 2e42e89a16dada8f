import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import { startServer, type RunningServer, type ServerModule } from '../../src/server/app.js'
import { loadConfig, type ConfigInput } from '../../src/server/config.js'
import { productModules } from '../../src/server/modules.js'
import { openPostgres } from '../../src/store/postgres-db.js'
import { freshSchemaName, pgUrl } from './stores.js'

/**
 * The stores a whole-server test runs over: DuckDB always; PostgreSQL when BULWARK_TEST_PG_URL is set,
 * each `flags()` naming a fresh schema (start with `dropSchema` to have it dropped at close).
 */
export const serverStores: { name: 'duckdb' | 'postgres'; flags(): ConfigInput }[] = [
  { name: 'duckdb', flags: () => ({}) },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          flags: (): ConfigInput => ({
            store: 'postgres',
            postgresUrl: pgUrl,
            postgresSchema: freshSchemaName(),
          }),
        },
      ]
    : []),
]

export interface TestServer {
  server: RunningServer
  url: string
  dataDir: string
  /** Stops the server and removes its data folder (and its PostgreSQL schema, with `dropSchema`). */
  close(): Promise<void>
}

/**
 * A real server over a fresh data folder, on a random port, silent: the product modules named
 * (`store`, `identity`, `api`, `demo`, …) plus `extra`, started and ready.
 */
export async function startTestServer(opts: {
  modules: readonly string[]
  extra?: readonly ServerModule[]
  flags?: ConfigInput
  /** Data folder name prefix (shows which test left it behind). */
  prefix: string
  /** Drop the PostgreSQL schema of `flags` at close (not when other servers share it). */
  dropSchema?: boolean
}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), opts.prefix))
  const flags: ConfigInput = { dataDir, port: 0, logLevel: 'silent', quiet: true, ...opts.flags }
  const config = loadConfig({ env: {}, flags })
  const modules = productModules.filter((m) => opts.modules.includes(m.name))
  const cleanUp = async () => {
    rmSync(dataDir, { recursive: true, force: true })
    if (opts.dropSchema && flags.store === 'postgres' && flags.postgresSchema && pgUrl) {
      const db = await openPostgres({ url: pgUrl })
      await db.execute(`DROP SCHEMA IF EXISTS ${flags.postgresSchema} CASCADE`).catch(() => undefined)
      await db.close()
    }
  }
  let server: RunningServer | undefined
  try {
    server = await startServer(config, { modules: [...modules, ...(opts.extra ?? [])] })
    await server.ready
  } catch (err) {
    await server?.close()
    await cleanUp()
    throw err
  }
  const started = server
  return {
    server: started,
    url: started.ctx.publicUrl,
    dataDir,
    close: async () => {
      await started.close()
      await cleanUp()
    },
  }
}

/** The demo directory's credentials a `--demo` server wrote to its data folder. */
export function demoCredentials(dataDir: string): DemoCredentials {
  return JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
}
