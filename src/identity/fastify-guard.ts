import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  AuthenticationError,
  invalidTokenChallenge,
  type Authorizer,
  type Principal,
  type RouteRequirement,
} from './principal.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `bearerGuard` once the bearer token is verified and the route's permission check passed. */
    principal?: Principal
  }
}

/**
 * A fastify `preHandler` that authenticates the bearer token and applies a route requirement, answering
 * exactly as MDE does: 401 `Unauthorized` with `WWW-Authenticate`, or 403 `Forbidden` naming the missing
 * permission, both in the MDE envelope `{"error":{"code","message","target"}}` (target = request id).
 * On success `req.principal` is set for the handler (device-group scoping, tenant key).
 */
export function bearerGuard(authorizer: Authorizer, requirement: RouteRequirement) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    let principal: Principal
    try {
      principal = await authorizer.authenticate(req.headers.authorization)
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err
      await reply
        .code(401)
        .header('www-authenticate', err.wwwAuthenticate)
        .send({ error: { code: err.code, message: err.message, target: req.id } })
      return
    }
    const d = authorizer.authorize(principal, requirement)
    if (!d.allowed) {
      if (d.status === 401) reply.header('www-authenticate', invalidTokenChallenge(d.message))
      await reply.code(d.status).send({ error: { code: d.code, message: d.message, target: req.id } })
      return
    }
    req.principal = principal
  }
}
