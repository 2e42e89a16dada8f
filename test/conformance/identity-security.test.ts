import assert from 'node:assert/strict'
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { SignJWT, type JWTPayload } from 'jose'
import type { FastifyInstance } from 'fastify'
import { addSecret } from '../../src/identity/credentials-admin.js'
import { app, MDE, startIdentityServer, user, type IdentityTestServer } from './identity-helpers.js'
import {
  aadsts,
  actionOf,
  csrfOf,
  postForm,
  probe,
  submitSignIn,
  type Json,
} from '../helpers/identity-http.js'

/**
 * Negative tests for every item of identity.md §7 (and the AADSTS catalogue), over HTTP (fastify inject)
 * against a real server with real crypto and a real store.
 */

/** Drives /authorize → sign-in form → redirect, as a browser would; returns the final redirect URL. */
async function browserCode(
  a: FastifyInstance,
  authorizeUrl: string,
  upn: string,
  password: string,
): Promise<URL> {
  const { response, jar } = await submitSignIn(a, authorizeUrl, upn, password)
  const r = await a.inject({
    method: 'GET',
    url: String(response.headers.location),
    headers: { cookie: jar },
  })
  assert.equal(r.statusCode, 302, r.body)
  return new URL(String(r.headers.location))
}

describe('identity security checklist (identity.md §7)', () => {
  let s: IdentityTestServer
  let a: FastifyInstance
  let tokenUrlV2: string
  let tokenUrlV1: string
  before(async () => {
    s = await startIdentityServer({ http: true })
    a = s.server.app
    tokenUrlV2 = `/${s.creds.tenantId}/oauth2/v2.0/token`
    tokenUrlV1 = `/${s.creds.tenantDomain}/oauth2/token`
  })
  after(async () => s?.close())

  const appToken = async () => {
    const full = app(s.creds, 'full')
    const r = await postForm(a, tokenUrlV2, {
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      scope: `${MDE}/.default`,
    })
    assert.equal(r.status, 200)
    return r.body.access_token as string
  }
  /** A token with arbitrary claims signed by the server's real current key. */
  const forge = async (patch: JWTPayload, header: Record<string, unknown> = {}) => {
    const key = a.identity.keys.signingKey()
    const now = Math.floor(Date.now() / 1000)
    const claims: JWTPayload = {
      aud: MDE,
      iss: `${s.url}/${s.creds.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      tid: s.creds.tenantId,
      oid: 'x',
      appid: app(s.creds, 'full').clientId,
      appidacr: '1',
      roles: ['Alert.Read.All'],
      idtyp: 'app',
      ver: '1.0',
      ...patch,
    }
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
      .sign(key.privateKey)
  }

  describe('resource server: bearer validation → 401 invalid_token', () => {
    it('accepts a genuine token and a forged-but-correct one (control)', async () => {
      assert.equal((await probe(a, await appToken())).status, 200)
      assert.equal((await probe(a, await forge({}))).status, 200)
    })
    it('rejects a missing header with a bare Bearer challenge', async () => {
      const r = await a.inject({ method: 'GET', url: '/api/_identity-probe' })
      assert.equal(r.statusCode, 401)
      assert.equal(r.headers['www-authenticate'], 'Bearer')
    })
    it('alg:none', async () => {
      const good = await appToken()
      const [, payload] = good.split('.')
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`
      const r = await probe(a, none)
      assert.equal(r.status, 401)
      assert.match(r.www, /invalid_token/)
    })
    it('HS256 signed with the public key (algorithm confusion)', async () => {
      const jwks = (await a.inject({ method: 'GET', url: '/common/discovery/keys' })).json<{
        keys: { kid: string; x5c: string[] }[]
      }>()
      const k = jwks.keys[0]!
      const pem = `-----BEGIN CERTIFICATE-----\n${k.x5c[0]}\n-----END CERTIFICATE-----\n`
      const payload = (await appToken()).split('.')[1]
      const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: k.kid })).toString(
        'base64url',
      )
      const { createHmac } = await import('node:crypto')
      const sig = createHmac('sha256', pem).update(`${header}.${payload}`).digest('base64url')
      assert.equal((await probe(a, `${header}.${payload}.${sig}`)).status, 401)
    })
    it('unknown kid (foreign key)', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const now = Math.floor(Date.now() / 1000)
      const t = await new SignJWT({
        aud: MDE,
        iss: `${s.url}/${s.creds.tenantId}/`,
        tid: s.creds.tenantId,
        idtyp: 'app',
        appid: 'x',
        roles: ['Alert.Read.All'],
        iat: now,
        nbf: now,
        exp: now + 600,
      })
        .setProtectedHeader({ alg: 'RS256', kid: randomBytes(20).toString('base64url') })
        .sign(privateKey)
      const r = await probe(a, t)
      assert.equal(r.status, 401)
      assert.match(r.www, /unknown key/)
    })
    it('expired, not-yet-valid (beyond the 5-minute skew), over-long lifetime', async () => {
      const now = Math.floor(Date.now() / 1000)
      assert.match(
        (await probe(a, await forge({ iat: now - 7200, nbf: now - 7200, exp: now - 600 }))).www,
        /expired/,
      )
      assert.match((await probe(a, await forge({ nbf: now + 900, iat: now }))).www, /not yet valid/)
      assert.equal((await probe(a, await forge({ exp: now + 3 * 86400 }))).status, 401)
      // within the skew is fine
      assert.equal(
        (await probe(a, await forge({ iat: now - 3700, nbf: now - 3700, exp: now - 100 }))).status,
        200,
      )
    })
    it('wrong audience (incl. an ID token, whose aud is the client id)', async () => {
      assert.match((await probe(a, await forge({ aud: 'https://management.azure.com' }))).www, /audience/)
      // A token for another API Bulwark serves (Graph) is refused by an MDE route all the same.
      assert.match((await probe(a, await forge({ aud: 'https://graph.microsoft.com' }))).www, /audience/)
      assert.equal((await probe(a, await forge({ aud: app(s.creds, 'full').clientId }))).status, 401)
      assert.equal((await probe(a, await forge({ idtyp: undefined }))).status, 401)
    })
    it('wrong issuer', async () => {
      assert.match(
        (await probe(a, await forge({ iss: `https://sts.windows.net/${s.creds.tenantId}/` }))).www,
        /issuer/,
      )
    })
    it('other tenant (tid not matching the issuer, or unknown tenant)', async () => {
      const other = '00000000-0000-4000-8000-000000000001'
      assert.equal((await probe(a, await forge({ tid: other }))).status, 401)
      assert.match((await probe(a, await forge({ tid: other, iss: `${s.url}/${other}/` }))).www, /tenant/)
    })
    it('tampered payload', async () => {
      const [h, p, sig] = (await appToken()).split('.')
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Json
      claims.roles = ['Machine.Offboard']
      const t = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`
      assert.match((await probe(a, t)).www, /signature/)
    })
    it('403 names the missing permission (valid token without the role)', async () => {
      const r = await probe(a, await forge({ roles: ['Machine.Read.All'] }))
      assert.equal(r.status, 403)
      assert.match(JSON.stringify(r.body), /Alert\.Read\.All/)
    })
  })

  describe('authorization server', () => {
    it('wrong secret → AADSTS7000215 (401), then throttled per client+IP → AADSTS90055 (429, Retry-After)', async () => {
      const ro = app(s.creds, 'readonly')
      const bad = {
        grant_type: 'client_credentials',
        client_id: ro.clientId,
        client_secret: 'bw~wrong',
        scope: `${MDE}/.default`,
      }
      const first = await postForm(a, tokenUrlV2, bad, {
        'client-request-id': 'c0ffee00-0000-4000-8000-000000000000',
      })
      assert.equal(first.status, 401)
      assert.equal(aadsts(first.body), 7000215)
      assert.equal(first.body.correlation_id, 'c0ffee00-0000-4000-8000-000000000000')
      assert.equal(first.headers['retry-after'], undefined)
      let last = first
      for (let i = 0; i < 12 && last.status !== 429; i++) last = await postForm(a, tokenUrlV2, bad)
      assert.equal(last.status, 429)
      assert.equal(aadsts(last.body), 90055)
      assert.ok(Number(last.headers['retry-after']) > 0)
      // even the right secret is refused from that client+IP while throttled
      const good = await postForm(a, tokenUrlV2, { ...bad, client_secret: ro.clientSecret! })
      assert.equal(good.status, 429)
    })
    it('client errors: unknown client 700016, public client with secret 700025, no credential 7000218, unknown tenant 90002, /common 9001023', async () => {
      const full = app(s.creds, 'full')
      const pub = app(s.creds, 'public')
      const scope = `${MDE}/.default`
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              grant_type: 'client_credentials',
              client_id: '11111111-1111-1111-1111-111111111111',
              client_secret: 'x',
              scope,
            })
          ).body,
        ),
        700016,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              grant_type: 'password',
              client_id: pub.clientId,
              client_secret: 'x',
              username: 'u',
              password: 'p',
              scope,
            })
          ).body,
        ),
        700025,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              grant_type: 'client_credentials',
              client_id: full.clientId,
              scope,
            })
          ).body,
        ),
        7000218,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, '/nowhere.example/oauth2/v2.0/token', {
              grant_type: 'client_credentials',
              client_id: full.clientId,
              scope,
            })
          ).body,
        ),
        90002,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, '/common/oauth2/v2.0/token', {
              grant_type: 'client_credentials',
              client_id: full.clientId,
              client_secret: full.clientSecret!,
              scope,
            })
          ).body,
        ),
        9001023,
      )
    })
    it('expired secret → AADSTS7000222; v2 JWKS names the issuer per key', async () => {
      const created = await a.identity.directory.createApplication({
        tenantId: s.creds.tenantId,
        displayName: 'expiring',
      })
      const { secret } = await addSecret(a.identity, created.appId)
      await a.identity.db.execute('UPDATE idp_app_credentials SET "expiresAt" = 1 WHERE "appId" = $1', [
        created.appId,
      ])
      a.identity.invalidate()
      const r = await postForm(a, `/${s.creds.tenantId}/oauth2/token`, {
        grant_type: 'client_credentials',
        client_id: created.appId,
        client_secret: secret,
        resource: MDE,
      })
      assert.equal(aadsts(r.body), 7000222)
      const jwks = (
        await a.inject({ method: 'GET', url: `/${s.creds.tenantDomain}/discovery/v2.0/keys` })
      ).json<{ keys: { issuer: string }[] }>()
      assert.ok(jwks.keys.every((k) => k.issuer.endsWith(`/${s.creds.tenantId}/v2.0`)))
    })
    it('HTTP Basic client authentication works; mixing methods or clients is refused', async () => {
      const full = app(s.creds, 'full')
      const basic =
        'Basic ' +
        Buffer.from(
          `${encodeURIComponent(full.clientId)}:${encodeURIComponent(full.clientSecret!)}`,
        ).toString('base64')
      const ok = await postForm(
        a,
        tokenUrlV1,
        { grant_type: 'client_credentials', resource: MDE },
        { authorization: basic },
      )
      assert.equal(ok.status, 200, JSON.stringify(ok.body))
      const mixed = await postForm(
        a,
        tokenUrlV1,
        { grant_type: 'client_credentials', resource: MDE, client_secret: full.clientSecret! },
        { authorization: basic },
      )
      assert.equal(mixed.status, 401)
      const other = await postForm(
        a,
        tokenUrlV1,
        { grant_type: 'client_credentials', resource: MDE, client_id: app(s.creds, 'readonly').clientId },
        { authorization: basic },
      )
      assert.equal(other.status, 401)
    })
    it('request errors: missing grant_type 900144, unsupported grant 70003, two resources 700022, unknown resource 500011, v1 without resource 900144', async () => {
      const full = app(s.creds, 'full')
      const cred = { client_id: full.clientId, client_secret: full.clientSecret! }
      assert.equal(aadsts((await postForm(a, tokenUrlV2, cred)).body), 900144)
      assert.equal(aadsts((await postForm(a, tokenUrlV2, { ...cred, grant_type: 'implicit' })).body), 70003)
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              ...cred,
              grant_type: 'client_credentials',
              scope: `${MDE}/.default https://graph.microsoft.com/.default`,
            })
          ).body,
        ),
        700022,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              ...cred,
              grant_type: 'client_credentials',
              scope: 'https://management.azure.com/.default',
            })
          ).body,
        ),
        500011,
      )
      assert.equal(
        aadsts((await postForm(a, tokenUrlV1, { ...cred, grant_type: 'client_credentials' })).body),
        900144,
      )
    })
    it('disabled user → AADSTS50057; wrong password → 50126 (same answer for unknown users)', async () => {
      const pub = app(s.creds, 'public')
      const former = user(s.creds, 'former')
      const base = { grant_type: 'password', client_id: pub.clientId, scope: `${MDE}/Alert.Read` }
      assert.equal(
        aadsts(
          (await postForm(a, tokenUrlV2, { ...base, username: former.upn, password: former.password })).body,
        ),
        50057,
      )
      assert.equal(
        aadsts((await postForm(a, tokenUrlV2, { ...base, username: former.upn, password: 'nope' })).body),
        50126,
      )
      assert.equal(
        aadsts(
          (
            await postForm(a, tokenUrlV2, {
              ...base,
              username: 'ghost@contoso-demo.onmicrosoft.com',
              password: 'nope',
            })
          ).body,
        ),
        50126,
      )
    })
    it('client assertion: bad signature 700027, iss≠sub 50048, wrong aud 700023, expired 700024; reuse of a valid one is allowed', async () => {
      const cert = app(s.creds, 'cert')
      const { readFileSync } = await import('node:fs')
      const key = (await import('node:crypto')).createPrivateKey(readFileSync(cert.privateKeyFile!, 'utf8'))
      const certDer = Buffer.from(
        readFileSync(cert.certificateFile!, 'utf8').replace(/-----[^-]+-----|\s/g, ''),
        'base64',
      )
      const x5tS256 = createHash('sha256').update(certDer).digest('base64url')
      const now = Math.floor(Date.now() / 1000)
      const assertion = (claims: JWTPayload, signer = key) =>
        new SignJWT({
          aud: `${s.url}${tokenUrlV2}`,
          iss: cert.clientId,
          sub: cert.clientId,
          jti: randomBytes(8).toString('hex'),
          nbf: now,
          iat: now,
          exp: now + 600,
          ...claims,
        })
          .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': x5tS256 })
          .sign(signer)
      const req = (jwt: string) =>
        postForm(a, tokenUrlV2, {
          grant_type: 'client_credentials',
          client_id: cert.clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
          scope: `${MDE}/.default`,
        })
      const good = await assertion({})
      assert.equal((await req(good)).status, 200)
      assert.equal((await req(good)).status, 200, 'same jti within its lifetime is accepted (msal reuses it)')
      assert.equal(
        aadsts(
          (await req(await assertion({}, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey)))
            .body,
        ),
        700027,
      )
      assert.equal(aadsts((await req(await assertion({ sub: 'someone-else' }))).body), 50048)
      assert.equal(aadsts((await req(await assertion({ aud: 'https://evil.example/token' }))).body), 700023)
      assert.equal(
        aadsts((await req(await assertion({ nbf: now - 3600, iat: now - 3600, exp: now - 1200 }))).body),
        700024,
      )
    })

    describe('authorization code + PKCE (browser flow over HTTP)', () => {
      const verifier = randomBytes(32).toString('base64url')
      const challenge = createHash('sha256').update(verifier).digest('base64url')
      const redirect = 'http://localhost:8400'
      const authorizeUrl = (extra: Record<string, string> = {}) =>
        `/${s.creds.tenantDomain}/oauth2/v2.0/authorize?` +
        new URLSearchParams({
          client_id: app(s.creds, 'public').clientId,
          response_type: 'code',
          redirect_uri: redirect,
          scope: `${MDE}/Alert.Read openid offline_access`,
          state: 'xyz',
          nonce: 'nn',
          code_challenge: challenge,
          code_challenge_method: 'S256',
          ...extra,
        }).toString()
      const redeem = (code: string, extra: Record<string, string> = {}) =>
        postForm(a, tokenUrlV2, {
          grant_type: 'authorization_code',
          client_id: app(s.creds, 'public').clientId,
          code,
          redirect_uri: redirect,
          code_verifier: verifier,
          scope: `${MDE}/Alert.Read openid offline_access`,
          client_info: '1',
          ...extra,
        })

      it('redirect-URI mismatch → AADSTS50011 on the page, never redirected', async () => {
        const r = await a.inject({
          method: 'GET',
          url: authorizeUrl({ redirect_uri: 'https://evil.example/cb' }),
        })
        assert.equal(r.statusCode, 400)
        assert.equal(r.headers.location, undefined)
        assert.match(r.body, /AADSTS50011/)
        assert.equal(r.headers['x-frame-options'], 'DENY')
      })
      it('the sign-in form refuses a POST without the CSRF cookie', async () => {
        const page = await a.inject({ method: 'GET', url: authorizeUrl() })
        const r = await a.inject({
          method: 'POST',
          url: actionOf(page.body),
          payload: new URLSearchParams({ csrf: csrfOf(page.body), username: 'x', password: 'y' }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
        assert.equal(r.statusCode, 400)
      })
      it('state round-trips; PKCE mismatch → 501481; replayed code → 54005 and its refresh tokens revoked (50173)', async () => {
        const admin = user(s.creds, 'admin')
        const loc = await browserCode(a, authorizeUrl(), admin.upn, admin.password)
        assert.equal(loc.origin, redirect)
        assert.equal(loc.searchParams.get('state'), 'xyz')
        const code = loc.searchParams.get('code')!
        const ok = await redeem(code)
        assert.equal(ok.status, 200, JSON.stringify(ok.body))
        assert.ok(ok.body.refresh_token && ok.body.id_token && ok.body.client_info)
        const replay = await redeem(code)
        assert.equal(aadsts(replay.body), 54005)
        const rt = await postForm(a, tokenUrlV2, {
          grant_type: 'refresh_token',
          client_id: app(s.creds, 'public').clientId,
          refresh_token: ok.body.refresh_token as string,
          scope: `${MDE}/Alert.Read`,
        })
        assert.equal(aadsts(rt.body), 50173)
        assert.equal(rt.body.suberror, 'bad_token')

        const loc2 = await browserCode(a, authorizeUrl(), admin.upn, admin.password)
        const bad = await redeem(loc2.searchParams.get('code')!, {
          code_verifier: randomBytes(32).toString('base64url'),
        })
        assert.equal(aadsts(bad.body), 501481)
      })
      it('refresh tokens rotate; reusing a rotated one revokes the family (50173)', async () => {
        const admin = user(s.creds, 'admin')
        const loc = await browserCode(a, authorizeUrl(), admin.upn, admin.password)
        const first = await redeem(loc.searchParams.get('code')!)
        const rt = (tok: string) =>
          postForm(a, tokenUrlV2, {
            grant_type: 'refresh_token',
            client_id: app(s.creds, 'public').clientId,
            refresh_token: tok,
            scope: `${MDE}/Alert.Read offline_access`,
          })
        const second = await rt(first.body.refresh_token as string)
        assert.equal(second.status, 200)
        assert.notEqual(second.body.refresh_token, first.body.refresh_token)
        assert.equal(aadsts((await rt(first.body.refresh_token as string)).body), 50173)
        assert.equal(aadsts((await rt(second.body.refresh_token as string)).body), 50173)
      })
    })

    it('device code: pending → 70016 (authorization_pending, no Retry-After); unknown → invalid_grant', async () => {
      const pub = app(s.creds, 'public')
      const dc = await postForm(a, `/${s.creds.tenantId}/oauth2/v2.0/devicecode`, {
        client_id: pub.clientId,
        scope: `${MDE}/Alert.Read openid profile offline_access`,
      })
      assert.equal(dc.status, 200)
      assert.equal(dc.body.interval, 5)
      assert.match(dc.body.message as string, new RegExp(dc.body.user_code as string))
      for (const gt of ['device_code', 'urn:ietf:params:oauth:grant-type:device_code']) {
        const poll = await postForm(a, tokenUrlV2, {
          grant_type: gt,
          client_id: pub.clientId,
          device_code: dc.body.device_code as string,
        })
        assert.equal(poll.body.error, 'authorization_pending')
        assert.equal(aadsts(poll.body), 70016)
        assert.equal(poll.headers['retry-after'], undefined)
      }
      assert.equal(
        (
          await postForm(a, tokenUrlV2, {
            grant_type: 'device_code',
            client_id: pub.clientId,
            device_code: 'nope',
          })
        ).body.error,
        'invalid_grant',
      )
    })

    it('user flows on /organizations and /common resolve the tenant from the application', async () => {
      const pub = app(s.creds, 'public')
      const reader = user(s.creds, 'reader')
      for (const alias of ['organizations', 'common']) {
        const r = await postForm(a, `/${alias}/oauth2/v2.0/token`, {
          grant_type: 'password',
          client_id: pub.clientId,
          username: reader.upn,
          password: reader.password,
          scope: `${MDE}/Alert.Read openid`,
          client_info: '1',
        })
        assert.equal(r.status, 200, JSON.stringify(r.body))
        const info = JSON.parse(Buffer.from(String(r.body.client_info), 'base64url').toString()) as {
          utid: string
        }
        assert.equal(info.utid, s.creds.tenantId)
      }
      const disco = (
        await a.inject({ method: 'GET', url: '/common/v2.0/.well-known/openid-configuration' })
      ).json<Json>()
      assert.ok(String(disco.issuer).endsWith('/{tenantid}/v2.0'))
    })

    it('pages are served in Japanese for ui_locales=ja / Accept-Language: ja', async () => {
      const r = await a.inject({
        method: 'GET',
        url: '/devicelogin',
        headers: { 'accept-language': 'ja-JP,ja;q=0.9' },
      })
      assert.match(r.body, /コードの入力/)
      assert.match(r.body, /lang="ja"/)
      const dc = await postForm(a, `/${s.creds.tenantId}/oauth2/v2.0/devicecode?mkt=ja-JP`, {
        client_id: app(s.creds, 'public').clientId,
        scope: `${MDE}/Alert.Read`,
      })
      assert.match(String(dc.body.message), /サインインするには/)
    })

    it('every sign-in, token and failure is audited', async () => {
      await a.identity.audit.flush()
      const events = await a.identity.audit.list({ tenantId: s.creds.tenantId, limit: 1000 })
      const kinds = new Set(events.map((e) => `${e.kind}:${e.outcome}`))
      for (const k of ['tokenIssued:success', 'tokenFailed:failure', 'signIn:success', 'signIn:failure'])
        assert.ok(kinds.has(k), `missing ${k} in ${[...kinds].join(',')}`)
      assert.ok(!JSON.stringify(events).includes(app(s.creds, 'full').clientSecret!), 'secrets never logged')
    })
  })
})
