import { createHash, sign as nodeSign } from 'node:crypto'
import type { JWTPayload } from 'jose'
import { randomToken } from '../core/crypto.js'
import type { SigningKey } from './signing-keys.js'

/** `appidacr`/`azpacr`: how the client authenticated. */
export type ClientAuthMethod = '0' | '1' | '2'

export const issuerV1 = (origin: string, tenantId: string): string => `${origin}/${tenantId}/`
export const issuerV2 = (origin: string, tenantId: string): string => `${origin}/${tenantId}/v2.0`

/** Pairwise subject per (user, client), as Entra does for `sub`. */
export function pairwiseSub(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}:${clientId}`).digest('base64url').slice(0, 43)
}

export interface TokenTimes {
  iat: number
  nbf: number
  exp: number
}

export function times(nowMs: number, lifetimeSeconds: number): TokenTimes {
  const iat = Math.floor(nowMs / 1000)
  return { iat, nbf: iat, exp: iat + lifetimeSeconds }
}

export interface AppTokenInput {
  origin: string
  tenantId: string
  audience: string
  clientId: string
  servicePrincipalId: string
  acr: ClientAuthMethod
  roles: string[]
  times: TokenTimes
}

/** The claims every (v1) access token starts with: audience, issuer, times. */
function accessTokenHead(i: { origin: string; tenantId: string; audience: string; times: TokenTimes }) {
  return {
    aud: i.audience,
    iss: issuerV1(i.origin, i.tenantId),
    iat: i.times.iat,
    nbf: i.times.nbf,
    exp: i.times.exp,
  }
}

/** v1-shaped app-only access token claims (MDE receives v1 tokens; identity.md §3.1, §3.3). */
export function appAccessTokenClaims(i: AppTokenInput): JWTPayload {
  const head = accessTokenHead(i)
  return {
    ...head,
    idp: head.iss,
    oid: i.servicePrincipalId,
    sub: i.servicePrincipalId,
    tid: i.tenantId,
    appid: i.clientId,
    appidacr: i.acr,
    ...(i.roles.length ? { roles: i.roles } : {}),
    idtyp: 'app',
    uti: randomToken(16),
    ver: '1.0',
  }
}

export interface UserTokenInput {
  origin: string
  tenantId: string
  audience: string
  clientId: string
  acr: ClientAuthMethod
  scp: string[]
  user: { id: string; upn: string; displayName: string; givenName: string | null; surname: string | null }
  amr: string[]
  authTime: number
  ipaddr: string | null
  times: TokenTimes
}

export function userAccessTokenClaims(i: UserTokenInput): JWTPayload {
  return {
    ...accessTokenHead(i),
    acr: '1',
    amr: i.amr,
    appid: i.clientId,
    appidacr: i.acr,
    ...(i.user.givenName ? { given_name: i.user.givenName } : {}),
    ...(i.user.surname ? { family_name: i.user.surname } : {}),
    idtyp: 'user',
    ...(i.ipaddr ? { ipaddr: i.ipaddr } : {}),
    name: i.user.displayName,
    oid: i.user.id,
    scp: i.scp.join(' '),
    sub: pairwiseSub(i.user.id, i.clientId),
    tid: i.tenantId,
    unique_name: i.user.upn,
    upn: i.user.upn,
    uti: randomToken(16),
    ver: '1.0',
  }
}

export interface IdTokenInput {
  origin: string
  tenantId: string
  clientId: string
  version: '1.0' | '2.0'
  user: { id: string; upn: string; displayName: string }
  nonce: string | null
  authTime: number
  times: TokenTimes
}

/** ID token (aud = client id). v1 and v2 claim sets; both signed (Entra leaves v1 unsigned). */
export function idTokenClaims(i: IdTokenInput): JWTPayload {
  const common = {
    aud: i.clientId,
    iat: i.times.iat,
    nbf: i.times.nbf,
    exp: i.times.exp,
    ...(i.nonce ? { nonce: i.nonce } : {}),
    name: i.user.displayName,
    oid: i.user.id,
    sub: pairwiseSub(i.user.id, i.clientId),
    tid: i.tenantId,
    uti: randomToken(16),
  }
  if (i.version === '2.0')
    return { ...common, iss: issuerV2(i.origin, i.tenantId), preferred_username: i.user.upn, ver: '2.0' }
  return {
    ...common,
    iss: issuerV1(i.origin, i.tenantId),
    amr: ['pwd'],
    auth_time: Math.floor(i.authTime / 1000),
    unique_name: i.user.upn,
    upn: i.user.upn,
    ver: '1.0',
  }
}

/**
 * RS256 with `kid` and `x5t` (= kid, as Entra does in v1 tokens); `typ: JWT`. Signs our own claims with
 * node:crypto's asynchronous RSA-SHA256 (PKCS#1 v1.5, i.e. exactly JWS RS256) on the libuv thread pool:
 * measured ~25% more issuance throughput than jose's WebCrypto path, whose sign job costs main-thread
 * time. Everything we *verify* (bearer tokens, client assertions) still goes through jose.
 */
const headers = new WeakMap<SigningKey, string>()

export function signJwt(claims: JWTPayload, key: SigningKey): Promise<string> {
  let header = headers.get(key)
  if (!header) {
    header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid })).toString(
      'base64url',
    )
    headers.set(key, header)
  }
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return new Promise((resolve, reject) =>
    nodeSign('sha256', Buffer.from(input), key.privateKey, (err, sig) =>
      err ? reject(err) : resolve(`${input}.${sig.toString('base64url')}`),
    ),
  )
}

export function clientInfo(userId: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: userId, utid: tenantId })).toString('base64url')
}
