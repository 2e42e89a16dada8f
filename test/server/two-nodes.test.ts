import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import pg from 'pg'
import { freshSchemaName, pgUrl } from '../helpers/stores.js'
import { startCliServer, type ServerProcess } from '../helpers/cli.js'

interface DemoCredentials {
  tenantId: string
  apps: { name: string; clientId: string; clientSecret?: string; permissions: string[] }[]
  users: { upn: string; password: string; roles: string[] }[]
}

async function form(url: string, body: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  })
  return (await res.json()) as Record<string, unknown>
}

/**
 * Stateless API nodes: two `bulwark serve --store postgres` processes over one PostgreSQL schema behave
 * as one service — signing keys, refresh tokens and directory state written through one are served by
 * the other.
 */
describe(
  'two API nodes over one PostgreSQL',
  { skip: pgUrl ? false : 'BULWARK_TEST_PG_URL is not set' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-2nodes-'))
    const schema = freshSchemaName()
    const nodes: ServerProcess[] = []
    after(async () => {
      for (const n of nodes) n.child.kill('SIGTERM')
      await Promise.all(nodes.map((n) => n.exited))
      rmSync(dir, { recursive: true, force: true })
      const c = new pg.Client({ connectionString: pgUrl })
      await c.connect()
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await c.end()
    })

    it('share keys, tokens and state', async () => {
      const args = ['--data-dir', dir, '--port', '0', '--http', '--store', 'postgres', '--log-level', 'warn']
      const pgArgs = ['--postgres-url', pgUrl!, '--postgres-schema', schema, '--demo', '--devices', '5']
      const a = await startCliServer([...args, ...pgArgs], { waitReady: true, timeoutMs: 120_000 })
      nodes.push(a)
      const b = await startCliServer([...args, ...pgArgs], { waitReady: true, timeoutMs: 120_000 })
      nodes.push(b)
      assert.notEqual(a.url, b.url)

      const creds = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
      const app = creds.apps.find((x) => x.clientSecret && x.permissions.includes('Alert.Read.All'))!
      const tok = await form(`${a.url}/${creds.tenantId}/oauth2/v2.0/token`, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret!,
        scope: 'https://api.securitycenter.microsoft.com/.default',
      })
      assert.equal(typeof tok.access_token, 'string', JSON.stringify(tok))
      const accessToken = tok.access_token as string

      // B publishes the key A signed with.
      const jwks = createRemoteJWKSet(new URL(`${b.url}/${creds.tenantId}/discovery/v2.0/keys`))
      const { kid } = decodeProtectedHeader(accessToken)
      assert.ok(kid)
      const { payload } = await jwtVerify(accessToken, jwks, { algorithms: ['RS256'] })
      assert.equal(payload.tid, creds.tenantId)

      // A refresh token issued by A is redeemed at B, and then is spent at A too (rotation is shared).
      const user = creds.users[0]!
      const publicApp = creds.apps.find(
        (x) => !x.clientSecret && x.permissions.some((p) => !p.endsWith('.All')),
      )
      assert.ok(publicApp, 'the demo has a public client')
      {
        const ropc = await form(`${a.url}/${creds.tenantId}/oauth2/v2.0/token`, {
          grant_type: 'password',
          client_id: publicApp.clientId,
          username: user.upn,
          password: user.password,
          scope: 'https://api.securitycenter.microsoft.com/Machine.Read offline_access',
        })
        assert.equal(typeof ropc.refresh_token, 'string', JSON.stringify(ropc))
        const refreshed = await form(`${b.url}/${creds.tenantId}/oauth2/v2.0/token`, {
          grant_type: 'refresh_token',
          client_id: publicApp.clientId,
          refresh_token: ropc.refresh_token as string,
          scope: 'https://api.securitycenter.microsoft.com/Machine.Read offline_access',
        })
        assert.equal(typeof refreshed.access_token, 'string', JSON.stringify(refreshed))
        const reuse = await form(`${a.url}/${creds.tenantId}/oauth2/v2.0/token`, {
          grant_type: 'refresh_token',
          client_id: publicApp.clientId,
          refresh_token: ropc.refresh_token as string,
        })
        assert.equal(reuse.error, 'invalid_grant', 'a rotated refresh token is refused by the other node')
      }
    })
  },
)
