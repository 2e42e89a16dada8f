import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { RunningServer } from '../../src/server/app.js'
import { startServer } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import { app, MDE, user } from './identity-helpers.js'

/**
 * Identity tokens on the real MDE API (all product modules, demo data): application roles, delegated
 * scopes + RBAC, and device-group scoping of a user's lists.
 */
describe('identity ↔ MDE API', () => {
  let s: RunningServer
  let creds: DemoCredentials
  const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-identity-api-'))
  before(async () => {
    s = await startServer(
      loadConfig({
        env: {},
        flags: { dataDir, port: 0, http: true, demo: true, logLevel: 'silent', quiet: true },
      }),
    )
    await s.ready
    creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
  })
  after(async () => {
    await s?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const token = async (form: Record<string, string>) => {
    const r = await s.app.inject({
      method: 'POST',
      url: `/${creds.tenantId}/oauth2/v2.0/token`,
      payload: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    assert.equal(r.statusCode, 200, r.body)
    return String(r.json<{ access_token: string }>().access_token)
  }
  const get = async (url: string, t: string) =>
    s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${t}` } })
  const appToken = (kind: 'full' | 'readonly') => {
    const a = app(creds, kind)
    return token({
      grant_type: 'client_credentials',
      client_id: a.clientId,
      client_secret: a.clientSecret!,
      scope: `${MDE}/.default`,
    })
  }
  const userToken = (local: string) => {
    const u = user(creds, local)
    return token({
      grant_type: 'password',
      client_id: app(creds, 'public').clientId,
      username: u.upn,
      password: u.password,
      scope: `${MDE}/Machine.Read ${MDE}/Alert.Read`,
    })
  }

  it('application tokens: 200 with the role, 403 naming the missing role, 401 without a token', async () => {
    assert.equal((await get('/api/alerts', await appToken('full'))).statusCode, 200)
    const ro = await appToken('readonly')
    assert.equal((await get('/api/machines', ro)).statusCode, 200)
    const denied = await s.app.inject({
      method: 'POST',
      url: '/api/machines/x/isolate',
      headers: { authorization: `Bearer ${ro}`, 'content-type': 'application/json' },
      payload: '{"Comment":"c","IsolationType":"Full"}',
    })
    assert.equal(denied.statusCode, 403)
    assert.match(denied.body, /Machine\.Isolate/)
    assert.equal((await s.app.inject({ method: 'GET', url: '/api/alerts' })).statusCode, 401)
  })

  it("user tokens: lists are filtered to the user's device groups", async () => {
    const names = async (local: string) => {
      const r = await get('/api/machines', await userToken(local))
      assert.equal(r.statusCode, 200, r.body)
      return r.json<{ value: { rbacGroupName: string | null }[] }>().value.map((m) => m.rbacGroupName)
    }
    const admin = await names('admin')
    const analyst = await names('analyst')
    assert.ok(analyst.length > 0 && analyst.length < admin.length, `${analyst.length} < ${admin.length}`)
    for (const g of analyst)
      assert.ok(g === null || ['Workstations', 'Mac-Fleet', 'UnassignedGroup'].includes(g), String(g))
  })
})
