/**
 * Identity for the API benchmarks (not a benchmark itself: run-bench skips files starting with `_`): the
 * real IdentityService on the bench's store, a tenant, an app with MDE application roles, and a real
 * RS256 client-credentials token for it once the bench's server listens.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiOptions } from '../src/api/api-deps.js'
import { MdeApi } from '../src/api/mde-api.js'
import type { RateLimitProfile } from '../src/api/rate-limit.js'
import { systemClock } from '../src/core/clock.js'
import { silentLogger } from '../src/core/logger.js'
import { createAuthorizer } from '../src/identity/authorizer.js'
import { IdentityService } from '../src/identity/identity-service.js'
import { issueAppToken } from '../src/identity/issue-tokens.js'
import { MDE_RESOURCE, parseV2Scope } from '../src/identity/resources.js'
import type { Db } from '../src/store/db.js'

export interface BenchIdentity {
  svc: IdentityService
  tenantId: string
  appId: string
  /** Starts the bench's server on a free loopback port; the tokens' issuer follows it. Returns its origin. */
  listen(app: FastifyInstance): Promise<string>
  /**
   * The MDE API module on a fresh fastify app with the product's router options. Rate limits off, or
   * `rateLimits` (e.g. the store-backed limiter with limits no bench reaches, to include its cost).
   */
  apiServer(
    options?: Partial<ApiOptions>,
    rateLimits?: RateLimitProfile | null,
  ): Promise<{ api: MdeApi; app: FastifyInstance }>
  /** A v2 access token for the MDE API with the app's roles (call after `listen`). */
  token(): Promise<string>
}

export async function benchIdentity(
  db: Db,
  opts: { domain: string; tenantId?: string; roles: readonly string[] },
): Promise<BenchIdentity> {
  let origin = 'http://127.0.0.1'
  const svc = new IdentityService(db, systemClock, silentLogger, {
    accessTokenLifetimeSeconds: 3599,
    signingKeyRotationDays: 30,
    deviceCodeIntervalSeconds: 5,
    publicUrl: () => origin,
    tlsNames: [],
  })
  await svc.start()
  const tenant =
    (opts.tenantId ? await svc.directory.findTenant(opts.tenantId) : null) ??
    (await svc.directory.createTenant({
      ...(opts.tenantId ? { id: opts.tenantId } : {}),
      displayName: 'Bench',
      domain: opts.domain,
    }))
  const app = await svc.directory.createApplication({ tenantId: tenant.id, displayName: 'bench' })
  for (const role of opts.roles)
    await svc.directory.grantAppRole(tenant.id, app.appId, MDE_RESOURCE.appId, role)
  return {
    svc,
    tenantId: tenant.id,
    appId: app.appId,
    async listen(server) {
      await server.listen({ host: '127.0.0.1', port: 0 })
      const addr = server.server.address()
      origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
      return origin
    },
    async apiServer(options, rateLimits = null) {
      const api = new MdeApi({
        db,
        clock: systemClock,
        log: silentLogger,
        authorizer: createAuthorizer(svc),
        rateLimits,
        ...(options ? { options } : {}),
      })
      const app = Fastify({
        logger: false,
        bodyLimit: 1 << 20,
        routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 },
      })
      await api.register(app)
      return { api, app }
    },
    async token() {
      const client = (await svc.client(app.appId))!
      const target = parseV2Scope(`${MDE_RESOURCE.identifierUris[0]}/.default`, svc.catalogue, 'bench')
      const issued = await issueAppToken(svc, { client, acr: '1', target, endpoint: 'v2', origin })
      return String(issued.body.access_token)
    },
  }
}
