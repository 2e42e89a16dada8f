import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import {
  appAccessTokenClaims,
  clientInfo,
  idTokenClaims,
  pairwiseSub,
  signJwt,
  times,
  userAccessTokenClaims,
} from './claims.js'
import type { SigningKey } from './signing-keys.js'

const T = '7f1c0000-0000-4000-8000-000000000001'
const t = times(Date.UTC(2026, 0, 1), 3599)
const user = {
  id: 'u-1',
  upn: 'alice@contoso.test',
  displayName: 'Alice',
  givenName: 'Alice',
  surname: 'Liddell',
}

describe('token claims (identity.md §3.3, §3.4)', () => {
  it('app-only v1 access token: roles, appid/appidacr, v1 issuer, no scp/upn', () => {
    const c = appAccessTokenClaims({
      origin: 'https://sts.test',
      tenantId: T,
      audience: 'https://api.securitycenter.microsoft.com',
      clientId: 'c-1',
      servicePrincipalId: 'sp-1',
      acr: '2',
      roles: ['Alert.Read.All'],
      times: t,
    })
    assert.equal(c.iss, `https://sts.test/${T}/`)
    assert.equal(c.idp, c.iss)
    assert.deepEqual(
      [c.appid, c.appidacr, c.oid, c.sub, c.tid, c.ver, c.idtyp],
      ['c-1', '2', 'sp-1', 'sp-1', T, '1.0', 'app'],
    )
    assert.deepEqual(c.roles, ['Alert.Read.All'])
    assert.equal(c.exp! - c.iat!, 3599)
    assert.equal('scp' in c || 'upn' in c, false)
    const none = appAccessTokenClaims({
      origin: 'https://sts.test',
      tenantId: T,
      audience: 'x',
      clientId: 'c',
      servicePrincipalId: 's',
      acr: '1',
      roles: [],
      times: t,
    })
    assert.equal('roles' in none, false, 'no roles claim when nothing is granted (as Entra)')
  })
  it('delegated v1 access token: scp, upn, unique_name, name, pairwise sub, no roles', () => {
    const c = userAccessTokenClaims({
      origin: 'https://sts.test',
      tenantId: T,
      audience: 'https://api.securitycenter.microsoft.com',
      clientId: 'pub',
      acr: '0',
      scp: ['Alert.Read', 'Machine.Read'],
      user,
      amr: ['pwd'],
      authTime: 0,
      ipaddr: '10.0.0.1',
      times: t,
    })
    assert.equal(c.scp, 'Alert.Read Machine.Read')
    assert.deepEqual(
      [c.upn, c.unique_name, c.name, c.oid, c.appidacr, c.idtyp],
      [user.upn, user.upn, 'Alice', 'u-1', '0', 'user'],
    )
    assert.equal(c.sub, pairwiseSub('u-1', 'pub'))
    assert.notEqual(pairwiseSub('u-1', 'pub'), pairwiseSub('u-1', 'other'))
    assert.equal('roles' in c, false)
  })
  it('ID tokens: aud = client, nonce, v2 preferred_username / v1 upn', () => {
    const v2 = idTokenClaims({
      origin: 'https://sts.test',
      tenantId: T,
      clientId: 'pub',
      version: '2.0',
      user,
      nonce: 'n1',
      authTime: 0,
      times: t,
    })
    assert.deepEqual(
      [v2.aud, v2.iss, v2.nonce, v2.preferred_username, v2.ver],
      ['pub', `https://sts.test/${T}/v2.0`, 'n1', user.upn, '2.0'],
    )
    const v1 = idTokenClaims({
      origin: 'https://sts.test',
      tenantId: T,
      clientId: 'pub',
      version: '1.0',
      user,
      nonce: null,
      authTime: 0,
      times: t,
    })
    assert.deepEqual(
      [v1.iss, v1.upn, v1.ver, 'nonce' in v1],
      [`https://sts.test/${T}/`, user.upn, '1.0', false],
    )
    assert.deepEqual(JSON.parse(Buffer.from(clientInfo('u-1', T), 'base64url').toString()), {
      uid: 'u-1',
      utid: T,
    })
  })
  it('signJwt produces RS256 JWS with typ/kid/x5t that jose verifies', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const key: SigningKey = {
      slot: 1,
      kid: 'kid-1',
      privateKey: createPrivateKey(pem),
      publicKey: createPublicKey(pem),
      certificateDer: '',
    }
    const jwt = await signJwt({ a: 1, s: 'ü' }, key)
    assert.deepEqual(decodeProtectedHeader(jwt), { typ: 'JWT', alg: 'RS256', x5t: 'kid-1', kid: 'kid-1' })
    const { payload } = await jwtVerify(jwt, key.publicKey, { algorithms: ['RS256'] })
    assert.deepEqual(payload, { a: 1, s: 'ü' })
  })
})
