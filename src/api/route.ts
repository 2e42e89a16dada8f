import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { Principal, RouteRequirement } from '../identity/principal.js'
import type { RawQuery } from '../odata/index.js'
import type { ApiDeps } from './api-deps.js'
import { principalOf } from './auth.js'
import { MdeError } from './errors.js'

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

export function registerRoute(app: FastifyInstance, deps: ApiDeps, spec: RouteSpec): void {
  const family = spec.family ?? spec.operation
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    preHandler: mdeGuard(deps, spec.requirement, family),
    ...(spec.audit
      ? {
          onSend: async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
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
                targetType: spec.audit!.targetType,
                targetId:
                  call?.audit.targetId ??
                  (spec.audit!.targetParam ? (params[spec.audit!.targetParam] ?? null) : null),
                result: reply.statusCode,
                correlationId: String(req.id),
                details: call?.audit.details ?? null,
              })
              .catch((err: unknown) => deps.log.error({ err, reqId: req.id }, 'audit write failed'))
            return payload
          },
        }
      : {}),
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
