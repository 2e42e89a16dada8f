import assert from 'node:assert/strict'
import { createHash, createPrivateKey, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { SignJWT, type JWTPayload } from 'jose'
import type { FastifyInstance } from 'fastify'
import { app, MDE, startIdentityServer, user, type IdentityTestServer } from './identity-helpers.js'
import { aadsts, adminToken, postForm, probe, submitSignIn, type Json } from '../helpers/identity-http.js'

/**
 * Findings of the security review (docs/identity.md "Security review"): each test attacks one weakness
 * over HTTP against a real server (real crypto, real store) and failed before its fix.
 */

describe('identity security review findings', () => {
  let s: IdentityTestServer
  let a: FastifyInstance
  let tokenUrlV2: string
  before(async () => {
    s = await startIdentityServer({ http: true })
    a = s.server.app
    tokenUrlV2 = `/${s.creds.tenantId}/oauth2/v2.0/token`
  })
  after(async () => s?.close())

  it('a public client cannot use client_credentials (no credential, no app token)', async () => {
    const pub = app(s.creds, 'public')
    for (const url of [tokenUrlV2, `/${s.creds.tenantId}/oauth2/token`]) {
      const r = await postForm(a, url, {
        grant_type: 'client_credentials',
        client_id: pub.clientId,
        scope: `${MDE}/.default`,
        resource: MDE,
      })
      assert.equal(r.body.access_token, undefined, JSON.stringify(r.body))
      assert.equal(r.status, 401)
      assert.equal(r.body.error, 'invalid_client')
      assert.equal(aadsts(r.body), 7000218)
    }
  })

  it('a client assertion without nbf/iat cannot carry a far-future exp (lifetime cap bypass)', async () => {
    const cert = app(s.creds, 'cert')
    const key = createPrivateKey(readFileSync(cert.privateKeyFile!, 'utf8'))
    const der = Buffer.from(
      readFileSync(cert.certificateFile!, 'utf8').replace(/-----[^-]+-----|\s/g, ''),
      'base64',
    )
    const now = Math.floor(Date.now() / 1000)
    const sign = (claims: JWTPayload) =>
      new SignJWT({
        aud: `${s.url}${tokenUrlV2}`,
        iss: cert.clientId,
        sub: cert.clientId,
        jti: randomBytes(8).toString('hex'),
        ...claims,
      })
        .setProtectedHeader({
          alg: 'RS256',
          typ: 'JWT',
          'x5t#S256': createHash('sha256').update(der).digest('base64url'),
        })
        .sign(key)
    const req = async (claims: JWTPayload) =>
      postForm(a, tokenUrlV2, {
        grant_type: 'client_credentials',
        client_id: cert.clientId,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await sign(claims),
        scope: `${MDE}/.default`,
      })
    assert.equal((await req({ exp: now + 300 })).status, 200, 'short-lived assertion without iat: accepted')
    const far = await req({ exp: now + 10 * 365 * 86_400 })
    assert.equal(far.status, 401, JSON.stringify(far.body))
    assert.equal(aadsts(far.body), 700024)
    assert.equal(aadsts((await req({ iat: now, exp: now + 86_400 })).body), 700024)
  })

  it('an admin-API token is refused by the MDE API, and an MDE token by the admin API', async () => {
    const adminTok = await adminToken(a, s.dataDir)
    assert.equal(adminTok.status, 200)
    const onAdmin = await a.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: adminTok.bearer,
    })
    assert.equal(onAdmin.statusCode, 200, 'control: the admin token works on the admin API')
    assert.equal((await probe(a, String(adminTok.body.access_token))).status, 401)
    const full = app(s.creds, 'full')
    const mdeTok = await postForm(a, tokenUrlV2, {
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      scope: `${MDE}/.default`,
    })
    const r = await a.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${String(mdeTok.body.access_token)}` },
    })
    assert.equal(r.statusCode, 401)
  })

  it('failures are audited without secrets, passwords, codes or refresh tokens', async () => {
    const full = app(s.creds, 'full')
    const u = user(s.creds, 'analyst')
    const wrongSecret = 'bw~' + randomBytes(32).toString('base64url')
    const wrongPassword = 'pw-' + randomBytes(12).toString('hex')
    const fakeRt = randomBytes(32).toString('base64url')
    const fakeCode = randomBytes(32).toString('base64url')
    await postForm(a, tokenUrlV2, {
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: wrongSecret,
      scope: `${MDE}/.default`,
    })
    await postForm(a, tokenUrlV2, {
      grant_type: 'refresh_token',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      refresh_token: fakeRt,
      scope: `${MDE}/.default`,
    })
    await postForm(a, tokenUrlV2, {
      grant_type: 'authorization_code',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      code: fakeCode,
      redirect_uri: 'http://localhost/cb',
    })
    await postForm(a, tokenUrlV2, {
      grant_type: 'password',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      username: u.upn,
      password: wrongPassword,
      scope: `${MDE}/.default`,
    })
    await a.identity.audit.flush()
    const rows = await a.identity.db.query('SELECT * FROM idp_audit_events')
    const all = JSON.stringify(rows)
    assert.ok(rows.length > 0)
    for (const secret of [wrongSecret, wrongPassword, fakeRt, fakeCode, full.clientSecret!, u.password])
      assert.ok(!all.includes(secret), 'a secret value reached the audit log')
  })
  it("revoking a user's sessions (or resetting the password) also ends their browser sessions", async () => {
    const adminTok = await adminToken(a, s.dataDir)
    const victim = user(s.creds, 'admin')
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url')
    const authorizeUrl =
      `/${s.creds.tenantDomain}/oauth2/v2.0/authorize?` +
      new URLSearchParams({
        client_id: app(s.creds, 'public').clientId,
        response_type: 'code',
        redirect_uri: 'http://localhost:8400',
        scope: `${MDE}/Alert.Read openid offline_access`,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        prompt: 'none',
      }).toString()
    const signIn = async () =>
      (await submitSignIn(a, authorizeUrl.replace('&prompt=none', ''), victim.upn, victim.password)).jar
    /** Silent authorize with the session cookie: the code a stolen session cookie would mint. */
    const silentCode = async (jar: string) => {
      const r = await a.inject({ method: 'GET', url: authorizeUrl, headers: { cookie: jar } })
      assert.equal(r.statusCode, 302, r.body)
      return new URL(String(r.headers.location)).searchParams
    }
    for (const revoke of [
      () =>
        a.inject({
          method: 'POST',
          url: `/admin/v1/tenants/${s.creds.tenantId}/users/${victim.upn}/revokeSessions`,
          headers: adminTok.bearer,
        }),
      () =>
        a.inject({
          method: 'PATCH',
          url: `/admin/v1/tenants/${s.creds.tenantId}/users/${victim.upn}`,
          headers: adminTok.bearer,
          payload: { password: victim.password },
        }),
    ]) {
      const jar = await signIn()
      assert.ok((await silentCode(jar)).get('code'), 'control: the live session mints codes silently')
      const r = await revoke()
      assert.ok(r.statusCode < 300, r.body)
      const after = await silentCode(jar)
      assert.equal(after.get('code'), null, 'a revoked session must not mint codes')
      assert.equal(after.get('error'), 'login_required')
    }
  })
  it('device code: polling faster than the interval is answered with slow_down', async () => {
    const pub = app(s.creds, 'public')
    const dc = await postForm(a, `/${s.creds.tenantId}/oauth2/v2.0/devicecode`, {
      client_id: pub.clientId,
      scope: `${MDE}/Alert.Read`,
    })
    assert.equal(dc.status, 200)
    const poll = () =>
      postForm(a, tokenUrlV2, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: pub.clientId,
        device_code: dc.body.device_code as string,
      })
    // A client retrying once straight away is tolerated; a client hammering the endpoint is told to back off.
    assert.equal((await poll()).body.error, 'authorization_pending')
    assert.equal((await poll()).body.error, 'authorization_pending')
    const errors: unknown[] = []
    for (let i = 0; i < 8; i++) errors.push((await poll()).body.error)
    assert.ok(errors.includes('slow_down'), JSON.stringify(errors))
    const slow = await poll()
    assert.equal(slow.status, 400)
    assert.equal(slow.body.error, 'slow_down')
  })
  it('script-capable redirect URIs (javascript:, data:, vbscript:) are refused at registration and at /authorize', async () => {
    const adminTok = await adminToken(a, s.dataDir)
    const evil = [
      'javascript:alert(document.domain)//',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
    ]
    for (const uri of evil) {
      const r = await a.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${s.creds.tenantId}/applications`,
        headers: adminTok.bearer,
        payload: { displayName: 'evil', publicClient: true, redirectUris: [uri] },
      })
      assert.equal(r.statusCode, 400, `${uri}: ${r.body}`)
    }
    // A row written before this check (or by another path) is still never used as a redirect target.
    const stored = await a.identity.directory.createApplication({
      tenantId: s.creds.tenantId,
      displayName: 'legacy evil',
      publicClient: true,
      allowPasswordGrant: false,
      redirectUris: evil,
      requiredPermissions: {},
    })
    for (const uri of evil) {
      const r = await a.inject({
        method: 'GET',
        url:
          `/${s.creds.tenantId}/oauth2/v2.0/authorize?` +
          new URLSearchParams({
            client_id: stored.appId,
            response_type: 'token',
            response_mode: 'form_post',
            redirect_uri: uri,
            scope: `${MDE}/.default`,
          }).toString(),
      })
      assert.equal(r.statusCode, 400, r.body)
      assert.match(r.body, /AADSTS50011/)
      assert.equal(r.headers.location, undefined)
      assert.doesNotMatch(r.body, /<form[^>]+action="(javascript|data|vbscript):/i)
    }
  })
  it('a token header with control characters gets the normal MDE-shaped 401 (nothing echoed raw into headers)', async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    for (const alg of ['RS256\r\nX-Injected: yes', 'none\u0001', 'é']) {
      const token = `${b64({ alg, kid: 'k' })}.${b64({ aud: MDE })}.`
      const r = await probe(a, token)
      assert.equal(r.status, 401)
      assert.equal((r.body.error as { code: string }).code, 'Unauthorized', JSON.stringify(r.body))
      assert.match(r.www, /^Bearer error="invalid_token"/)
      assert.equal(r.headers['x-injected'], undefined)
    }
  })
  it('password spraying: many wrong passwords from one IP lock that IP, whatever the user names', async () => {
    const opts = a.identity.options as { ipFailureLimit?: number }
    const before = opts.ipFailureLimit
    opts.ipFailureLimit = 5
    try {
      const pub = app(s.creds, 'public')
      const u = user(s.creds, 'reader')
      const attempt = async (username: string, password: string, ip: string) => {
        const r = await a.inject({
          method: 'POST',
          url: tokenUrlV2,
          remoteAddress: ip,
          payload: new URLSearchParams({
            grant_type: 'password',
            client_id: pub.clientId,
            username,
            password,
            scope: `${MDE}/.default`,
          }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
        return aadsts(r.json<Json>())
      }
      const sprayer = '203.0.113.7'
      // One wrong password each for many different (mostly unknown) users: no per-user lock is reached.
      const codes: number[] = []
      for (let i = 0; i < 6; i++)
        codes.push(await attempt(`spray${i}@${s.creds.tenantDomain}`, 'Winter2026!', sprayer))
      assert.deepEqual(codes.slice(0, 4), [50126, 50126, 50126, 50126])
      assert.equal(codes.at(-1), 50053)
      assert.equal(
        await attempt(u.upn, u.password, sprayer),
        50053,
        'the sprayer IP is locked, even with a right password',
      )
      assert.equal(
        await attempt(u.upn, u.password, '198.51.100.4'),
        0,
        'other IPs and the user are unaffected',
      )
    } finally {
      opts.ipFailureLimit = before
    }
  })
  it("a tenant cannot create users under another tenant's domain (UPN squatting)", async () => {
    const adminTok = await adminToken(a, s.dataDir)
    const systemTenant = await a.identity.tenant(adminTok.admin.tenantId)
    const create = (upn: string) =>
      a.inject({
        method: 'POST',
        url: `/admin/v1/tenants/${s.creds.tenantId}/users`,
        headers: adminTok.bearer,
        payload: { userPrincipalName: upn, displayName: 'Squatter' },
      })
    const ok = await create(`newcomer@${s.creds.tenantDomain}`)
    assert.equal(ok.statusCode, 201, ok.body)
    for (const upn of [`ceo@${systemTenant!.defaultDomain}`, 'ceo@fabrikam.example'])
      assert.equal((await create(upn)).statusCode, 400, upn)
  })
  it('/authorize refuses scope names the resource does not define (no made-up text on the consent page)', async () => {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url')
    const r = await a.inject({
      method: 'GET',
      url:
        `/${s.creds.tenantDomain}/oauth2/v2.0/authorize?` +
        new URLSearchParams({
          client_id: app(s.creds, 'public').clientId,
          response_type: 'code',
          redirect_uri: 'http://localhost:8400',
          scope: `${MDE}/Alert.Read ${MDE}/Harmless.Read.Only-ignore-the-rest openid`,
          state: 's1',
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }).toString(),
    })
    assert.equal(r.statusCode, 302, r.body)
    const loc = new URL(String(r.headers.location))
    assert.equal(loc.origin, 'http://localhost:8400')
    assert.equal(loc.searchParams.get('error'), 'invalid_scope')
    assert.equal(loc.searchParams.get('state'), 's1')
    const dc = await postForm(a, `/${s.creds.tenantId}/oauth2/v2.0/devicecode`, {
      client_id: app(s.creds, 'public').clientId,
      scope: `${MDE}/Harmless.Read.Only-ignore-the-rest`,
    })
    assert.equal(dc.status, 400)
    assert.equal(dc.body.error, 'invalid_scope')
  })
  it('disabling an application stops its unexpired tokens at the API (not only new ones)', async () => {
    const adminTok = await adminToken(a, s.dataDir)
    const full = app(s.creds, 'full')
    const tok = await postForm(a, tokenUrlV2, {
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      scope: `${MDE}/.default`,
    })
    const probeStatus = async () => (await probe(a, String(tok.body.access_token))).status
    const setEnabled = async (enabled: boolean) => {
      const r = await a.inject({
        method: 'PATCH',
        url: `/admin/v1/tenants/${s.creds.tenantId}/applications/${full.clientId}`,
        headers: adminTok.bearer,
        payload: { enabled },
      })
      assert.equal(r.statusCode, 200, r.body)
    }
    assert.equal(await probeStatus(), 200)
    await setEnabled(false)
    try {
      assert.equal(await probeStatus(), 401, 'a disabled application keeps no access')
    } finally {
      await setEnabled(true)
    }
    assert.equal(await probeStatus(), 200, 're-enabled: the same token works again')
  })
  it('on an https deployment the pages send HSTS and every cookie is Secure; HttpOnly and SameSite always', async () => {
    const tls = await startIdentityServer()
    try {
      assert.ok(tls.url.startsWith('https:'))
      const r = await tls.server.app.inject({ method: 'GET', url: '/devicelogin' })
      assert.equal(r.statusCode, 200)
      assert.match(String(r.headers['strict-transport-security']), /max-age=\d{7,}/)
      const raw = r.headers['set-cookie']
      const list = Array.isArray(raw) ? raw : [String(raw)]
      assert.ok(list.length > 0)
      for (const c of list) assert.match(c, /; HttpOnly; SameSite=Lax; .*; Secure$/)
    } finally {
      await tls.close()
    }
    const plain = await a.inject({ method: 'GET', url: '/devicelogin' })
    assert.equal(plain.headers['strict-transport-security'], undefined, 'no HSTS over plain http')
    assert.match(String(plain.headers['set-cookie']), /; HttpOnly; SameSite=Lax/)
  })
})
