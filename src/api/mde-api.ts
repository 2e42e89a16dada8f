import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Authorizer, RouteRequirement } from '../identity/principal.js'
import { generateEdmx } from '../schema/codegen-edmx.js'
import { allEntities } from '../schema/entities/index.js'
import type { Db } from '../store/db.js'
import { ActionDriver } from './actions/action-driver.js'
import { DEFAULT_API_OPTIONS, type ApiDeps, type ApiOptions } from './api-deps.js'
import { ApiAuditLog } from './audit.js'
import { MdeAuthenticator } from './auth.js'
import { mdeErrorHandler, sendMdeError } from './error-handler.js'
import { RateLimiter, type RateLimitProfile } from './rate-limit.js'
import { ReadCache } from './read-cache.js'
import { mdeGuard, registerRoute, type RouteSpec } from './route.js'
import { alertRoutes } from './routes/alerts.js'
import { auditRoutes } from './routes/audit-events.js'
import { indicatorRoutes } from './routes/indicators.js'
import { libraryRoutes, registerMultipartParser } from './routes/library.js'
import { lookupRoutes } from './routes/lookups.js'
import { machineActionRoutes, registerDownloads } from './routes/machine-actions.js'
import { machineRoutes } from './routes/machines.js'
import { tvmRoutes } from './routes/tvm.js'

export interface MdeApiInput {
  db: Db
  clock: Clock
  log: Logger
  authorizer: Authorizer
  /** null = rate limits off. */
  rateLimits: RateLimitProfile | null
  options?: Partial<ApiOptions>
}

/** Every MDE resource route (hunting routes are added by the hunting module through `registerRoutes`). */
export const mdeRoutes: readonly RouteSpec[] = [
  ...alertRoutes,
  ...machineRoutes,
  ...machineActionRoutes,
  ...indicatorRoutes,
  ...lookupRoutes,
  ...tvmRoutes,
  ...libraryRoutes,
  ...auditRoutes,
]

let metadata: string | null = null

/**
 * `GET /api/$metadata`: the OData CSDL generated from the catalogue (the same text as
 * src/schema/generated/odata-metadata.xml, which a test keeps current). Public, like the service
 * document of any OData service: it describes the documented schema, no tenant data.
 */
function serveMetadata(_req: FastifyRequest, reply: FastifyReply): FastifyReply {
  metadata ??= generateEdmx(allEntities)
  return reply.header('OData-Version', '4.0').header('content-type', 'application/xml').send(metadata)
}

/** API prefixes: `/api` and the explicit version `/api/v1.0` serve the same handlers. */
export const API_PREFIXES = ['/api', '/api/v1.0'] as const

/**
 * The MDE resource API as one object: its dependencies, the machine-action driver and the fastify
 * registration. Other modules (hunting) reuse `guard`, `registerRoutes`, `sendError` and `errorHandler`
 * so every /api route authenticates, rate-limits and fails the same way.
 */
export class MdeApi {
  readonly deps: ApiDeps
  readonly driver: ActionDriver

  constructor(input: MdeApiInput) {
    const options = {
      ...DEFAULT_API_OPTIONS,
      ...input.options,
      actions: { ...DEFAULT_API_OPTIONS.actions, ...input.options?.actions },
    }
    this.deps = {
      db: input.db,
      clock: input.clock,
      log: input.log,
      auth: new MdeAuthenticator(input.authorizer),
      rateLimiter: new RateLimiter(input.db, input.clock, input.rateLimits),
      audit: new ApiAuditLog(input.db, input.clock),
      cache: new ReadCache(input.clock, options.readCacheMs),
      options,
    }
    const cache = this.deps.cache
    this.driver = new ActionDriver(input.db, input.clock, input.log, options.actions, (tenantId) =>
      cache.invalidate(tenantId),
    )
  }

  /** preHandler: authenticate, authorize `requirement`, count against rate-limit `family`. */
  guard(requirement: RouteRequirement, family: string) {
    return mdeGuard(this.deps, requirement, family)
  }

  get errorHandler() {
    return mdeErrorHandler(this.deps.log)
  }

  sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
    return sendMdeError(reply, status, code, message)
  }

  /** Registers route specs under /api and /api/v1.0 with the MDE error handler. */
  async registerRoutes(app: FastifyInstance, specs: readonly RouteSpec[]): Promise<void> {
    for (const prefix of API_PREFIXES)
      await app.register(
        (scope, _opts, done) => {
          scope.setErrorHandler(this.errorHandler)
          registerMultipartParser(scope)
          for (const spec of specs)
            registerRoute(scope, this.deps, { bodyLimit: this.deps.options.bodyLimit, ...spec })
          done()
        },
        { prefix },
      )
  }

  /**
   * Registers every MDE resource route, `$metadata`, the /api 404 handler and the signed-download
   * route.
   */
  async register(app: FastifyInstance): Promise<void> {
    // Counts a `local` rate limiter has not written yet land before the store closes.
    app.addHook('onClose', () => this.deps.rateLimiter.flush())
    await this.registerRoutes(app, mdeRoutes)
    for (const prefix of API_PREFIXES) app.get(`${prefix}/$metadata`, serveMetadata)
    await app.register(
      (scope, _opts, done) => {
        scope.setErrorHandler(this.errorHandler)
        scope.setNotFoundHandler((req, reply) =>
          sendMdeError(
            reply,
            404,
            'NotFound',
            `No resource matches ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}.`,
          ),
        )
        registerDownloads(scope, this.deps)
        done()
      },
      { prefix: '/api' },
    )
  }
}
