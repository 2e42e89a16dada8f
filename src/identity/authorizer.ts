import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import type { RbacPermission } from '../schema/permissions.js'
import { isGuid } from './directory/directory.js'
import type { IdentityService } from './identity-service.js'
import {
  AuthenticationError,
  invalidTokenChallenge,
  type Authorizer,
  type AuthzDecision,
  type Principal,
  type RouteRequirement,
} from './principal.js'
import { MDE_RESOURCE, type ResourceDef } from './resources.js'
import { TtlCache } from './ttl-cache.js'

/** Leeway for exp/nbf (identity.md §7 #5: ≤ 5 min). */
export const CLOCK_SKEW_SECONDS = 300
/** Tokens claiming a longer lifetime than this are refused (§7 #5). */
const MAX_LIFETIME_SECONDS = 86_400 + CLOCK_SKEW_SECONDS
/** How long an app's or user's resolution (enabled, RBAC, device groups) is reused before re-reading. */
const USER_ACCESS_TTL_MS = 30_000

export interface AuthorizerOptions {
  /**
   * The APIs this authorizer accepts tokens for; the `aud` allow-list is derived from them (default:
   * MDE only). The principal records which one a token was issued for (`resourceAppId`), and each
   * route's requirement names the resources it serves (`RouteRequirement.resources`, default MDE).
   */
  resources?: readonly ResourceDef[]
  /** Verified-token cache size. */
  cacheEntries?: number
}

interface CacheEntry {
  principal: Principal
  kid: string
  /** ms; entries re-resolve the app/user (enabled, RBAC, device groups) after this. */
  refreshAt: number
  /** `svc.directoryGeneration` when resolved: a directory change on this node re-resolves at once. */
  generation: number
}

const invalid = (description: string) =>
  new AuthenticationError(description, invalidTokenChallenge(description))

/**
 * The resource-side authorizer (identity.md §4.7, §7.1, §7.3). Bearer tokens are verified once with
 * jose (RS256 only, our own keys by `kid`, issuer per `tid`, audience allow-list, bounded skew,
 * explicit token typing) and the resulting Principal is cached under the whole token string until the
 * token expires, so steady-state cost per request is a map lookup. Cached results are dropped when
 * their signing key leaves the published set (rotation/revocation); entries re-read the app (enabled,
 * tenant) and the user (enabled, RBAC, device groups) every 30 s and after a local directory change.
 */
export function createAuthorizer(
  svc: IdentityService,
  opts: AuthorizerOptions = {},
): Authorizer & { cacheSize(): number } {
  const resources = opts.resources?.length ? opts.resources : [MDE_RESOURCE]
  const cache = new TtlCache<string, CacheEntry>(opts.cacheEntries ?? 50_000, () => svc.clock.nowMs())

  async function verify(token: string): Promise<{ payload: JWTPayload; kid: string }> {
    let header: ReturnType<typeof decodeProtectedHeader>
    try {
      header = decodeProtectedHeader(token)
    } catch {
      throw invalid('The token is malformed.')
    }
    if (header.alg !== 'RS256')
      throw invalid(`The token's algorithm '${String(header.alg)}' is not accepted.`)
    const kid = header.kid
    if (typeof kid !== 'string' || !kid) throw invalid('The token has no key identifier (kid).')
    let key = svc.keys.verificationKey(kid)
    if (!key) {
      await svc.keys.refresh()
      key = svc.keys.verificationKey(kid)
    }
    if (!key) throw invalid('The token was signed with an unknown key.')
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, key.publicKey, {
        algorithms: ['RS256'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: svc.clock.now(),
        requiredClaims: ['exp', 'nbf', 'iat', 'iss', 'aud', 'tid'],
      }))
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw invalid('The token is expired.')
      if (err instanceof joseErrors.JWTClaimValidationFailed)
        throw invalid(
          err.claim === 'nbf'
            ? 'The token is not yet valid.'
            : `The token's '${err.claim}' claim is not valid.`,
        )
      throw invalid('The token signature is invalid.')
    }
    return { payload, kid }
  }

  function checkClaims(p: JWTPayload): { tid: string; version: '1.0' | '2.0'; resource: ResourceDef } {
    const tid = typeof p.tid === 'string' ? p.tid.toLowerCase() : ''
    if (!isGuid(tid)) throw invalid('The token has no valid tenant (tid).')
    const iss = typeof p.iss === 'string' ? p.iss : ''
    const okIss = [...svc.trustedOrigins()].some((o) => iss === `${o}/${tid}/` || iss === `${o}/${tid}/v2.0`)
    if (!okIss) throw invalid('The token issuer is not valid for its tenant.')
    const auds = Array.isArray(p.aud) ? p.aud : [p.aud ?? '']
    const resource = resources.find((r) => {
      const allowed = svc.catalogue.audiences(r)
      return auds.some((a) => allowed.has(a))
    })
    if (!resource) throw invalid('The token audience is not valid for this API.')
    if (p.idtyp !== 'app' && p.idtyp !== 'user') throw invalid('The token is not an access token.')
    if (typeof p.appid !== 'string' && typeof p.azp !== 'string')
      throw invalid('The token is not an access token.')
    if (p.exp! - p.iat! > MAX_LIFETIME_SECONDS) throw invalid('The token lifetime exceeds the maximum.')
    return { tid, version: p.ver === '2.0' ? '2.0' : '1.0', resource }
  }

  async function principalFor(
    p: JWTPayload,
    tid: string,
    version: '1.0' | '2.0',
    resource: ResourceDef,
  ): Promise<Principal> {
    const tenant = await svc.tenant(tid)
    if (!tenant) throw invalid('The token tenant does not exist.')
    const appId = String(p.appid ?? p.azp)
    const client = await svc.client(appId)
    // A disabled or deleted application loses access with its unexpired tokens (re-checked every 30 s).
    if (!client || !client.app.enabled || client.tenant.id !== tid)
      throw invalid('The application is disabled or does not exist in the token tenant.')
    const base = {
      tenantId: tid,
      appId,
      appDisplayName: client.app.displayName,
      resourceAppId: resource.appId,
      objectId: typeof p.oid === 'string' ? p.oid : '',
      token: {
        id: typeof p.uti === 'string' ? p.uti : '',
        version,
        audience: String(Array.isArray(p.aud) ? p.aud[0] : p.aud),
        expiresAt: p.exp! * 1000,
      },
    }
    if (typeof p.scp === 'string') {
      const user = await svc.directory.getUser(base.objectId)
      if (!user || user.tenantId !== tid) throw invalid('The token user does not exist in its tenant.')
      if (!user.enabled) throw invalid('The user account is disabled.')
      const access = await svc.directory.userAccess(tid, user.id)
      return {
        ...base,
        kind: 'user',
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        permissions: new Set(p.scp.split(' ').filter(Boolean)),
        rbacPermissions: new Set(access.rbacPermissions),
        deviceGroupIds: access.deviceGroupIds === null ? null : new Set(access.deviceGroupIds),
      }
    }
    return {
      ...base,
      kind: 'application',
      userPrincipalName: null,
      displayName: client.app.displayName,
      permissions: new Set(
        Array.isArray(p.roles) ? p.roles.filter((r): r is string => typeof r === 'string') : [],
      ),
      rbacPermissions: new Set<RbacPermission>(),
      deviceGroupIds: null,
    }
  }

  async function authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new AuthenticationError('Authorization header is missing.', 'Bearer')
    // Hot path: a token verified before is found by the whole header value's token part, no parsing.
    const token = /^bearer /i.test(header) ? header.slice(7).trim() : ''
    const now = svc.clock.nowMs()
    const hit = token ? cache.get(token) : undefined
    if (hit && svc.keys.hasKid(hit.kid)) {
      if (hit.refreshAt > now && hit.generation === svc.directoryGeneration) return hit.principal
    } else if (hit) cache.delete(token)
    if (!/^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*$/.test(token))
      throw invalid('The authorization header is not a bearer token.')
    const generation = svc.directoryGeneration
    const { payload, kid } = await verify(token)
    const { tid, version, resource } = checkClaims(payload)
    const principal = await principalFor(payload, tid, version, resource)
    // Cache until expiry plus the allowed skew, as long as the key stays published.
    cache.set(
      token,
      { principal, kid, refreshAt: now + USER_ACCESS_TTL_MS, generation },
      payload.exp! * 1000 + CLOCK_SKEW_SECONDS * 1000,
    )
    return principal
  }

  return {
    authenticate,
    authorize: decide,
    canSeeDeviceGroup,
    cacheSize: () => cache.size,
  }
}

const DEFAULT_RESOURCES: readonly string[] = [MDE_RESOURCE.appId]

const list = (xs: Iterable<string>) => [...xs].sort().join(', ') || '(none)'

/** The decision of identity.md §4.7: app → roles; user → scp AND RBAC (device groups are applied per object). */
export function decide(principal: Principal, req: RouteRequirement): AuthzDecision {
  // A token for another API (e.g. a Graph token on an MDE route) is refused like a wrong `aud`.
  if (!(req.resources ?? DEFAULT_RESOURCES).includes(principal.resourceAppId))
    return {
      allowed: false,
      status: 401,
      code: 'Unauthorized',
      message: 'The token audience is not valid for this API.',
    }
  if (principal.kind === 'application') {
    if (req.application.some((p) => principal.permissions.has(p))) return { allowed: true }
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      message: `Missing application roles. API required roles: ${list(req.application)}. Application roles: ${list(principal.permissions)}.`,
    }
  }
  if (!req.delegated.some((p) => principal.permissions.has(p)))
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      message: `Missing delegated scopes. API required scopes: ${list(req.delegated)}. Token scopes: ${list(principal.permissions)}.`,
    }
  if (req.rbac?.length && !req.rbac.some((p) => principal.rbacPermissions.has(p)))
    return {
      allowed: false,
      status: 403,
      code: 'Forbidden',
      message: `The user's roles do not grant the required permission. API required RBAC permissions: ${list(req.rbac)}. User permissions: ${list(principal.rbacPermissions)}.`,
    }
  return { allowed: true }
}

export function canSeeDeviceGroup(principal: Principal, deviceGroupId: number | null): boolean {
  if (principal.deviceGroupIds === null) return true
  return principal.deviceGroupIds.has(deviceGroupId ?? 0)
}
