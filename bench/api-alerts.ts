/**
 * MDE API throughput against a bare-fastify ceiling measured in the same run (50 connections,
 * keep-alive, autocannon in a child process):
 *  - `GET /api/alerts?$top=100` with a valid bearer token vs a bare route returning the same 100 alerts
 *    (cached objects, serialised per request): target >= 40% of the ceiling;
 *  - `GET /api/machines/{id}` vs a bare route returning the same cached machine: target >= 50%.
 * Real identity authorizer (RS256 token issued by IdentityService), DuckDB in memory, rate limits off,
 * the API's read cache at its default (2 s). The same routes with the read cache off are measured once
 * more for information (every request then runs its store query).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { identityMigrations } from '../src/identity/migrations.js'
import { catalogueMigrations } from '../src/store/catalogue-migrations.js'
import { openDuckDb } from '../src/store/duckdb-db.js'
import { migrate } from '../src/store/migrations.js'
import { M1, seedTenant } from '../test/conformance/api-harness.js'
import { benchIdentity } from './_identity.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const ROUNDS = 2
const CONNECTIONS = 50
const ALERTS = 400
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Run {
  rps: number
  p99: number
  non2xx: number
}

async function autocannon(url: string, token: string, seconds = SECONDS): Promise<Run> {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'autocannon')
  const r = await promisify(execFile)(
    bin,
    ['-c', String(CONNECTIONS), '-d', String(seconds), '-H', `authorization=Bearer ${token}`, '-j', url],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  )
  const j = JSON.parse(r.stdout) as {
    requests: { average: number }
    latency: { p99: number }
    non2xx: number
    errors: number
  }
  return { rps: j.requests.average, p99: j.latency.p99, non2xx: j.non2xx + j.errors }
}

const db = await openDuckDb({ path: ':memory:' })
await migrate(db, [...catalogueMigrations, ...identityMigrations])
const id = await benchIdentity(db, {
  domain: 'bench-api.example',
  roles: ['Alert.Read.All', 'Machine.Read.All'],
})
const svc = id.svc
const tenant = { id: id.tenantId }

// Tenant data: the small deterministic seed plus ALERTS generated alerts with evidence.
await seedTenant(db, tenant.id)
const now = Date.now()
for (let i = 0; i < ALERTS; i++) {
  const id = `da6387${String(1e12 + i)}_${i * 7919}`
  await db.execute(
    `INSERT INTO alerts ("tenantId","id","incidentId","investigationId","assignedTo","severity","status","investigationState","detectionSource","detectorId","category","title","description","alertCreationTime","firstEventTime","lastEventTime","lastUpdateTime","machineId","computerDnsName","rbacGroupName","aadTenantId","mitreTechniques","relatedUser","loggedOnUsers","comments","domains")
     VALUES ($1,$2,$3,NULL,'analyst@contoso.example',$4,'New','Running','WindowsDefenderAtp','7b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0','Execution',$5,'A process executed a suspicious command line on the device.',$6,$6,$6,$6,$7,'host1','Workstations',$1,'["T1059","T1105"]','{"userName":"jdoe","domainName":"CONTOSO"}','[{"accountName":"jdoe","domainName":"CONTOSO"}]','[{"comment":"triaged","createdBy":"analyst@contoso.example","createdTime":"2026-11-28T08:30:00.0912Z"}]','[]')`,
    [
      tenant.id,
      id,
      9000 + i,
      ['Low', 'Medium', 'High'][i % 3]!,
      `Suspicious activity ${i}`,
      new Date(now - i * 60_000),
      M1,
    ],
  )
}

const { app } = await id.apiServer()
let cachedAlerts: unknown = null
let cachedMachine: unknown = null
app.get('/bare/alerts', (_req, reply) =>
  reply.header('content-type', 'application/json; charset=utf-8').send(cachedAlerts),
)
app.get('/bare/machine', (_req, reply) =>
  reply.header('content-type', 'application/json; charset=utf-8').send(cachedMachine),
)
const publicUrl = await id.listen(app)

try {
  const token = await id.token()
  const alertsUrl = `${publicUrl}/api/alerts?$top=100`
  const machineUrl = `${publicUrl}/api/machines/${M1}`
  const get = async (url: string) => {
    const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`)
    return (await r.json()) as { value?: unknown[] }
  }
  cachedAlerts = await get(alertsUrl)
  cachedMachine = await get(machineUrl)
  if ((cachedAlerts as { value: unknown[] }).value.length !== 100) throw new Error('expected 100 alerts')

  let failed = false
  for (const [name, bareUrl, apiUrl, target2] of [
    ['GET /api/alerts?$top=100', `${publicUrl}/bare/alerts`, alertsUrl, 0.4],
    [`GET /api/machines/{id}`, `${publicUrl}/bare/machine`, machineUrl, 0.5],
  ] as const) {
    await autocannon(apiUrl, token, 1) // warm-up
    const bare: Run[] = []
    const ours: Run[] = []
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await autocannon(bareUrl, token))
      ours.push(await autocannon(apiUrl, token))
    }
    const b = median(bare.map((r) => r.rps))
    const o = median(ours.map((r) => r.rps))
    const non2xx = [...bare, ...ours].reduce((n, r) => n + r.non2xx, 0)
    const ratio = o / b
    const ok = ratio >= target2 && non2xx === 0
    failed ||= !ok
    console.log(`${name}`)
    console.log(
      `  bare fastify ceiling: ${b.toFixed(0)} req/s (runs ${bare.map((r) => r.rps.toFixed(0)).join(' / ')}), p99 ${median(bare.map((r) => r.p99))} ms`,
    )
    console.log(
      `  Bulwark MDE route:    ${o.toFixed(0)} req/s (runs ${ours.map((r) => r.rps.toFixed(0)).join(' / ')}), p99 ${median(ours.map((r) => r.p99))} ms`,
    )
    console.log(
      `  ratio ${(ratio * 100).toFixed(1)}% (target >= ${target2 * 100}%), non-2xx ${non2xx}: ${ok ? 'PASS' : 'FAIL'}`,
    )
  }
  // For information: the same API with the read cache off (one store query per request).
  const { app: app2 } = await id.apiServer({ readCacheMs: 0 })
  await app2.listen({ host: '127.0.0.1', port: 0 })
  const addr2 = app2.server.address()
  const base2 = `http://127.0.0.1:${typeof addr2 === 'object' && addr2 ? addr2.port : 0}`
  try {
    for (const [name, url] of [
      ['GET /api/alerts?$top=100', `${base2}/api/alerts?$top=100`],
      ['GET /api/machines/{id}', `${base2}/api/machines/${M1}`],
    ] as const) {
      const r = await autocannon(url, token)
      console.log(
        `read cache off, ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx} (information only)`,
      )
    }
  } finally {
    await app2.close()
  }
  if (failed) process.exitCode = 1
} finally {
  await app.close()
  await svc.stop()
  await db.close()
}
