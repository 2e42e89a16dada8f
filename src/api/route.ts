import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { Principal, RouteRequirement } from '../identity/principal.js'
import type { RawQuery } from '../odata/index.js'
import type { ApiDeps } from './api-deps.js'
import { principalOf } from './auth.js'
import { MdeError } from './errors.js'
import { ReadCache } from './read-cache.js'
import { MDE_CONTENT_TYPE } from './wire.js'

/** One call of an MDE route, after authentication, authorization and rate limiting. */
export interface Call {
  req: FastifyRequest
  reply: FastifyReply
  principal: Principal
  tenantId: string
  params: Record<string, string>
  query: RawQuery
  body: unknown
  deps: ApiDeps
  now: Date
  /** Set by a handler to name the audited target when it is not a path parameter. */
  audit: { targetId?: string | null; details?: Record<string, unknown> }
}

export interface RouteSpec {
  method: HTTPMethods
  /** Relative to /api (and /api/v1.0). */
  url: string
  /** Stable operation name, e.g. `alerts.list`; also the rate-limit family unless `family` is set. */
  operation: string
  requirement: RouteRequirement
  family?: string
  /** Mutating routes are audited; `targetParam` names the path parameter holding the target id. */
  audit?: { targetType: string; targetParam?: string }
  bodyLimit?: number
  /**
   * GET responses are cached briefly (read-cache.ts) unless this is false. On other methods false says
   * the route writes nothing (a query sent as POST): its calls leave the tenant's cached reads alone.
   */
  cache?: false
  handler(call: Call): Promise<unknown>
}

const calls = new WeakMap<FastifyRequest, Call>()

/**
 * The preHandler every MDE route uses: bearer authentication (401 + WWW-Authenticate), the route's
 * permission requirement (403 naming what is missing), then the store-backed rate limit (429 +
 * Retry-After). Exported for the hunting routes.
 */
export function mdeGuard(deps: ApiDeps, requirement: RouteRequirement, family: string) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await deps.auth.authenticate(req)
    deps.auth.authorize(principal, requirement)
    const d = await deps.rateLimiter.check(principal.tenantId, principal.appId, family)
    if (!d.ok) {
      reply.header('Retry-After', String(d.retryAfterSeconds))
      throw new MdeError(
        'TooManyRequests',
        `Rate limit exceeded for ${family}: ${d.limit} calls per ${d.window} per application and tenant. Retry after ${d.retryAfterSeconds} seconds.`,
        { headers: { 'Retry-After': String(d.retryAfterSeconds) } },
      )
    }
  }
}

const cacheState = new WeakMap<FastifyRequest, { key: string; generation: number } | 'hit'>()

/** Serves a cached GET response when there is one; otherwise remembers what to store on the way out. */
function cacheLookup(deps: ApiDeps, req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const principal = principalOf(req)
  const key = ReadCache.key(principal, `${req.protocol}://${req.headers.host ?? ''}`, req.url)
  const hit = deps.cache.get(principal.tenantId, key)
  if (hit !== undefined) {
    cacheState.set(req, 'hit')
    return reply.code(200).header('OData-Version', '4.0').header('content-type', MDE_CONTENT_TYPE).send(hit)
  }
  cacheState.set(req, { key, generation: deps.cache.generation(principal.tenantId) })
  return undefined
}

type OnSend = (req: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>

function cacheOnSend(deps: ApiDeps, spec: RouteSpec): OnSend | null {
  if (spec.method === 'GET') {
    if (spec.cache === false || !deps.cache.enabled) return null
    return async (req, reply, payload) => {
      const st = cacheState.get(req)
      if (st && st !== 'hit' && reply.statusCode === 200 && typeof payload === 'string')
        deps.cache.set(st.key, payload, st.generation)
      return payload
    }
  }
  if (spec.cache === false) return null
  // Any write through this node makes the tenant's cached reads stale before its response leaves.
  return async (req, _reply, payload) => {
    try {
      deps.cache.invalidate(principalOf(req).tenantId)
    } catch {
      // unauthenticated: nothing was written
    }
    return payload
  }
}

function auditOnSend(deps: ApiDeps, spec: RouteSpec): OnSend | null {
  const audit = spec.audit
  if (!audit) return null
  return async (req, reply, payload) => {
    const call = calls.get(req)
    let principal: Principal | undefined
    try {
      principal = call?.principal ?? principalOf(req)
    } catch {
      return payload
    }
    const params = req.params as Record<string, string>
    await deps.audit
      .record({
        principal,
        operation: spec.operation,
        targetType: audit.targetType,
        targetId: call?.audit.targetId ?? (audit.targetParam ? (params[audit.targetParam] ?? null) : null),
        result: reply.statusCode,
        correlationId: String(req.id),
        details: call?.audit.details ?? null,
      })
      .catch((err: unknown) => deps.log.error({ err, reqId: req.id }, 'audit write failed'))
    return payload
  }
}

export function registerRoute(app: FastifyInstance, deps: ApiDeps, spec: RouteSpec): void {
  const family = spec.family ?? spec.operation
  const guard = mdeGuard(deps, spec.requirement, family)
  const cached = spec.method === 'GET' && spec.cache !== false && deps.cache.enabled
  const onSend = [auditOnSend(deps, spec), cacheOnSend(deps, spec)].filter((h): h is OnSend => h !== null)
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    preHandler: cached
      ? async (req, reply) => {
          await guard(req, reply)
          return cacheLookup(deps, req, reply)
        }
      : guard,
    ...(onSend.length ? { onSend } : {}),
    handler: async (req, reply) => {
      const principal = principalOf(req)
      const call: Call = {
        req,
        reply,
        principal,
        tenantId: principal.tenantId,
        params: (req.params ?? {}) as Record<string, string>,
        query: (req.query ?? {}) as RawQuery,
        body: req.body,
        deps,
        now: deps.clock.now(),
        audit: {},
      }
      calls.set(req, call)
      return spec.handler(call)
    },
  })
}
