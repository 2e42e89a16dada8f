import type { FastifyRequest } from 'fastify'
import {
  AuthenticationError,
  invalidTokenChallenge,
  type Authorizer,
  type Principal,
  type RouteRequirement,
} from '../identity/principal.js'
import { MdeError } from './errors.js'

const principals = new WeakMap<FastifyRequest, Principal>()

/** The authenticated caller of a request that passed the guard. */
export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req)
  if (!p) throw new Error('principalOf: request was not authenticated by the MDE guard')
  return p
}

/**
 * Adapts the identity module's Authorizer to the MDE wire: 401 Unauthorized with the RFC 6750
 * `WWW-Authenticate` value, 403 Forbidden naming the missing permission. (Verified tokens are cached
 * by the Authorizer itself.)
 */
export class MdeAuthenticator {
  constructor(readonly authorizer: Authorizer) {}

  async authenticate(req: FastifyRequest): Promise<Principal> {
    let principal: Principal
    try {
      principal = await this.authorizer.authenticate(req.headers.authorization)
    } catch (err) {
      if (err instanceof AuthenticationError)
        throw new MdeError('Unauthorized', err.message, {
          headers: { 'WWW-Authenticate': err.wwwAuthenticate },
          cause: err,
        })
      throw err
    }
    principals.set(req, principal)
    return principal
  }

  /** Throws 403 Forbidden naming what is missing (401 for a token issued for another API). */
  authorize(principal: Principal, requirement: RouteRequirement): void {
    const d = this.authorizer.authorize(principal, requirement)
    if (d.allowed) return
    if (d.status === 401)
      throw new MdeError('Unauthorized', d.message, {
        headers: { 'WWW-Authenticate': invalidTokenChallenge(d.message) },
      })
    throw new MdeError('Forbidden', d.message, { status: d.status })
  }
}

/** The caller as MDE names it in `requestor`, `createdBy`, comments: UPN for users, app name for apps. */
export function callerName(p: Principal): string {
  return p.kind === 'user'
    ? (p.userPrincipalName ?? p.displayName ?? p.objectId)
    : (p.appDisplayName ?? p.appId)
}
