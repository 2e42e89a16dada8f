import { X509Certificate } from 'node:crypto'
import { decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose'
import type { ClientAuthMethod } from './claims.js'
import type { CertificateCredential, SecretCredential } from './directory/types.js'
import { EntraError } from './entra-error.js'
import type { ClientRecord, IdentityService } from './identity-service.js'
import { verifyClientSecret } from './secrets.js'

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const ASSERTION_ALGS = ['PS256', 'RS256']
const MAX_ASSERTION_LIFETIME_S = 600
const SKEW_S = 300

export interface TokenRequestContext {
  params: Record<string, string>
  authorization: string | undefined
  ip: string
  correlationId: string | undefined
  /** Tenant segment of the URL as the client wrote it. */
  tenantRef: string
  endpoint: 'v1' | 'v2'
  origin: string
}

export interface AuthenticatedClient {
  client: ClientRecord
  acr: ClientAuthMethod
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header || !/^basic /i.test(header)) return null
  const raw = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const i = raw.indexOf(':')
  if (i < 0) return null
  try {
    return { id: decodeURIComponent(raw.slice(0, i)), secret: decodeURIComponent(raw.slice(i + 1)) }
  } catch {
    return null
  }
}

/**
 * Identifies and authenticates the client of a token request (RFC 6749 §2.3 / RFC 7523): secret in the
 * body or HTTP Basic, or a certificate-signed `client_assertion`; public clients must present nothing.
 * `requireCredential` is false only for endpoints where Entra lets confidential clients skip it
 * (device-code initiation).
 */
export async function authenticateClient(
  svc: IdentityService,
  ctx: TokenRequestContext,
  tenantId: string | null,
  requireCredential = true,
): Promise<AuthenticatedClient> {
  const p = ctx.params
  const basic = basicCredentials(ctx.authorization)
  const secret = p.client_secret ?? basic?.secret
  const assertion = p.client_assertion
  const clientId = (p.client_id ?? basic?.id ?? '').trim()
  if (!clientId) throw new EntraError(900144, ['client_id'])
  // RFC 6749 §2.3: one authentication method per request, and Basic must name the same client.
  if (
    basic &&
    (p.client_secret !== undefined || assertion !== undefined || (p.client_id && p.client_id !== basic.id))
  )
    throw new EntraError(
      9002313,
      ['Only one client authentication method may be used, for the client named in client_id.'],
      {
        error: 'invalid_client',
        status: 401,
      },
    )
  const client = await svc.client(clientId)
  if (!client || (tenantId !== null && client.tenant.id !== tenantId))
    throw new EntraError(700016, [clientId, tenantId ?? ctx.tenantRef])
  if (!client.app.enabled) throw new EntraError(7000112, [client.app.displayName])
  if (client.app.publicClient) {
    if (secret !== undefined || assertion !== undefined) throw new EntraError(700025)
    return { client, acr: '0' }
  }
  if (assertion !== undefined) {
    if (p.client_assertion_type !== JWT_BEARER)
      throw new EntraError(9002313, [`client_assertion_type must be '${JWT_BEARER}'.`])
    await verifyAssertion(svc, ctx, client, assertion)
    return { client, acr: '2' }
  }
  if (secret !== undefined) {
    await verifySecret(svc, ctx, client, secret)
    return { client, acr: '1' }
  }
  if (!requireCredential) return { client, acr: '0' }
  throw new EntraError(7000218)
}

const throttleKey = (clientId: string, ip: string) => `secret:${clientId}:${ip}`

async function verifySecret(
  svc: IdentityService,
  ctx: TokenRequestContext,
  client: ClientRecord,
  secret: string,
) {
  const key = throttleKey(client.app.appId, ctx.ip)
  const now = svc.clock.nowMs()
  const locked = svc.throttled.get(key)
  if (locked && locked > now) throw throttledError(locked, now)
  const secrets = client.credentials.filter((c): c is SecretCredential => c.kind === 'secret')
  let expired = false
  for (const c of secrets) {
    if (!verifyClientSecret(secret, { salt: c.salt, hash: c.secretHash })) continue
    if (c.expiresAt > now) return
    expired = true
  }
  if (expired) throw new EntraError(7000222, [client.app.appId])
  const limit = svc.options.clientFailureLimit ?? 10
  const r = await svc.state.recordFailure(key, { windowMs: 300_000, limit, lockMs: 300_000 })
  svc.audit.record({
    tenantId: client.tenant.id,
    kind: 'tokenFailed',
    outcome: 'failure',
    actor: client.app.appId,
    code: r.lockedUntil ? '90055' : '7000215',
    correlationId: ctx.correlationId ?? null,
    ip: ctx.ip,
    details: { failures: r.count },
  })
  if (r.lockedUntil) {
    svc.throttled.set(key, r.lockedUntil, r.lockedUntil)
    throw throttledError(r.lockedUntil, now)
  }
  throw new EntraError(7000215, [client.app.appId])
}

function throttledError(lockedUntil: number, now: number): EntraError {
  const seconds = Math.max(1, Math.ceil((lockedUntil - now) / 1000))
  return new EntraError(90055, [String(seconds)], { retryAfterSeconds: seconds })
}

/** Token endpoint URLs a client assertion may name as `aud`: v1 and v2, any tenant alias, any of our origins. */
function acceptableAudience(
  svc: IdentityService,
  ctx: TokenRequestContext,
  client: ClientRecord,
  aud: string,
): boolean {
  let u: URL
  try {
    u = new URL(aud)
  } catch {
    return false
  }
  if (!svc.trustedOrigins().has(u.origin)) return false
  const tenants = new Set([client.tenant.id, ...client.tenant.domains, ctx.tenantRef.toLowerCase()])
  const m = /^\/([^/]+)\/oauth2\/(?:v2\.0\/)?token\/?$/i.exec(u.pathname)
  return Boolean(m && tenants.has(decodeURIComponent(m[1]!).toLowerCase()))
}

async function verifyAssertion(
  svc: IdentityService,
  ctx: TokenRequestContext,
  client: ClientRecord,
  assertion: string,
) {
  let header: ReturnType<typeof decodeProtectedHeader>
  try {
    header = decodeProtectedHeader(assertion)
  } catch {
    throw new EntraError(700027, ['The client assertion is not a well-formed JWT.'])
  }
  if (!header.alg || !ASSERTION_ALGS.includes(header.alg))
    throw new EntraError(700027, [`Algorithm '${String(header.alg)}' is not allowed; use PS256 or RS256.`])
  const now = svc.clock.nowMs()
  const certs = client.credentials.filter((c): c is CertificateCredential => c.kind === 'certificate')
  const s256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined
  const s1 = typeof header.x5t === 'string' ? header.x5t : undefined
  const named = certs.filter((c) => (s256 && c.thumbprintSha256 === s256) || (s1 && c.thumbprintSha1 === s1))
  const candidates = s256 || s1 ? named : certs
  if (!candidates.length)
    throw new EntraError(700027, ['No registered certificate matches the assertion header thumbprint.'])
  let lastError: unknown = null
  for (const cert of candidates) {
    if (cert.expiresAt <= now) {
      lastError = new EntraError(700027, ['The certificate has expired.'])
      continue
    }
    try {
      const key = new X509Certificate(cert.certificatePem).publicKey
      const { payload } = await jwtVerify(assertion, key, {
        algorithms: ASSERTION_ALGS,
        clockTolerance: SKEW_S,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'iss', 'sub', 'aud'],
      })
      if (payload.iss !== payload.sub) throw new EntraError(50048, [client.app.appId])
      if (payload.sub !== client.app.appId) throw new EntraError(50048, [client.app.appId])
      const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? '']
      if (!auds.some((a) => acceptableAudience(svc, ctx, client, a)))
        throw new EntraError(700023, [auds.join(', ')])
      // The cap also holds from now (within the skew), so leaving out nbf/iat cannot dodge it.
      const nowS = Math.floor(now / 1000)
      const start = payload.nbf ?? payload.iat ?? nowS
      if (
        payload.exp! - start > MAX_ASSERTION_LIFETIME_S + 60 ||
        payload.exp! - nowS > MAX_ASSERTION_LIFETIME_S + SKEW_S
      )
        throw new EntraError(700024, ['The assertion lifetime exceeds 10 minutes.'])
      return
    } catch (err) {
      if (err instanceof EntraError) throw err
      if (
        err instanceof joseErrors.JWTExpired ||
        (err instanceof joseErrors.JWTClaimValidationFailed && /nbf|iat/.test(err.claim))
      )
        throw new EntraError(700024, [err.message])
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw new EntraError(700027, [err.message])
      lastError = err
    }
  }
  if (lastError instanceof EntraError) throw lastError
  throw new EntraError(700027, ['The signature does not verify with any registered certificate.'])
}
