import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { app, MDE, ROOT, startIdentityServer, type IdentityTestServer } from './identity-helpers.js'

/** The admin API through the real `bulwark` CLI (child process, HTTPS with the local CA). */

function cli(
  s: IdentityTestServer,
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'bulwark.js'), ...args, '--data-dir', s.dataDir],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH },
      },
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

async function cliJson<T = Record<string, unknown>>(s: IdentityTestServer, ...args: string[]): Promise<T> {
  const r = await cli(s, ...args, '--json')
  assert.equal(r.code, 0, r.err + r.out)
  return JSON.parse(r.out) as T
}

describe('admin API and CLI', () => {
  let s: IdentityTestServer
  before(async () => {
    s = await startIdentityServer()
  })
  after(async () => s?.close())

  const token = async (form: Record<string, string>) => {
    const r = await s.server.app.inject({
      method: 'POST',
      url: `/${s.creds.tenantId}/oauth2/v2.0/token`,
      payload: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    return r.json<Record<string, unknown>>()
  }

  it('lists tenants (system + demo)', async () => {
    const r = await cliJson<{ value: { defaultDomain: string; isSystem: boolean }[] }>(s, 'tenant', 'list')
    assert.deepEqual(r.value.map((t) => t.defaultDomain).sort(), [
      'contoso-demo.onmicrosoft.com',
      'system.bulwark.local',
    ])
  })

  it('creates an app, a secret, grants a permission; the secret works; disabling the app stops it', async () => {
    const created = await cliJson<{ appId: string }>(
      s,
      'app',
      'create',
      '--name',
      'SOAR connector',
      '--permission',
      'Alert.Read.All',
    )
    const secret = await cliJson<{ secretText: string; hint: string }>(
      s,
      'secret',
      'add',
      created.appId,
      '--name',
      'ci',
    )
    assert.equal(secret.hint, secret.secretText.slice(0, 3))
    const form = {
      grant_type: 'client_credentials',
      client_id: created.appId,
      client_secret: secret.secretText,
      scope: `${MDE}/.default`,
    }
    const before = await token(form)
    assert.equal(before.access_token !== undefined, true)
    await cliJson(s, 'consent', 'admin', created.appId)
    const listed = await cliJson<{ value: { permission: string }[] }>(s, 'permission', 'list', created.appId)
    assert.deepEqual(
      listed.value.map((p) => p.permission),
      ['Alert.Read.All'],
    )
    const granted = await token(form)
    const claims = JSON.parse(
      Buffer.from(String(granted.access_token).split('.')[1]!, 'base64url').toString(),
    ) as { roles?: string[] }
    assert.deepEqual(claims.roles, ['Alert.Read.All'])
    // Another API's permission is granted on that resource and shows only in that API's tokens.
    await cliJson(
      s,
      'permission',
      'grant',
      created.appId,
      'ThreatHunting.Read.All',
      '--resource',
      'https://graph.microsoft.com',
    )
    const graph = await token({ ...form, scope: 'https://graph.microsoft.com/.default' })
    const graphClaims = JSON.parse(
      Buffer.from(String(graph.access_token).split('.')[1]!, 'base64url').toString(),
    ) as { roles?: string[]; aud?: string }
    assert.deepEqual(
      [graphClaims.aud, graphClaims.roles],
      ['https://graph.microsoft.com', ['ThreatHunting.Read.All']],
    )
    const mdeAgain = await token(form)
    const mdeClaims = JSON.parse(
      Buffer.from(String(mdeAgain.access_token).split('.')[1]!, 'base64url').toString(),
    ) as { roles?: string[] }
    assert.deepEqual(mdeClaims.roles, ['Alert.Read.All'])
    const creds = await cliJson<{ value: { kind: string; hint?: string }[] }>(
      s,
      'secret',
      'list',
      created.appId,
    )
    assert.equal(JSON.stringify(creds).includes(secret.secretText), false, 'secret shown once only')
    await cliJson(s, 'app', 'disable', created.appId)
    assert.deepEqual((await token(form)).error_codes, [7000112])
  })

  it('creates and disables a user; RBAC roles and device groups are editable', async () => {
    const upn = 'bob@contoso-demo.onmicrosoft.com'
    const u = await cliJson<{ id: string; access: { roles: string[] } }>(
      s,
      'user',
      'create',
      upn,
      '--name',
      'Bob',
      '--password',
      'Passw0rd!long',
      '--role',
      '4',
    )
    assert.deepEqual(u.access.roles, ['Read-only'])
    const pub = app(s.creds, 'public')
    const ropc = {
      grant_type: 'password',
      client_id: pub.clientId,
      username: upn,
      password: 'Passw0rd!long',
      scope: `${MDE}/Alert.Read`,
    }
    assert.ok((await token(ropc)).access_token)
    await cliJson(s, 'user', 'disable', upn)
    assert.deepEqual((await token(ropc)).error_codes, [50057])
    const group = await cliJson<{ id: number; rules: { tags: string[] } }>(
      s,
      'group',
      'set',
      '150',
      '--name',
      'Lab',
      '--rank',
      '9',
      '--tag',
      'lab',
    )
    assert.deepEqual(group.rules.tags, ['lab'])
    const role = await cliJson<{ deviceGroupIds: number[] }>(
      s,
      'role',
      'set',
      '9',
      '--name',
      'Lab analyst',
      '--permissions',
      'ViewData.SecurityOperations,AlertsInvestigation',
      '--groups',
      '150',
    )
    assert.deepEqual(role.deviceGroupIds, [150])
    const bad = await cli(s, 'role', 'set', '10', '--name', 'x', '--permissions', 'NotAPermission', '--json')
    assert.equal(bad.code, 1)
    assert.match(bad.err, /400/)
  })

  it('admin API refuses MDE tokens (401) and apps without admin roles (403); changes are audited', async () => {
    const full = app(s.creds, 'full')
    const mde = await token({
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      scope: `${MDE}/.default`,
    })
    const r1 = await s.server.app.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${String(mde.access_token)}` },
    })
    assert.equal(r1.statusCode, 401)
    const adm = await token({
      grant_type: 'client_credentials',
      client_id: full.clientId,
      client_secret: full.clientSecret!,
      scope: 'api://bulwark-admin/.default',
    })
    const r2 = await s.server.app.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      headers: { authorization: `Bearer ${String(adm.access_token)}` },
    })
    assert.equal(r2.statusCode, 403)
    assert.match(r2.body, /Directory\.Read\.All/)
    const audit = await cliJson<{ value: { kind: string; code: string }[] }>(
      s,
      'user',
      'audit',
      '--kind',
      'directoryChange',
      '--limit',
      '200',
    )
    const ops = new Set(audit.value.map((e) => e.code))
    for (const op of [
      'createApplication',
      'addSecret',
      'adminConsent',
      'updateApplication',
      'createUser',
      'updateUser',
      'setDeviceGroup',
      'setRole',
    ])
      assert.ok(ops.has(op), `audit has ${op}: ${[...ops].join(',')}`)
  })
})
