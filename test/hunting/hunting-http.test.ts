import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { HuntingQuota } from '../../src/api/hunting/hunting-quota.js'
import type { DemoCredentials } from '../../src/identity/seed-demo.js'
import { startServer, type RunningServer } from '../../src/server/app.js'
import { loadConfig } from '../../src/server/config.js'
import { productModules } from '../../src/server/modules.js'
import { sharedPath } from '../helpers/shared.js'
import { freshSchemaName, pgUrl } from '../helpers/stores.js'

/**
 * The three hunting routes over HTTP with real tokens from the identity module (client credentials and
 * ROPC), on a demo tenant with a few devices: 401/403, response shapes against Microsoft's documented
 * examples, user-context device scoping, 400 with position, 429 + Retry-After (rate limit and the
 * store-backed CPU quota).
 */
const MDE = 'https://api.securitycenter.microsoft.com'
const fixtures = sharedPath('fixtures', 'microsoft-defender-docs')
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as Record<string, unknown>

/** The JSON "shape" of a value: object keys (recursively, first array element) and primitive types. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : []
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    )
  return typeof v
}

const stores = [
  { name: 'duckdb', flags: {} },
  ...(pgUrl
    ? [
        {
          name: 'postgres',
          flags: { store: 'postgres' as const, postgresUrl: pgUrl, postgresSchema: freshSchemaName() },
        },
      ]
    : []),
]

for (const store of stores) {
  describe(`hunting routes over HTTP (${store.name})`, { timeout: 300_000 }, () => {
    let server: RunningServer
    let url: string
    let creds: DemoCredentials
    let dataDir: string
    const tokens: Record<string, string> = {}

    async function token(body: Record<string, string>): Promise<string> {
      const res = await fetch(`${url}/${creds.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(body),
      })
      const j = (await res.json()) as Record<string, unknown>
      assert.equal(typeof j.access_token, 'string', JSON.stringify(j))
      return j.access_token as string
    }

    const app = (name: string) => creds.apps.find((a) => a.name === name)!

    async function post(path: string, body: unknown, tok?: string) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
        body: JSON.stringify(body),
      })
      const text = await res.text()
      return {
        status: res.status,
        headers: res.headers,
        json: (text ? JSON.parse(text) : null) as Record<string, unknown>,
      }
    }

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'bulwark-hunting-http-'))
      const config = loadConfig({
        env: {},
        flags: {
          dataDir,
          port: 0,
          http: true,
          demo: true,
          devices: 8,
          logLevel: 'silent',
          quiet: true,
          hunting: { cpuSecondsPerHour: 30 },
          ...store.flags,
        },
      })
      server = await startServer(config, { modules: productModules })
      await server.ready
      url = server.ctx.publicUrl
      creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
      const full = app('Bulwark Demo Full Access')
      const ro = app('Bulwark Demo Read-Only')
      const pub = app('Bulwark Demo Public Client')
      const analyst = creds.users.find((u) => u.upn.startsWith('analyst@'))!
      tokens.app = await token({
        grant_type: 'client_credentials',
        client_id: full.clientId,
        client_secret: full.clientSecret!,
        scope: `${MDE}/.default`,
      })
      tokens.graph = await token({
        grant_type: 'client_credentials',
        client_id: full.clientId,
        client_secret: full.clientSecret!,
        scope: 'https://graph.microsoft.com/.default',
      })
      tokens.xdr = await token({
        grant_type: 'client_credentials',
        client_id: full.clientId,
        client_secret: full.clientSecret!,
        scope: 'https://api.security.microsoft.com/.default',
      })
      tokens.graphUser = await token({
        grant_type: 'password',
        client_id: pub.clientId,
        username: analyst.upn,
        password: analyst.password,
        scope: 'https://graph.microsoft.com/ThreatHunting.Read.All',
      })
      tokens.readonly = await token({
        grant_type: 'client_credentials',
        client_id: ro.clientId,
        client_secret: ro.clientSecret!,
        scope: `${MDE}/.default`,
      })
      tokens.user = await token({
        grant_type: 'password',
        client_id: pub.clientId,
        username: analyst.upn,
        password: analyst.password,
        scope: `${MDE}/AdvancedQuery.Read ${MDE}/Machine.Read`,
      })
    })

    after(async () => {
      await server?.close()
      rmSync(dataDir, { recursive: true, force: true })
    })

    const query =
      'DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2'

    test('401 without a token on every route', async () => {
      for (const path of [
        '/api/advancedqueries/run',
        '/api/advancedhunting/run',
        '/v1.0/security/runHuntingQuery',
      ]) {
        const r = await post(path, { Query: query })
        assert.equal(r.status, 401, path)
      }
    })

    test('403 without AdvancedQuery.Read.All', async () => {
      for (const path of ['/api/advancedqueries/run', '/api/advancedhunting/run']) {
        const r = await post(path, { Query: query }, tokens.readonly)
        assert.equal(r.status, 403, path)
        assert.equal(typeof (r.json.error as Record<string, unknown>).message, 'string')
      }
    })

    test("a hunting query writes nothing: the tenant's cached reads stay valid", async () => {
      const cache = server.app.mdeApi.deps.cache
      const before = cache.generation(creds.tenantId)
      const q = { Query: 'DeviceInfo | take 1' }
      assert.equal((await post('/api/advancedqueries/run', q, tokens.app)).status, 200)
      assert.equal((await post('/api/advancedhunting/run', q, tokens.xdr)).status, 200)
      assert.equal(cache.generation(creds.tenantId), before)
    })

    test('MDE and XDR responses have the documented shape', async () => {
      const expected = shape(fixture('advanced-hunting-xdr-response-with-stats.json'))
      for (const path of ['/api/advancedqueries/run', '/api/advancedhunting/run']) {
        const r = await post(path, { Query: query }, tokens.app)
        assert.equal(r.status, 200, JSON.stringify(r.json))
        assert.ok((r.json.Results as unknown[]).length > 0, 'the demo has powershell processes')
        assert.deepEqual(shape(r.json), expected, path)
        assert.deepEqual(
          r.json.Schema,
          fixture('advanced-hunting-xdr-response-with-stats.json').Schema as unknown[],
        )
        const first = (r.json.Results as Record<string, unknown>[])[0]!
        assert.match(first.Timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/)
      }
    })

    test('Graph runHuntingQuery returns schema and results', async () => {
      const r = await post('/v1.0/security/runHuntingQuery', { Query: query, Timespan: 'P30D' }, tokens.graph)
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.deepEqual(Object.keys(r.json).sort(), ['@odata.context', 'results', 'schema'])
      assert.deepEqual(r.json.schema, [
        { name: 'Timestamp', type: 'DateTime' },
        { name: 'FileName', type: 'String' },
        { name: 'InitiatingProcessFileName', type: 'String' },
      ])
      assert.ok((r.json.results as unknown[]).length > 0)
    })

    test('each surface takes tokens for its own API: Graph, Defender XDR, MDE', async () => {
      const q = { Query: 'DeviceInfo | distinct DeviceId | count' }
      const accepted: [string, string][] = [
        ['/api/advancedqueries/run', tokens.app!],
        ['/api/advancedhunting/run', tokens.xdr!],
        ['/api/advancedhunting/run', tokens.app!],
        ['/v1.0/security/runHuntingQuery', tokens.graph!],
      ]
      for (const [path, tok] of accepted) assert.equal((await post(path, q, tok)).status, 200, path)
      // A token issued for another API is refused like a wrong audience (401 + invalid_token).
      const refused: [string, string][] = [
        ['/api/advancedqueries/run', tokens.graph!],
        ['/api/advancedqueries/run', tokens.xdr!],
        ['/api/advancedhunting/run', tokens.graph!],
        ['/v1.0/security/runHuntingQuery', tokens.app!],
        ['/v1.0/security/runHuntingQuery', tokens.xdr!],
      ]
      for (const [path, tok] of refused) {
        const r = await post(path, q, tok)
        assert.equal(r.status, 401, path)
        assert.match(r.headers.get('www-authenticate') ?? '', /invalid_token/)
      }
      // …and on the resource API.
      const m = await fetch(`${url}/api/machines`, { headers: { authorization: `Bearer ${tokens.graph}` } })
      assert.equal(m.status, 401)
    })

    test("Graph in user context: ThreatHunting.Read.All scope, scoped to the user's device groups", async () => {
      const q = { Query: 'DeviceProcessEvents | distinct DeviceId' }
      const mde = await post('/api/advancedqueries/run', q, tokens.user)
      const graph = await post('/v1.0/security/runHuntingQuery', q, tokens.graphUser)
      assert.equal(graph.status, 200, JSON.stringify(graph.json))
      const sorted = (xs: { DeviceId: string }[]) => xs.map((x) => x.DeviceId).sort()
      assert.deepEqual(
        sorted(graph.json.results as { DeviceId: string }[]),
        sorted(mde.json.Results as { DeviceId: string }[]),
      )
    })

    test('a user sees only the devices of their device groups', async () => {
      const q = { Query: 'DeviceProcessEvents | distinct DeviceId' }
      const all = await post('/api/advancedqueries/run', q, tokens.app)
      const mine = await post('/api/advancedqueries/run', q, tokens.user)
      assert.equal(all.status, 200)
      assert.equal(mine.status, 200, JSON.stringify(mine.json))
      const ids = (r: { json: Record<string, unknown> }) =>
        new Set((r.json.Results as { DeviceId: string }[]).map((x) => x.DeviceId))
      // The same scoping as the resource API: the machines the user may list.
      const machines = await fetch(`${url}/api/machines`, {
        headers: { authorization: `Bearer ${tokens.user}` },
      })
      assert.equal(machines.status, 200)
      const list = ((await machines.json()) as { value: { id: string; rbacGroupId: number }[] }).value
      const visible = new Set(list.map((m) => m.id))
      assert.ok(
        list.every((m) => [0, 104, 105].includes(m.rbacGroupId)),
        'the analyst role covers groups 104, 105',
      )
      const allIds = ids(all)
      const mineIds = ids(mine)
      assert.ok(mineIds.size > 0, 'the analyst sees some devices')
      assert.ok(mineIds.size < allIds.size, 'but not all of them')
      for (const id of mineIds) assert.ok(visible.has(id), `${id} is in the analyst's device groups`)
      for (const id of allIds)
        if (visible.has(id)) assert.ok(mineIds.has(id), `${id} is visible to the analyst`)
      // Aggregates and joins are scoped too (the filter is inside the SQL, under every table reference).
      const joined = await post(
        '/api/advancedqueries/run',
        {
          Query:
            'DeviceInfo | distinct DeviceId | join kind=inner (DeviceNetworkEvents | distinct DeviceId) on DeviceId | count',
        },
        tokens.user,
      )
      assert.equal(joined.status, 200)
      assert.ok((joined.json.Results as { Count: number }[])[0]!.Count <= mineIds.size)
    })

    test('a syntax error is a 400 with Kusto message and position', async () => {
      const r = await post('/api/advancedqueries/run', { Query: 'DeviceProcessEvents | where' }, tokens.app)
      assert.equal(r.status, 400)
      const err = r.json.error as Record<string, unknown>
      assert.equal(err.code, 'BadRequest')
      assert.match(err.message as string, /\(at position \d+, length \d+\)/)
      const g = await post(
        '/v1.0/security/runHuntingQuery',
        { Query: 'DeviceProcessEvents | where' },
        tokens.graph,
      )
      assert.equal(g.status, 400)
    })

    test('a missing Query is a 400', async () => {
      const r = await post('/api/advancedqueries/run', { query_text: 'x' }, tokens.app)
      assert.equal(r.status, 400)
    })

    test('each answered query is charged to the tenant CPU budget (after the answer)', async () => {
      const used = async () =>
        (
          await server.ctx.db.query<{ n: number | bigint | null }>(
            `SELECT sum("count") AS n FROM rate_limit_counters WHERE "tenantId" = $1 AND "bucket" = 'hunting-cpu|3600'`,
            [creds.tenantId],
          )
        ).map((r) => Number(r.n ?? 0))[0]!
      const before = await used()
      const r = await post('/api/advancedqueries/run', { Query: 'DeviceInfo | take 1' }, tokens.app)
      assert.equal(r.status, 200)
      let after = await used()
      // Written in the background within a second (HuntingQuota flushMs).
      for (let i = 0; i < 250 && after === before; i++) {
        await new Promise((res) => setTimeout(res, 20))
        after = await used()
      }
      assert.ok(after > before, `charged: ${before} -> ${after}`)
    })

    test('CPU quota shared through the store: 429 with Retry-After', async () => {
      // Another API node over the same store charges the tenant's budget (30 s per hour in this config).
      const otherNode = new HuntingQuota(server.ctx.db, server.ctx.clock, {
        cpuSecondsPerHour: 30,
        cpuSecondsPerDay: 86_400,
      })
      await otherNode.charge(creds.tenantId, 31_000)
      // This node sees other nodes' charges once its reading is a second old (HuntingQuota refreshMs).
      await new Promise((res) => setTimeout(res, 1_100))
      const r = await post('/api/advancedqueries/run', { Query: 'DeviceInfo | take 1' }, tokens.app)
      assert.equal(r.status, 429)
      const retry = Number(r.headers.get('retry-after'))
      assert.ok(retry >= 1 && retry <= 3600, `Retry-After ${retry}`)
      assert.match((r.json.error as Record<string, unknown>).message as string, /quota/i)
    })

    test('rate limit: the 46th call in a minute is a 429 with Retry-After', async () => {
      // Fresh app identity is not available; the certificate app shares nothing with the others' counters.
      let last = { status: 0, headers: new Headers(), json: {} as Record<string, unknown> }
      for (let i = 0; i < 46; i++) {
        last = await post('/api/advancedhunting/run', { Query: 'print x = 1' }, tokens.user)
        if (last.status === 429) break
      }
      assert.equal(last.status, 429)
      assert.ok(Number(last.headers.get('retry-after')) >= 1)
    })
  })
}
