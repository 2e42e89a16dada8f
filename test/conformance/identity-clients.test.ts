import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import {
  app,
  decodeJwt,
  MDE,
  runClient,
  runClientJson,
  startIdentityServer,
  user,
  type IdentityTestServer,
} from './identity-helpers.js'

/**
 * Unmodified Microsoft clients against a real HTTPS Bulwark (local CA trusted through
 * NODE_EXTRA_CA_CERTS / REQUESTS_CA_BUNDLE in a child process). Every token is then presented to a
 * bearer-checked API route.
 */

const PROBE = `
async function probe(url, token) {
  const res = await fetch(url + '/api/_identity-probe', { headers: { authorization: 'Bearer ' + token } })
  return { status: res.status, body: await res.json() }
}`

const MSAL_CC_SECRET = `
import { ConfidentialClientApplication } from '@azure/msal-node'
const c = JSON.parse(process.env.CONF)
${PROBE}
const cca = new ConfidentialClientApplication({ auth: { clientId: c.clientId, clientSecret: c.secret, authority: c.authority, knownAuthorities: [c.host] } })
const r = await cca.acquireTokenByClientCredential({ scopes: [c.scope] })
const again = await cca.acquireTokenByClientCredential({ scopes: [c.scope] })
console.log(JSON.stringify({ token: r.accessToken, cached: again.accessToken === r.accessToken, probe: await probe(c.url, r.accessToken) }))
`

const MSAL_CC_CERT = `
import { ConfidentialClientApplication } from '@azure/msal-node'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
const c = JSON.parse(process.env.CONF)
${PROBE}
const cca = new ConfidentialClientApplication({ auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: [c.host],
  clientCertificate: { thumbprintSha256: c.thumbprint, privateKey: readFileSync(c.keyFile, 'utf8') } } })
const r = await cca.acquireTokenByClientCredential({ scopes: [c.scope] })
// A second scope request re-sends the same cached assertion (same jti) — must be accepted.
const r2 = await cca.acquireTokenByClientCredential({ scopes: [c.scope], skipCache: true })
// The deprecated SHA-1 thumbprint makes msal sign RS256 with an x5t header.
const sha1 = new X509Certificate(readFileSync(c.certFile, 'utf8')).fingerprint.replace(/:/g, '')
const legacy = new ConfidentialClientApplication({ auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: [c.host],
  clientCertificate: { thumbprint: sha1, privateKey: readFileSync(c.keyFile, 'utf8') } } })
const r3 = await legacy.acquireTokenByClientCredential({ scopes: [c.scope] })
console.log(JSON.stringify({ token: r.accessToken, second: Boolean(r2.accessToken), rs256: Boolean(r3.accessToken), probe: await probe(c.url, r.accessToken) }))
`

const MSAL_ROPC = `
import { PublicClientApplication } from '@azure/msal-node'
const c = JSON.parse(process.env.CONF)
${PROBE}
const pca = new PublicClientApplication({ auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: [c.host] } })
const r = await pca.acquireTokenByUsernamePassword({ scopes: [c.scope], username: c.username, password: c.password })
const accounts = await pca.getTokenCache().getAllAccounts()
const silent = await pca.acquireTokenSilent({ account: accounts[0], scopes: [c.scope], forceRefresh: true })
console.log(JSON.stringify({ token: r.accessToken, idToken: r.idToken, account: r.account?.username, homeAccountId: r.account?.homeAccountId,
  refreshed: silent.accessToken !== r.accessToken, probe: await probe(c.url, silent.accessToken) }))
`

const MSAL_DEVICE = `
import { PublicClientApplication } from '@azure/msal-node'
const c = JSON.parse(process.env.CONF)
${PROBE}
const pca = new PublicClientApplication({ auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: [c.host] } })
const r = await pca.acquireTokenByDeviceCode({ scopes: [c.scope], deviceCodeCallback: (d) => console.log(JSON.stringify({ device: d })) })
console.log(JSON.stringify({ token: r.accessToken, account: r.account?.username, probe: await probe(c.url, r.accessToken) }))
`

const MSAL_AUTH_CODE = `
import { PublicClientApplication, CryptoProvider } from '@azure/msal-node'
import { createInterface } from 'node:readline'
const c = JSON.parse(process.env.CONF)
${PROBE}
const pca = new PublicClientApplication({ auth: { clientId: c.clientId, authority: c.authority, knownAuthorities: [c.host] } })
const { verifier, challenge } = await new CryptoProvider().generatePkceCodes()
const url = await pca.getAuthCodeUrl({ scopes: [c.scope], redirectUri: c.redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 'st-123', nonce: 'n-456' })
console.log(JSON.stringify({ authUrl: url }))
const rl = createInterface({ input: process.stdin })
const code = await new Promise((res) => rl.once('line', res))
rl.close()
const r = await pca.acquireTokenByCode({ code, scopes: [c.scope], redirectUri: c.redirectUri, codeVerifier: verifier, nonce: 'n-456', state: 'st-123' }, { code, state: 'st-123' })
console.log(JSON.stringify({ token: r.accessToken, idToken: r.idToken, account: r.account?.username, probe: await probe(c.url, r.accessToken) }))
`

const AZ_SECRET = `
import { ClientSecretCredential } from '@azure/identity'
const c = JSON.parse(process.env.CONF)
${PROBE}
const cred = new ClientSecretCredential(c.tenant, c.clientId, c.secret, { authorityHost: c.url, disableInstanceDiscovery: true })
const t = await cred.getToken(c.scope)
console.log(JSON.stringify({ token: t.token, expiresOn: t.expiresOnTimestamp, probe: await probe(c.url, t.token) }))
`

const AZ_CERT = `
import { ClientCertificateCredential } from '@azure/identity'
import { readFileSync } from 'node:fs'
const c = JSON.parse(process.env.CONF)
${PROBE}
const pem = readFileSync(c.keyFile, 'utf8') + readFileSync(c.certFile, 'utf8')
const cred = new ClientCertificateCredential(c.tenant, c.clientId, { certificate: pem }, { authorityHost: c.url, disableInstanceDiscovery: true })
const t = await cred.getToken(c.scope)
console.log(JSON.stringify({ token: t.token, probe: await probe(c.url, t.token) }))
`

const PY_MSAL = `
import json, os, msal, requests
c = json.loads(os.environ['CONF'])
def probe(token):
    r = requests.get(c['url'] + '/api/_identity-probe', headers={'Authorization': 'Bearer ' + token})
    return {'status': r.status_code, 'body': r.json()}
cca = msal.ConfidentialClientApplication(c['clientId'], client_credential=c['secret'], authority=c['authority'], validate_authority=False)
r = cca.acquire_token_for_client(scopes=[c['scope']])
print(json.dumps({'app': r.get('access_token') and probe(r['access_token']), 'appError': r.get('error_description'),
  'claims': r.get('access_token') and r['access_token'].count('.')}))
`

type DeviceInfo = { userCode: string; verificationUri: string; message: string }
type UserResult = { token: string; idToken: string; account: string; probe: ProbeResult }
type ProbeResult = {
  status: number
  body: { kind?: string; upn?: string | null; error?: { message: string } }
}

describe('identity conformance with real clients', () => {
  let s: IdentityTestServer
  let browser: Browser
  before(async () => {
    s = await startIdentityServer()
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
  })
  after(async () => {
    await browser?.close()
    await s?.close()
  })

  const base = () => ({
    url: s.url,
    host: s.host,
    tenant: s.creds.tenantId,
    authority: `${s.url}/${s.creds.tenantId}`,
  })
  const newPage = async (): Promise<Page> =>
    (await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' })).newPage()

  async function signIn(page: Page, upn: string, password: string) {
    await page.fill('#username', upn)
    await page.fill('#password', password)
    await page.click('#signin')
  }

  it('msal-node: client credentials with a secret (token cached, API 200)', async () => {
    const a = app(s.creds, 'full')
    const r = await runClientJson<{ token: string; cached: boolean; probe: ProbeResult }>(
      'node',
      MSAL_CC_SECRET,
      { ...base(), clientId: a.clientId, secret: a.clientSecret, scope: `${MDE}/.default` },
      s.caFile,
    )
    assert.equal(r.cached, true)
    assert.equal(r.probe.status, 200)
    assert.equal(r.probe.body.kind, 'application')
    const claims = decodeJwt(r.token)
    assert.equal(claims.appid, a.clientId)
    assert.equal(claims.appidacr, '1')
    assert.equal(claims.ver, '1.0')
    assert.equal(claims.iss, `${s.url}/${s.creds.tenantId}/`)
  })

  it('msal-node: client credentials with a certificate (PS256 + x5t#S256, reused assertion; RS256 + x5t)', async () => {
    const a = app(s.creds, 'cert')
    const r = await runClientJson<{ token: string; second: boolean; rs256: boolean; probe: ProbeResult }>(
      'node',
      MSAL_CC_CERT,
      {
        ...base(),
        clientId: a.clientId,
        thumbprint: a.thumbprintSha256Hex,
        keyFile: a.privateKeyFile,
        certFile: a.certificateFile,
        scope: `${MDE}/.default`,
      },
      s.caFile,
    )
    assert.equal(r.second, true)
    assert.equal(r.rs256, true)
    assert.equal(r.probe.status, 200)
    assert.equal(decodeJwt(r.token).appidacr, '2')
  })

  it('msal-node: username/password, then silent refresh; token used on the API', async () => {
    const pub = app(s.creds, 'public')
    const u = user(s.creds, 'analyst')
    const r = await runClientJson<{
      token: string
      idToken: string
      account: string
      homeAccountId: string
      refreshed: boolean
      probe: ProbeResult
    }>(
      'node',
      MSAL_ROPC,
      {
        ...base(),
        clientId: pub.clientId,
        scope: `${MDE}/Alert.Read`,
        username: u.upn,
        password: u.password,
      },
      s.caFile,
    )
    assert.equal(r.account, u.upn)
    assert.ok(r.homeAccountId.endsWith('.' + s.creds.tenantId))
    assert.equal(r.refreshed, true)
    assert.equal(r.probe.status, 200)
    assert.equal(r.probe.body.kind, 'user')
    assert.equal(decodeJwt(r.token).scp, 'Alert.Read')
  })

  it('msal-node: device code completed through the device-code page in chromium', async () => {
    const pub = app(s.creds, 'public')
    const u = user(s.creds, 'secops')
    const child = runClient(
      'node',
      MSAL_DEVICE,
      { ...base(), clientId: pub.clientId, scope: `${MDE}/Alert.Read` },
      s.caFile,
      90_000,
    )
    let device: DeviceInfo | undefined
    let final: UserResult | undefined
    for await (const line of child.lines) {
      const msg = JSON.parse(line) as { device?: DeviceInfo } & Partial<UserResult>
      if (msg.device) {
        device = msg.device
        const page = await newPage()
        await page.goto(device.verificationUri)
        await page.fill('#code', device.userCode)
        await page.click('#next')
        await signIn(page, u.upn, u.password)
        await page.click('#accept')
        assert.match((await page.textContent('#message')) ?? '', /signed in/)
        await page.context().close()
      } else if (msg.token) final = msg as UserResult
    }
    const done = await child.done
    assert.ok(device, done.stderr)
    assert.match(device.message, new RegExp(device.userCode))
    assert.ok(final, done.stderr)
    assert.equal(final.account, u.upn)
    assert.equal(final.probe.status, 200)
  })

  it('msal-node: authorization code + PKCE completed through the sign-in page in chromium', async () => {
    const pub = app(s.creds, 'public')
    const u = user(s.creds, 'admin')
    const redirectUri = 'http://localhost:53123'
    const child = runClient(
      'node',
      MSAL_AUTH_CODE,
      { ...base(), clientId: pub.clientId, scope: `${MDE}/Machine.Read`, redirectUri },
      s.caFile,
    )
    let final: UserResult | undefined
    for await (const line of child.lines) {
      const msg = JSON.parse(line) as { authUrl?: string } & Partial<UserResult>
      if (msg.authUrl) {
        const page = await newPage()
        let redirected: URL | null = null
        await page.route('http://localhost:53123/**', async (route) => {
          redirected = new URL(route.request().url())
          await route.fulfill({ status: 200, body: 'done' })
        })
        await page.goto(msg.authUrl)
        await signIn(page, u.upn, u.password)
        await page.waitForURL(/localhost:53123/)
        await page.context().close()
        const got = redirected as URL | null
        assert.ok(got)
        assert.equal(got.searchParams.get('state'), 'st-123')
        child.stdin.write((got.searchParams.get('code') ?? '') + '\n')
      } else if (msg.token) final = msg as UserResult
    }
    const done = await child.done
    assert.ok(final, done.stderr)
    assert.equal(final.account, u.upn)
    assert.equal(decodeJwt(final.idToken).nonce, 'n-456')
    // Machine.Read is not accepted by the probe route (alerts): a correctly authenticated 403 naming what is missing.
    assert.equal(final.probe.status, 403)
    assert.match(final.probe.body.error?.message ?? '', /Alert\.Read/)
  })

  it('@azure/identity: ClientSecretCredential', async () => {
    const a = app(s.creds, 'readonly')
    const r = await runClientJson<{ token: string; expiresOn: number; probe: ProbeResult }>(
      'node',
      AZ_SECRET,
      { ...base(), clientId: a.clientId, secret: a.clientSecret, scope: `${MDE}/.default` },
      s.caFile,
    )
    assert.ok(r.expiresOn > Date.now())
    assert.equal(r.probe.status, 200)
    assert.deepEqual(decodeJwt(r.token).roles, ['Alert.Read.All', 'Machine.Read.All'])
  })

  it('@azure/identity: a Microsoft Graph token (ThreatHunting.Read.All) is refused by the MDE API', async () => {
    const a = app(s.creds, 'full')
    const r = await runClientJson<{ token: string; expiresOn: number; probe: ProbeResult }>(
      'node',
      AZ_SECRET,
      {
        ...base(),
        clientId: a.clientId,
        secret: a.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      },
      s.caFile,
    )
    const claims = decodeJwt(r.token)
    assert.equal(claims.aud, 'https://graph.microsoft.com')
    assert.deepEqual(claims.roles, ['ThreatHunting.Read.All'])
    assert.equal(r.probe.status, 401, 'an MDE route refuses a token issued for another API')
  })

  it('@azure/identity: ClientCertificateCredential', async () => {
    const a = app(s.creds, 'cert')
    const r = await runClientJson<{ token: string; probe: ProbeResult }>(
      'node',
      AZ_CERT,
      {
        ...base(),
        clientId: a.clientId,
        keyFile: a.privateKeyFile,
        certFile: a.certificateFile,
        scope: `${MDE}/.default`,
      },
      s.caFile,
    )
    assert.equal(r.probe.status, 200)
    assert.equal(decodeJwt(r.token).appidacr, '2')
  })

  // MSAL Python's username/password flow first calls https://{host-without-port}/common/userrealm/…,
  // so it needs the STS on port 443 (drop-in mode); here only client credentials run.
  it('Debian python3-msal: client credentials', async () => {
    const a = app(s.creds, 'full')
    const r = await runClientJson<{ app: ProbeResult; appError: string | null }>(
      'python',
      PY_MSAL,
      { ...base(), clientId: a.clientId, secret: a.clientSecret, scope: `${MDE}/.default` },
      s.caFile,
    )
    assert.equal(r.appError, null)
    assert.equal(r.app.status, 200)
    assert.equal(r.app.body.kind, 'application')
  })

  it('demo credentials file is private (0600)', () => {
    assert.equal(statSync(s.dataDir + '/demo-credentials.json').mode & 0o777, 0o600)
  })
})
