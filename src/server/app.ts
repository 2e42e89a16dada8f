import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { mdeFrameworkErrors } from '../api/error-handler.js'
import { offsetClock, systemClock, type Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Db } from '../store/db.js'
import { openDuckDb } from '../store/duckdb-db.js'
import { migrate, type Migration } from '../store/migrations.js'
import { openPostgres } from '../store/postgres-db.js'
import type { Config } from './config.js'
import { createLogger } from './logger.js'
import { ensureTls, type TlsMaterial } from './tls.js'
import { productModules } from './modules.js'

/** What every module's wiring receives from the composition root. */
export interface ServerContext {
  config: Config
  db: Db
  clock: Clock
  log: Logger
  /** Base URL clients use to reach this server, e.g. https://localhost:8443 (no trailing slash). */
  publicUrl: string
  tls: TlsMaterial | null
  dataDir: string
}

/**
 * A product module as the server sees it: migrations to apply, routes to register, and optional
 * start-up work (warm-up, demo seeding) that must finish before /readyz turns 200.
 */
export interface ServerModule {
  name: string
  migrations?: readonly Migration[]
  register?(app: FastifyInstance, ctx: ServerContext): Promise<void> | void
  /** Runs after migrations and route registration, before the server reports ready. */
  start?(ctx: ServerContext, app: FastifyInstance): Promise<void>
  stop?(): Promise<void>
}

export interface RunningServer {
  app: FastifyInstance
  ctx: ServerContext
  url: string
  ready: Promise<void>
  close(): Promise<void>
}

export async function openStore(config: Config, dataDir: string): Promise<Db> {
  if (config.store === 'postgres')
    return openPostgres({
      url: config.postgresUrl!,
      ...(config.postgresSchema ? { schema: config.postgresSchema } : {}),
      preparedTextBudget: config.postgresPreparedTextBudget,
    })
  return openDuckDb({ path: resolve(dataDir, 'bulwark.duckdb') })
}

export async function startServer(
  config: Config,
  opts: { modules?: readonly ServerModule[]; clock?: Clock; log?: Logger } = {},
): Promise<RunningServer> {
  const dataDir = resolve(config.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const log = opts.log ?? createLogger(config)
  const clock = opts.clock ?? (config.clockStart ? offsetClock(config.clockStart) : systemClock)
  const tls = config.http ? null : await ensureTls(dataDir, config.tlsNames)
  const db = await openStore(config, dataDir)
  const modules = opts.modules ?? productModules
  try {
    await migrate(
      db,
      modules.flatMap((m) => m.migrations ?? []),
      log,
    )
  } catch (err) {
    await db.close().catch(() => undefined)
    throw err
  }

  const app = Fastify({
    ...(tls ? { https: { key: tls.key, cert: tls.cert } } : {}),
    loggerInstance: log as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const h = req.headers['client-request-id'] ?? req.headers['x-request-id']
      return typeof h === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(h) ? h : randomUUID()
    },
    requestIdHeader: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    frameworkErrors: mdeFrameworkErrors,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 500 },
  }) as unknown as FastifyInstance

  let isReady = false
  app.get('/healthz', (_req, reply) => reply.send({ status: 'alive' }))
  app.get('/readyz', (_req, reply) => {
    if (!isReady) return reply.code(503).send({ status: 'starting' })
    return reply.send({ status: 'ready' })
  })

  const scheme = tls ? 'https' : 'http'
  const ctx: ServerContext = {
    config,
    db,
    clock,
    log,
    tls,
    dataDir,
    publicUrl: '',
  }
  for (const m of modules) await m.register?.(app, ctx)

  await app.listen({ host: config.host, port: config.port })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const hostForUrl = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host
  const url = `${scheme}://${hostForUrl.includes(':') ? `[${hostForUrl}]` : hostForUrl}:${port}`
  ctx.publicUrl = (config.publicUrl ?? url).replace(/\/$/, '')

  const ready = (async () => {
    for (const m of modules) await m.start?.(ctx, app)
    isReady = true
    log.info({ url: ctx.publicUrl }, 'ready')
  })()
  ready.catch((err: unknown) => log.error({ err }, 'start-up failed'))

  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await app.close()
    for (const m of [...modules].reverse())
      await m.stop?.().catch((err: unknown) => log.error({ err }, 'stop failed'))
    await db.close()
  }
  return { app, ctx, url, ready, close }
}
