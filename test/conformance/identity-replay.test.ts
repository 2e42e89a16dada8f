import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { loadRecorded, recordedDir } from '../helpers/recorded.js'
import { app, startIdentityServer, type IdentityTestServer } from './identity-helpers.js'

/**
 * Replays what real clients sent (../shared/fixtures/recorded-client-requests) against the server: the
 * token-endpoint and discovery requests byte for byte, with only the recorded placeholders (tenant,
 * client id, redacted secret, request ids, the stub's API base URL) replaced by live values.
 */
const files = existsSync(recordedDir) ? readdirSync(recordedDir).filter((f) => f.endsWith('.json')) : []

describe(
  'replay of recorded client requests',
  { skip: files.length ? false : `fixtures not found at ${recordedDir}` },
  () => {
    let s: IdentityTestServer
    before(async () => {
      s = await startIdentityServer({ http: true })
    })
    after(async () => s?.close())

    for (const file of files) {
      it(file, async () => {
        const requests = loadRecorded(file)
        const full = app(s.creds, 'full')
        const sub = (x: string) =>
          x
            .replaceAll('tenant-a', s.creds.tenantId)
            .replaceAll('11111111-1111-1111-1111-111111111111', full.clientId)
            .replaceAll('client_id=app&', `client_id=${full.clientId}&`)
            .replaceAll('<redacted>', encodeURIComponent(full.clientSecret!))
            .replaceAll('<uuid>', randomUUID())
            .replaceAll('<ver>', '7.2.3')
            .replaceAll(encodeURIComponent('http://127.0.0.1:28081'), encodeURIComponent(s.url))
        let tokens = 0
        for (const r of requests) {
          const isIdentity = /\/oauth2\/|\.well-known/.test(r.path)
          if (!isIdentity) continue
          const headers: Record<string, string> = {}
          for (const [k, v] of Object.entries(r.headers))
            if (!/^authorization$/i.test(k)) headers[k.toLowerCase()] = v
          const res = await s.server.app.inject({
            method: r.method as 'GET' | 'POST',
            url: sub(r.path) + (r.rawQuery ? '?' + sub(r.rawQuery) : ''),
            headers,
            ...(r.body !== undefined ? { payload: sub(r.body) } : {}),
          })
          assert.equal(res.statusCode, 200, `${r.method} ${r.path}: ${res.body}`)
          const body = res.json<Record<string, unknown>>()
          if (r.path.includes('.well-known')) {
            for (const k of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri'])
              assert.equal(typeof body[k], 'string', k)
            continue
          }
          assert.equal(body.token_type, 'Bearer')
          const principal = await s.server.app.authorizer.authenticate(`Bearer ${String(body.access_token)}`)
          assert.equal(principal.kind, 'application')
          assert.ok(principal.permissions.has('Alert.Read.All'))
          tokens++
        }
        assert.ok(tokens > 0, 'the fixture contains at least one token request')
      })
    }
  },
)
