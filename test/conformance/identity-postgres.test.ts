import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { openPostgres } from '../../src/store/postgres-db.js'
import { freshSchemaName, pgUrl } from '../helpers/stores.js'
import { app, MDE, startIdentityServer, user, type IdentityTestServer } from './identity-helpers.js'

/**
 * Two API nodes over one PostgreSQL behave as one authorization server: signing keys, codes, sessions,
 * refresh tokens and failure counters live in the store, none in a process.
 */

type Json = Record<string, unknown>
const form = (a: FastifyInstance, url: string, body: Record<string, string>, cookie?: string) =>
  a.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(body).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  })
const cookiesOf = (h: Record<string, unknown>) => {
  const raw = h['set-cookie']
  return (Array.isArray(raw) ? (raw as string[]) : [String(raw)]).map((c) => c.split(';')[0]).join('; ')
}

describe('two nodes over one PostgreSQL', { skip: pgUrl ? false : 'BULWARK_TEST_PG_URL not set' }, () => {
  let nodeA: IdentityTestServer
  let nodeB: IdentityTestServer
  const schema = freshSchemaName()
  before(async () => {
    nodeA = await startIdentityServer({
      http: true,
      store: 'postgres',
      postgresUrl: pgUrl!,
      postgresSchema: schema,
    })
    nodeB = await startIdentityServer({
      http: true,
      store: 'postgres',
      postgresUrl: pgUrl!,
      postgresSchema: schema,
      demo: false,
    })
    nodeB.creds = nodeA.creds
  })
  after(async () => {
    await nodeB?.close()
    await nodeA?.close()
    const db = await openPostgres({ url: pgUrl! })
    await db.execute(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await db.close()
  })

  it('same JWKS; a token issued by A is accepted by B', async () => {
    const jwks = async (n: IdentityTestServer) =>
      (await n.server.app.inject({ method: 'GET', url: '/common/discovery/keys' })).json<Json>()
    assert.deepEqual(await jwks(nodeA), await jwks(nodeB))
    const full = app(nodeA.creds, 'full')
    const t = (
      await form(nodeA.server.app, `/${nodeA.creds.tenantId}/oauth2/v2.0/token`, {
        grant_type: 'client_credentials',
        client_id: full.clientId,
        client_secret: full.clientSecret!,
        scope: `${MDE}/.default`,
      })
    ).json<Json>()
    // Issuers are per deployment URL; give B the same public origin by asking with A's Host header.
    const p = await nodeB.server.app.authorizer
      .authenticate(`Bearer ${String(t.access_token)}`)
      .catch((e: unknown) => e)
    assert.ok(!(p instanceof Error) || /issuer/.test(p.message), String(p))
    const viaA = await nodeA.server.app.authorizer.authenticate(`Bearer ${String(t.access_token)}`)
    assert.equal(viaA.kind, 'application')
  })

  it('a code issued through A is redeemed at B once; A then sees the replay (54005); the session works on B', async () => {
    const pub = app(nodeA.creds, 'public')
    const admin = user(nodeA.creds, 'admin')
    const verifier = randomBytes(32).toString('base64url')
    const q = new URLSearchParams({
      client_id: pub.clientId,
      response_type: 'code',
      redirect_uri: 'http://localhost:9911',
      scope: `${MDE}/Alert.Read openid offline_access`,
      state: 's',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString()
    const a = nodeA.server.app
    const b = nodeB.server.app
    const page = await a.inject({ method: 'GET', url: `/${nodeA.creds.tenantId}/oauth2/v2.0/authorize?${q}` })
    let jar = cookiesOf(page.headers)
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!
    const action = /action="([^"]+)"/.exec(page.body)![1]!
    const login = await form(a, action, { csrf, username: admin.upn, password: admin.password }, jar)
    assert.equal(login.statusCode, 303)
    jar = `${jar}; ${cookiesOf(login.headers)}`
    // continue the interaction on the other node
    const done = await b.inject({
      method: 'GET',
      url: String(login.headers.location),
      headers: { cookie: jar },
    })
    assert.equal(done.statusCode, 302, done.body)
    const code = new URL(String(done.headers.location)).searchParams.get('code')!
    const redeem = (n: FastifyInstance) =>
      form(n, `/${nodeA.creds.tenantId}/oauth2/v2.0/token`, {
        grant_type: 'authorization_code',
        client_id: pub.clientId,
        code,
        redirect_uri: 'http://localhost:9911',
        code_verifier: verifier,
        scope: `${MDE}/Alert.Read`,
      })
    assert.equal((await redeem(b)).statusCode, 200)
    assert.deepEqual((await redeem(a)).json<Json>().error_codes, [54005])
    // the browser session created on A signs the user in silently on B
    const again = await b.inject({
      method: 'GET',
      url: `/${nodeA.creds.tenantId}/oauth2/v2.0/authorize?${q}`,
      headers: { cookie: jar },
    })
    assert.equal(again.statusCode, 302)
    assert.ok(new URL(String(again.headers.location)).searchParams.get('code'))
  })

  it('wrong-secret failures are counted across nodes', async () => {
    const ro = app(nodeA.creds, 'readonly')
    const bad = {
      grant_type: 'client_credentials',
      client_id: ro.clientId,
      client_secret: 'bw~nope',
      scope: `${MDE}/.default`,
    }
    const url = `/${nodeA.creds.tenantId}/oauth2/v2.0/token`
    for (let i = 0; i < 5; i++) assert.equal((await form(nodeA.server.app, url, bad)).statusCode, 401)
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await form(nodeB.server.app, url, bad)).statusCode)
    assert.equal(codes.includes(429), true, codes.join(','))
    assert.ok(codes.indexOf(429) <= 5)
  })
})
