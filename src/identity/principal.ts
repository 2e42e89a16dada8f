import type { RbacPermission } from '../schema/permissions.js'

/**
 * The contract between identity (which authenticates bearer tokens and decides) and every API route
 * (which declares what it needs). The API module calls `Authorizer.authenticate` once per request and
 * `Authorizer.authorize` with the route's requirement.
 */
export interface Principal {
  /** `application` = app-only token (`roles`, no `scp`); `user` = delegated token (`scp`). */
  kind: 'application' | 'user'
  tenantId: string
  /** Client application id (`appid` v1 / `azp` v2). */
  appId: string
  appDisplayName: string | null
  /** The API the token was issued for (its `aud`, resolved to the resource's app id). */
  resourceAppId: string
  /** `oid`: the service principal (application context) or the user object id (user context). */
  objectId: string
  userPrincipalName: string | null
  displayName: string | null
  /** Application context: the `roles` claim; user context: the `scp` claim split on spaces. */
  permissions: ReadonlySet<string>
  /** User context: union of the RBAC permissions of the user's roles; empty for applications. */
  rbacPermissions: ReadonlySet<RbacPermission>
  /**
   * User context: ids of the device groups whose machines the user may see; `null` = all groups
   * (applications, and users whose role ignores device groups, e.g. the built-in administrator).
   */
  deviceGroupIds: ReadonlySet<number> | null
  /** Raw token facts for auditing. */
  token: { id: string; version: '1.0' | '2.0'; audience: string; expiresAt: number }
}

export interface RouteRequirement {
  /** Any one of these application permissions suffices (app context). */
  application: readonly string[]
  /** Any one of these delegated permissions suffices (user context). */
  delegated: readonly string[]
  /** The RBAC permission a user's role must also grant (user context); any one of the list. */
  rbac?: readonly RbacPermission[]
  /**
   * App ids of the APIs whose tokens the route accepts (default: the MDE API only); a token for any
   * other resource is refused with 401, as a wrong audience.
   */
  resources?: readonly string[]
}

export type AuthzDecision =
  | { allowed: true }
  | {
      allowed: false
      /** 401 for a token issued for another API (wrong audience), 403 for missing permissions. */
      status: 401 | 403
      /** MDE error code: `Forbidden`, or `Unauthorized` with status 401. */
      code: string
      /** Names what was missing, e.g. "Missing application roles. API required roles: Alert.Read.All, Alert.ReadWrite.All…" */
      message: string
    }

/** Printable ASCII only, no quotes or backslashes: descriptions may quote token header values. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, "'")

/** The RFC 6750 `WWW-Authenticate` value for a refused bearer token. */
export const invalidTokenChallenge = (description: string): string =>
  `Bearer error="invalid_token", error_description="${headerSafe(description)}"`

/** Thrown by `authenticate` for 401s; carries the RFC 6750 `WWW-Authenticate` value to send. */
export class AuthenticationError extends Error {
  readonly status = 401
  readonly code = 'Unauthorized'
  constructor(
    message: string,
    readonly wwwAuthenticate: string,
  ) {
    super(message)
    this.name = 'AuthenticationError'
  }
}

export interface Authorizer {
  /** Verifies `Authorization: Bearer …` (alg allow-list, kid, iss, aud, tid, exp/nbf). Throws AuthenticationError. */
  authenticate(authorizationHeader: string | undefined): Promise<Principal>
  authorize(principal: Principal, requirement: RouteRequirement): AuthzDecision
  /** Whether the principal may see a machine in the given device group (user context scoping). */
  canSeeDeviceGroup(principal: Principal, deviceGroupId: number | null): boolean
}
