import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import type { ConfigInput } from '../../src/server/config.js'
import { loadRecorded } from '../helpers/recorded.js'
import { demoCredentials, serverStores, startTestServer, type TestServer } from '../helpers/server.js'
import { M1, seedTenant } from './api-harness.js'
import { app } from './identity-helpers.js'

/**
 * Runs `fn` against store + identity (demo directory) + api over HTTP on a random port, on a fresh
 * store (the PostgreSQL schema is dropped afterwards).
 */
async function withServer(
  flags: ConfigInput,
  extra: ConfigInput,
  fn: (s: TestServer & { creds: DemoCredentials }) => Promise<void>,
): Promise<void> {
  const s = await startTestServer({
    prefix: 'bulwark-api-e2e-',
    modules: ['store', 'identity', 'api'],
    dropSchema: true,
    flags: { http: true, demo: true, ...extra, ...flags },
  })
  try {
    await fn({ ...s, creds: demoCredentials(s.dataDir) })
  } finally {
    await s.close()
  }
}

for (const store of serverStores)
  describe(`end to end with the real identity module (${store.name})`, () => {
    it('replays TheHive, token requests included, against a demo server', async () => {
      await withServer(
        store.flags(),
        { actions: { completionDelaySeconds: 0, failureRate: 0, timeoutMinutes: 60 } },
        async (s) => {
          // The responder runs once per case, minutes apart: let the device finish the previous action.
          const settle = async () => {
            for (let i = 0; i < 100; i++) {
              const p = await s.server.ctx.db.query(
                `SELECT 1 AS x FROM machine_actions WHERE "status" IN ('Pending', 'InProgress') LIMIT 1`,
              )
              if (p.length === 0) return
              await new Promise((r) => setTimeout(r, 100))
            }
          }
          await seedTenant(s.server.ctx.db, s.creds.tenantId)
          const full = app(s.creds, 'full')
          const recorded = loadRecorded('thehive-cortex-msdefenderendpoints.json')
          let token = ''
          const statuses: string[] = []
          for (const r of recorded) {
            const isToken = r.path.includes('/oauth2/')
            const path = r.path.replace('/tenant-a/', `/${s.creds.tenantId}/`)
            let body = r.body
            if (isToken)
              body = r
                .body!.replace('client_id=app', `client_id=${encodeURIComponent(full.clientId)}`)
                .replace(
                  'client_secret=<redacted>',
                  `client_secret=${encodeURIComponent(full.clientSecret!)}`,
                )
                .replace(
                  /resource=[^&]+/,
                  `resource=${encodeURIComponent('https://api.securitycenter.microsoft.com')}`,
                )
            if (isToken) await settle()
            const headers: Record<string, string> = {}
            for (const [k, v] of Object.entries(r.headers))
              headers[k] = v === 'Bearer <token>' ? `Bearer ${token}` : v
            const res = await fetch(`${s.url}${path}${r.rawQuery ? `?${r.rawQuery}` : ''}`, {
              method: r.method,
              headers,
              ...(body !== undefined ? { body } : {}),
            })
            const text = await res.text()
            statuses.push(`${r.method} ${path.split('/').slice(-1)[0]} ${res.status}`)
            if (isToken) {
              assert.equal(res.status, 200, text)
              token = String((JSON.parse(text) as { access_token: string }).access_token)
              continue
            }
            assert.ok(res.status === 200 || res.status === 201, `${r.method} ${path}: ${res.status} ${text}`)
            if (r.method === 'GET' && path.endsWith('/machines'))
              assert.equal((JSON.parse(text) as { value: { id: string }[] }).value[0]!.id, M1)
          }
          assert.ok(statuses.length > 20)
        },
      )
    })

    it('refuses missing and forged tokens and missing roles (real authorizer, real token endpoint)', async () => {
      await withServer(store.flags(), {}, async (s) => {
        await seedTenant(s.server.ctx.db, s.creds.tenantId)
        const none = await fetch(`${s.url}/api/alerts`)
        assert.equal(none.status, 401)
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/)
        const forged = await fetch(`${s.url}/api/alerts`, {
          headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x' },
        })
        assert.equal(forged.status, 401)
        const ro = app(s.creds, 'readonly')
        const tok = await fetch(`${s.url}/${s.creds.tenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: ro.clientId,
            client_secret: ro.clientSecret!,
            scope: 'https://api.securitycenter.microsoft.com/.default',
          }),
        })
        const access = String(((await tok.json()) as { access_token: string }).access_token)
        const read = await fetch(`${s.url}/api/machines/${M1}`, {
          headers: { authorization: `Bearer ${access}` },
        })
        assert.equal(read.status, ro.permissions.includes('Machine.Read.All') ? 200 : 403)
        const write = await fetch(`${s.url}/api/machines/${M1}/isolate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json' },
          body: JSON.stringify({ Comment: 'x' }),
        })
        assert.equal(write.status, 403)
        const e = ((await write.json()) as { error: { code: string; message: string } }).error
        assert.equal(e.code, 'Forbidden')
        assert.match(e.message, /Machine\.Isolate/)
      })
    })
  })
