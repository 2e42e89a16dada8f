import { randomToken } from '../core/crypto.js'
import {
  appAccessTokenClaims,
  clientInfo,
  idTokenClaims,
  signJwt,
  times,
  userAccessTokenClaims,
  type ClientAuthMethod,
} from './claims.js'
import type { User } from './directory/types.js'
import { EntraError } from './entra-error.js'
import type { ClientRecord, IdentityService } from './identity-service.js'
import type { ScopeRequest } from './resources.js'

export type TokenResponse = Record<string, string | number>

/** Client credentials: `roles` = the app permissions granted on the resource (possibly none — Entra issues anyway). */
export async function issueAppToken(
  svc: IdentityService,
  req: {
    client: ClientRecord
    acr: ClientAuthMethod
    target: ScopeRequest
    endpoint: 'v1' | 'v2'
    origin: string
  },
): Promise<{ body: TokenResponse; roles: string[] }> {
  const lifetime = svc.options.accessTokenLifetimeSeconds
  const t = times(svc.clock.nowMs(), lifetime)
  const roles = [...(req.client.appRoles.get(req.target.resource.appId) ?? [])].sort()
  const claims = appAccessTokenClaims({
    origin: req.origin,
    tenantId: req.client.tenant.id,
    audience: req.target.audience,
    clientId: req.client.app.appId,
    servicePrincipalId: req.client.app.servicePrincipalId,
    acr: req.acr,
    roles,
    times: t,
  })
  const accessToken = await signJwt(claims, svc.keys.signingKey())
  if (req.endpoint === 'v2')
    return {
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: accessToken,
      },
      roles,
    }
  return {
    body: {
      token_type: 'Bearer',
      expires_in: String(lifetime),
      ext_expires_in: String(lifetime),
      expires_on: String(t.exp),
      not_before: String(t.nbf),
      resource: req.target.audience,
      access_token: accessToken,
    },
    roles,
  }
}

/**
 * The delegated permissions a user token may carry: explicit scopes must all be consented (by the
 * user or by an admin for the tenant); `.default` means everything consented. Nothing consented →
 * consent_required (AADSTS65001), which msal treats as "interaction required".
 */
export async function delegatedScopes(
  svc: IdentityService,
  client: ClientRecord,
  user: User,
  target: ScopeRequest,
): Promise<string[]> {
  const known = new Set(target.resource.delegatedPermissions)
  for (const p of target.permissions)
    if (!known.has(p))
      throw new EntraError(70011, [`The scope '${p}' is not defined by ${target.resource.displayName}.`])
  const consented = await svc.directory.consentedScopes(client.app.appId, target.resource.appId, user.id)
  const wanted = target.isDefault ? [...consented].filter((s) => known.has(s)) : target.permissions
  const missing = wanted.filter((s) => !consented.has(s))
  if (missing.length || !wanted.length)
    throw new EntraError(65001, [client.app.appId, client.app.displayName], { suberror: 'consent_required' })
  return [...new Set(wanted)].sort()
}

export interface UserTokenRequest {
  client: ClientRecord
  acr: ClientAuthMethod
  user: User
  target: ScopeRequest
  endpoint: 'v1' | 'v2'
  origin: string
  nonce: string | null
  clientInfoRequested: boolean
  /** Refresh-token family to continue (refresh grant) or start (new sign-in). */
  family: { id: string; createdAt?: number } | null
  authTime: number
  amr: string[]
  ip: string | null
}

/** Access token (+ ID token when `openid`, + rotating refresh token when `offline_access` or v1, + client_info). */
export async function issueUserTokens(
  svc: IdentityService,
  req: UserTokenRequest,
): Promise<{ body: TokenResponse; scp: string[]; familyId: string | null }> {
  const scp = await delegatedScopes(svc, req.client, req.user, req.target)
  const lifetime = svc.options.accessTokenLifetimeSeconds
  const now = svc.clock.nowMs()
  const t = times(now, lifetime)
  const key = svc.keys.signingKey()
  const tenantId = req.client.tenant.id
  const userFacts = {
    id: req.user.id,
    upn: req.user.userPrincipalName,
    displayName: req.user.displayName,
    givenName: req.user.givenName,
    surname: req.user.surname,
  }
  const accessToken = await signJwt(
    userAccessTokenClaims({
      origin: req.origin,
      tenantId,
      audience: req.target.audience,
      clientId: req.client.app.appId,
      acr: req.acr,
      scp,
      user: userFacts,
      amr: req.amr,
      authTime: req.authTime,
      ipaddr: req.ip,
      times: t,
    }),
    key,
  )
  const wantsId = req.target.oidc.has('openid') || req.endpoint === 'v1'
  const idToken = wantsId
    ? await signJwt(
        idTokenClaims({
          origin: req.origin,
          tenantId,
          clientId: req.client.app.appId,
          version: req.endpoint === 'v2' ? '2.0' : '1.0',
          user: userFacts,
          nonce: req.nonce,
          authTime: req.authTime,
          times: t,
        }),
        key,
      )
    : null
  const wantsRefresh = req.target.oidc.has('offline_access') || req.endpoint === 'v1'
  let refreshToken: string | null = null
  let familyId: string | null = null
  if (wantsRefresh) {
    familyId = req.family?.id ?? randomToken(16)
    refreshToken = await svc.state.issueRefreshToken(
      {
        familyId,
        tenantId,
        clientId: req.client.app.appId,
        userId: req.user.id,
        ...(req.family?.createdAt ? { familyCreatedAt: req.family.createdAt } : {}),
      },
      {
        lifetimeMs: (svc.options.refreshTokenLifetimeDays ?? 90) * 86_400_000,
        idleMs: (svc.options.refreshTokenIdleDays ?? 14) * 86_400_000,
      },
    )
  }
  const body: TokenResponse = { token_type: 'Bearer' }
  if (req.endpoint === 'v2') {
    const qualified = scp.map((s) => `${req.target.audience}/${s}`)
    const echoed = [...new Set([...req.target.requestedResourceScopes, ...qualified])]
    body.scope = [
      ...echoed,
      ...[...req.target.oidc].filter((s) => s !== 'offline_access' || refreshToken),
    ].join(' ')
    body.expires_in = lifetime
    body.ext_expires_in = lifetime
  } else {
    body.scope = scp.join(' ')
    body.expires_in = String(lifetime)
    body.ext_expires_in = String(lifetime)
    body.expires_on = String(t.exp)
    body.not_before = String(t.nbf)
    body.resource = req.target.audience
  }
  body.access_token = accessToken
  if (refreshToken) body.refresh_token = refreshToken
  if (idToken) body.id_token = idToken
  if (req.clientInfoRequested) body.client_info = clientInfo(req.user.id, tenantId)
  return { body, scp, familyId }
}
