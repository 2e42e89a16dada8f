import { createHash } from 'node:crypto'
import { safeEqual } from '../core/crypto.js'
import { authenticateClient, type AuthenticatedClient, type TokenRequestContext } from './client-auth.js'
import type { Tenant, User } from './directory/types.js'
import { EntraError } from './entra-error.js'
import type { IdentityService } from './identity-service.js'
import { issueAppToken, issueUserTokens, type TokenResponse, type UserTokenRequest } from './issue-tokens.js'
import { parseV1Resource, parseV2Scope, type ScopeRequest } from './resources.js'
import { DUMMY_PASSWORD_HASH, tokenDigest, verifyPassword } from './secrets.js'

export const TENANT_ALIASES = new Set(['common', 'organizations', 'consumers'])

export interface ResolvedTenant {
  tenant: Tenant | null
  alias: string | null
}

/** URL tenant segment → tenant (GUID or domain) or one of Entra's aliases; unknown → AADSTS90002. */
export async function resolveTenant(svc: IdentityService, ref: string): Promise<ResolvedTenant> {
  const lower = ref.toLowerCase()
  if (TENANT_ALIASES.has(lower)) return { tenant: null, alias: lower }
  const tenant = await svc.tenant(lower)
  if (!tenant) throw new EntraError(90002, [ref])
  return { tenant, alias: null }
}

export function parseTarget(
  svc: IdentityService,
  endpoint: 'v1' | 'v2',
  p: { scope?: string | undefined; resource?: string | undefined },
  tenantName: string,
): ScopeRequest {
  return endpoint === 'v2'
    ? parseV2Scope(p.scope, svc.catalogue, tenantName)
    : parseV1Resource(p.resource, p.scope, svc.catalogue, tenantName)
}

const required = (p: Record<string, string>, name: string): string => {
  const v = p[name]
  if (v === undefined || v === '') throw new EntraError(900144, [name])
  return v
}

export async function tokenEndpoint(svc: IdentityService, ctx: TokenRequestContext): Promise<TokenResponse> {
  const grant = required(ctx.params, 'grant_type')
  const where = await resolveTenant(svc, ctx.tenantRef)
  switch (grant) {
    case 'client_credentials':
      return clientCredentials(svc, ctx, where)
    case 'password':
      return passwordGrant(svc, ctx, where)
    case 'authorization_code':
      return authorizationCode(svc, ctx, where)
    case 'refresh_token':
      return refreshTokenGrant(svc, ctx, where)
    case 'device_code':
    case 'urn:ietf:params:oauth:grant-type:device_code':
      return deviceCodeGrant(svc, ctx, where)
    default:
      throw new EntraError(70003, [grant])
  }
}

function audit(
  svc: IdentityService,
  ctx: TokenRequestContext,
  a: AuthenticatedClient,
  grant: string,
  details: Record<string, unknown>,
  userId?: string,
) {
  svc.audit.record({
    tenantId: a.client.tenant.id,
    kind: 'tokenIssued',
    outcome: 'success',
    actor: userId ?? a.client.app.appId,
    target: typeof details.resource === 'string' ? details.resource : null,
    code: grant,
    correlationId: ctx.correlationId ?? null,
    ip: ctx.ip,
    details: { clientId: a.client.app.appId, acr: a.acr, endpoint: ctx.endpoint, ...details },
  })
}

/** Issues a user's tokens at the end of a user grant and audits the issue (`session`: what the grant carries over). */
async function userGrantTokens(
  svc: IdentityService,
  ctx: TokenRequestContext,
  a: AuthenticatedClient,
  grant: string,
  user: User,
  target: ScopeRequest,
  session: Pick<UserTokenRequest, 'nonce' | 'family' | 'authTime' | 'amr'>,
): Promise<TokenResponse> {
  const { body, scp } = await issueUserTokens(svc, {
    client: a.client,
    acr: a.acr,
    user,
    target,
    endpoint: ctx.endpoint,
    origin: ctx.origin,
    clientInfoRequested: ctx.params.client_info === '1',
    ip: ctx.ip,
    ...session,
  })
  audit(svc, ctx, a, grant, { resource: target.audience, scp }, user.id)
  return body
}

async function clientCredentials(svc: IdentityService, ctx: TokenRequestContext, where: ResolvedTenant) {
  if (!where.tenant) throw new EntraError(9001023)
  const a = await authenticateClient(svc, ctx, where.tenant.id)
  // A public client proves nothing about itself (acr 0): it must never receive an app-only token.
  if (a.acr === '0') throw new EntraError(7000218)
  const target = parseTarget(svc, ctx.endpoint, ctx.params, where.tenant.defaultDomain)
  if (ctx.endpoint === 'v2' && !target.isDefault)
    throw new EntraError(70011, [
      "Client credential flows must have a scope value with '/.default' suffixed to the resource identifier.",
    ])
  const { body, roles } = await issueAppToken(svc, {
    client: a.client,
    acr: a.acr,
    target,
    endpoint: ctx.endpoint,
    origin: ctx.origin,
  })
  audit(svc, ctx, a, 'client_credentials', { resource: target.audience, roles })
  return body
}

async function loadActiveUser(svc: IdentityService, userId: string, familyId?: string): Promise<User> {
  const user = await svc.directory.getUser(userId)
  if (!user) throw new EntraError(50034, [userId, 'this'])
  if (!user.enabled) {
    if (familyId) await svc.state.revokeFamily(familyId, 'user disabled')
    throw new EntraError(50057)
  }
  return user
}

async function passwordGrant(svc: IdentityService, ctx: TokenRequestContext, where: ResolvedTenant) {
  const a = await authenticateClient(svc, ctx, where.tenant?.id ?? null)
  if (!a.client.app.allowPasswordGrant)
    throw new EntraError(
      70002,
      ['The client is not allowed to use the resource owner password credentials grant.'],
      {
        error: 'unauthorized_client',
      },
    )
  const username = required(ctx.params, 'username').trim()
  const password = required(ctx.params, 'password')
  const tenantName = where.tenant?.defaultDomain ?? a.client.tenant.defaultDomain
  const target = parseTarget(svc, ctx.endpoint, ctx.params, tenantName)
  const user = await checkPassword(svc, ctx, username, password, a.client.tenant.id)
  return userGrantTokens(svc, ctx, a, 'password', user, target, {
    nonce: null,
    family: null,
    authTime: svc.clock.nowMs(),
    amr: ['pwd'],
  })
}

/**
 * Username + password check shared by ROPC and the sign-in page: uniform work for unknown users
 * (a dummy scrypt), per-user lockout after repeated failures (AADSTS50053), then tenant and enabled
 * checks only once the password was right (so they reveal nothing to a guesser).
 */
export async function checkPassword(
  svc: IdentityService,
  ctx: { ip: string; correlationId?: string | undefined },
  username: string,
  password: string,
  tenantId: string | null,
): Promise<User> {
  const upn = username.toLowerCase()
  const key = `pwd:${upn}`
  // Per user (targeted guessing) and per source IP (spraying one password over many user names).
  const ipKey = `pwdip:${ctx.ip}`
  if ((await svc.state.lockedUntil(key)) || (await svc.state.lockedUntil(ipKey))) {
    svc.audit.record({ tenantId, kind: 'signIn', outcome: 'failure', actor: upn, code: '50053', ip: ctx.ip })
    throw new EntraError(50053)
  }
  const user = await svc.directory.findUserByUpn(upn)
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH)
  if (!user || !ok) {
    const perUser = await svc.state.recordFailure(key, {
      windowMs: 900_000,
      limit: svc.options.userFailureLimit ?? 10,
      lockMs: 900_000,
    })
    const perIp = await svc.state.recordFailure(ipKey, {
      windowMs: 900_000,
      limit: svc.options.ipFailureLimit ?? 100,
      lockMs: 900_000,
    })
    const r = { lockedUntil: perUser.lockedUntil || perIp.lockedUntil }
    svc.audit.record({
      tenantId: user?.tenantId ?? tenantId,
      kind: 'signIn',
      outcome: 'failure',
      actor: upn,
      code: r.lockedUntil ? '50053' : '50126',
      correlationId: ctx.correlationId ?? null,
      ip: ctx.ip,
    })
    throw new EntraError(r.lockedUntil ? 50053 : 50126)
  }
  if (tenantId !== null && user.tenantId !== tenantId) throw new EntraError(50034, [upn, tenantId])
  if (!user.enabled) {
    svc.audit.record({
      tenantId: user.tenantId,
      kind: 'signIn',
      outcome: 'failure',
      actor: user.id,
      code: '50057',
      ip: ctx.ip,
    })
    throw new EntraError(50057)
  }
  svc.audit.record({
    tenantId: user.tenantId,
    kind: 'signIn',
    outcome: 'success',
    actor: user.id,
    correlationId: ctx.correlationId ?? null,
    ip: ctx.ip,
  })
  return user
}

export function pkceMatches(method: string | null, challenge: string, verifier: string): boolean {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false
  const computed =
    method === 'plain' ? verifier : createHash('sha256').update(verifier, 'ascii').digest('base64url')
  return safeEqual(computed, challenge)
}

async function authorizationCode(svc: IdentityService, ctx: TokenRequestContext, where: ResolvedTenant) {
  const code = required(ctx.params, 'code')
  const redirectUri = required(ctx.params, 'redirect_uri')
  const a = await authenticateClient(svc, ctx, where.tenant?.id ?? null)
  const r = await svc.state.redeemCode(code)
  if (!r.ok) {
    if (r.reason === 'replayed') {
      if (r.familyId) await svc.state.revokeFamily(r.familyId, 'authorization code replay')
      throw new EntraError(54005)
    }
    if (r.reason === 'expired') throw new EntraError(70008)
    throw new EntraError(9002313, ["The provided value for the 'code' parameter is not valid."], {
      error: 'invalid_grant',
    })
  }
  const c = r.code
  if (c.clientId !== a.client.app.appId || (where.tenant && where.tenant.id !== c.tenantId))
    throw new EntraError(9002313, ['The code was not issued to this client or tenant.'], {
      error: 'invalid_grant',
    })
  if (c.redirectUri !== redirectUri)
    throw new EntraError(50011, [redirectUri, a.client.app.appId], { error: 'invalid_grant' })
  const verifier = ctx.params.code_verifier
  if (c.codeChallenge) {
    if (!verifier || !pkceMatches(c.codeChallengeMethod, c.codeChallenge, verifier))
      throw new EntraError(501481)
  } else if (verifier) throw new EntraError(501481)
  const user = await loadActiveUser(svc, c.userId)
  const target = parseTarget(
    svc,
    ctx.endpoint,
    {
      scope: ctx.params.scope ?? c.grant.scope,
      resource: ctx.params.resource ?? c.grant.resource ?? undefined,
    },
    a.client.tenant.defaultDomain,
  )
  return userGrantTokens(svc, ctx, a, 'authorization_code', user, target, {
    nonce: c.nonce,
    family: { id: c.familyId },
    authTime: c.grant.authTime,
    amr: c.grant.amr,
  })
}

async function refreshTokenGrant(svc: IdentityService, ctx: TokenRequestContext, where: ResolvedTenant) {
  const token = required(ctx.params, 'refresh_token')
  const a = await authenticateClient(svc, ctx, where.tenant?.id ?? null)
  const r = await svc.state.redeemRefreshToken(token, a.client.app.appId)
  if (!r.ok) {
    svc.audit.record({
      tenantId: a.client.tenant.id,
      kind: 'tokenFailed',
      outcome: 'failure',
      actor: a.client.app.appId,
      code: r.reason,
      correlationId: ctx.correlationId ?? null,
      ip: ctx.ip,
      details: { grant: 'refresh_token' },
    })
    switch (r.reason) {
      case 'revoked':
      case 'reused':
        throw new EntraError(50173, [r.reason === 'reused' ? 'The refresh token was already used.' : ''], {
          suberror: 'bad_token',
        })
      case 'expired':
        throw new EntraError(70008, [], { suberror: 'bad_token' })
      case 'idle':
        throw new EntraError(700082, ['(issue time withheld)', 'longer than the idle limit'], {
          suberror: 'bad_token',
        })
      case 'unknown':
        throw new EntraError('9002313.rt')
    }
  }
  if (where.tenant && where.tenant.id !== r.tenantId) throw new EntraError('9002313.rt')
  const user = await loadActiveUser(svc, r.userId, r.familyId)
  const scope = ctx.params.scope
  const resource =
    ctx.params.resource ?? (ctx.endpoint === 'v1' ? 'https://api.securitycenter.microsoft.com' : undefined)
  const target = parseTarget(svc, ctx.endpoint, { scope, resource }, a.client.tenant.defaultDomain)
  // v2: a refresh always answers with a new refresh token, as if offline_access were asked for again.
  const issued =
    ctx.endpoint === 'v2' ? { ...target, oidc: new Set([...target.oidc, 'offline_access']) } : target
  return userGrantTokens(svc, ctx, a, 'refresh_token', user, issued, {
    nonce: null,
    family: { id: r.familyId, createdAt: r.createdAt },
    authTime: r.createdAt,
    amr: ['pwd'],
  })
}

/** Polls tolerated within one interval before slow_down (RFC 8628 §3.5): one quick retry is fine. */
const POLLS_PER_INTERVAL = 3

/** Counts the polls of one device code per interval window; true once a client polls faster than allowed. */
function pollingTooFast(svc: IdentityService, deviceCode: string): boolean {
  const now = svc.clock.nowMs()
  const windowMs = svc.options.deviceCodeIntervalSeconds * 1000
  const key = tokenDigest(deviceCode)
  const e = svc.devicePolls.get(key)
  if (!e || now - e.start >= windowMs) {
    svc.devicePolls.set(key, { start: now, count: 1 }, now + windowMs)
    return false
  }
  e.count++
  return e.count > POLLS_PER_INTERVAL
}

async function deviceCodeGrant(svc: IdentityService, ctx: TokenRequestContext, where: ResolvedTenant) {
  const deviceCode = ctx.params.device_code ?? ctx.params.code
  if (!deviceCode) throw new EntraError(900144, ['device_code'])
  const a = await authenticateClient(svc, ctx, where.tenant?.id ?? null)
  const rec = await svc.state.findDeviceCode(deviceCode)
  if (!rec || rec.clientId !== a.client.app.appId)
    throw new EntraError(9002313, ["The provided value for 'device_code' is not valid."], {
      error: 'invalid_grant',
    })
  if (rec.expiresAt <= svc.clock.nowMs()) throw new EntraError(70019)
  if (rec.status === 'pending') {
    if (pollingTooFast(svc, deviceCode)) throw new EntraError(70016, [], { error: 'slow_down' })
    throw new EntraError(70016)
  }
  if (rec.status === 'declined') throw new EntraError(90120)
  if (rec.status === 'redeemed' || !(await svc.state.redeemDeviceCode(deviceCode)))
    throw new EntraError(90120, [], { error: 'invalid_grant' })
  const user = await loadActiveUser(svc, rec.userId!)
  const target = parseTarget(
    svc,
    rec.request.endpoint,
    { scope: rec.request.scope, resource: rec.request.resource ?? undefined },
    a.client.tenant.defaultDomain,
  )
  return userGrantTokens(svc, ctx, a, 'device_code', user, target, {
    nonce: null,
    family: null,
    authTime: svc.clock.nowMs(),
    amr: ['pwd'],
  })
}
