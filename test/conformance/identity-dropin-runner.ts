/**
 * Runs INSIDE a network namespace whose /etc/hosts maps login.microsoftonline.com and
 * api.securitycenter.microsoft.com to 127.0.0.1 (see identity-dropin.test.ts): starts Bulwark on port 443
 * with those TLS names, then runs unmodified clients with their default Microsoft authority host and
 * prints one JSON line with what they got. Nothing can leave the namespace (it has only loopback).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import { productModules } from '../../src/server/modules.js'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import { probeModule, runClientJson } from './identity-helpers.js'

const MSAL = `
import { ConfidentialClientApplication } from '@azure/msal-node'
const c = JSON.parse(process.env.CONF)
const cca = new ConfidentialClientApplication({ auth: { clientId: c.clientId, clientSecret: c.secret, authority: 'https://login.microsoftonline.com/' + c.tenant } })
const r = await cca.acquireTokenByClientCredential({ scopes: ['https://api.securitycenter.microsoft.com/.default'] })
const res = await fetch('https://api.securitycenter.microsoft.com/api/_identity-probe', { headers: { authorization: 'Bearer ' + r.accessToken } })
console.log(JSON.stringify({ status: res.status, body: await res.json() }))
`
const AZ = `
import { ClientSecretCredential } from '@azure/identity'
const c = JSON.parse(process.env.CONF)
const t = await new ClientSecretCredential(c.tenant, c.clientId, c.secret).getToken('https://api.securitycenter.microsoft.com/.default')
const res = await fetch('https://api.securitycenter.microsoft.com/api/_identity-probe', { headers: { authorization: 'Bearer ' + t.token } })
console.log(JSON.stringify({ status: res.status, body: await res.json() }))
`
const PY = `
import json, os, msal, requests
c = json.loads(os.environ['CONF'])
pca = msal.PublicClientApplication(c['publicClientId'], authority='https://login.microsoftonline.com/' + c['tenant'])
u = pca.acquire_token_by_username_password(c['username'], c['password'], scopes=['https://api.securitycenter.microsoft.com/Alert.Read'])
r = requests.get('https://api.securitycenter.microsoft.com/api/_identity-probe', headers={'Authorization': 'Bearer ' + u.get('access_token', '')})
print(json.dumps({'status': r.status_code, 'body': r.json(), 'error': u.get('error_description')}))
`

const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-dropin-'))
const config = loadConfig({
  env: {},
  flags: {
    dataDir,
    host: '127.0.0.1',
    port: 443,
    demo: true,
    logLevel: 'silent',
    quiet: true,
    tlsNames: ['login.microsoftonline.com', 'api.securitycenter.microsoft.com'],
  },
})
const modules = productModules.filter((m) => m.name === 'store' || m.name === 'identity')
const server = await startServer(config, { modules: [...modules, probeModule] })
try {
  await server.ready
  const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
  const full = creds.apps.find((a) => a.name === 'Bulwark Demo Full Access')!
  const pub = creds.apps.find((a) => a.name === 'Bulwark Demo Public Client')!
  const reader = creds.users.find((u) => u.upn.startsWith('reader@'))!
  const ca = server.ctx.tls!.caFile
  const conf = {
    tenant: creds.tenantId,
    clientId: full.clientId,
    secret: full.clientSecret,
    publicClientId: pub.clientId,
    username: reader.upn,
    password: reader.password,
  }
  const out = {
    msal: await runClientJson('node', MSAL, conf, ca).catch((e: unknown) => ({ failed: String(e) })),
    azureIdentity: await runClientJson('node', AZ, conf, ca).catch((e: unknown) => ({ failed: String(e) })),
    python: await runClientJson('python', PY, conf, ca).catch((e: unknown) => ({ failed: String(e) })),
  }
  console.log(JSON.stringify(out))
} finally {
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
