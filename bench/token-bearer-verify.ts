/**
 * Cost of bearer verification on an API route: the same trivial route served with and without
 * `authenticate` + `authorize`, both receiving the same Authorization header. Target: verification
 * costs <= 15% of the route's unauthenticated throughput. Also prints the cold (uncached) verify rate.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { join } from 'node:path'
import Fastify from 'fastify'
import { openDuckDb } from '../src/store/duckdb-db.js'
import { migrate } from '../src/store/migrations.js'
import { createAuthorizer } from '../src/identity/authorizer.js'
import { identityStoreMigrations } from '../src/identity/migrations.js'
import { benchIdentity } from './_identity.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const ROUNDS = 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const CONNECTIONS = 8

async function autocannon(url: string, token: string): Promise<{ rps: number; non2xx: number }> {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'autocannon')
  const r = await promisify(execFile)(
    bin,
    ['-c', String(CONNECTIONS), '-d', String(SECONDS), '-H', `authorization=Bearer ${token}`, '-j', url],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  const j = JSON.parse(r.stdout) as { requests: { average: number }; non2xx: number; errors: number }
  return { rps: j.requests.average, non2xx: j.non2xx + j.errors }
}

const db = await openDuckDb({ path: ':memory:' })
await migrate(db, identityStoreMigrations)
const id = await benchIdentity(db, { domain: 'bench.example', roles: ['Alert.Read.All'] })
const svc = id.svc
const authorizer = createAuthorizer(svc)
const requirement = {
  application: ['Alert.Read.All', 'Alert.ReadWrite.All'],
  delegated: ['Alert.Read', 'Alert.ReadWrite'],
}

const app = Fastify({ logger: false })
const payload = {
  '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Alerts',
  value: [],
}
app.get('/bare', (_req, reply) => reply.send(payload))
app.get('/authed', async (req, reply) => {
  const principal = await authorizer.authenticate(req.headers.authorization)
  const d = authorizer.authorize(principal, requirement)
  if (!d.allowed) return reply.code(403).send({ error: { code: d.code, message: d.message } })
  return payload
})
const publicUrl = await id.listen(app)
try {
  const token = await id.token()

  // Cold path: a fresh authorizer (empty cache) per verification.
  const t0 = performance.now()
  let cold = 0
  while (performance.now() - t0 < 1500) {
    await createAuthorizer(svc).authenticate(`Bearer ${token}`)
    cold++
  }
  await autocannon(`${publicUrl}/authed`, token) // warm-up
  // Alternate the two routes so both see the same background load; compare medians.
  const bare: number[] = []
  const authed: number[] = []
  let non2xx = 0
  for (let round = 0; round < ROUNDS; round++) {
    bare.push((await autocannon(`${publicUrl}/bare`, token)).rps)
    const r = await autocannon(`${publicUrl}/authed`, token)
    authed.push(r.rps)
    non2xx += r.non2xx
  }
  const b = median(bare)
  const a2 = median(authed)
  const cost = 1 - a2 / b
  console.log(`cold verification (jose RS256 + claim checks + principal): ${(cold / 1.5).toFixed(0)} /s`)
  console.log(
    `route without auth:  ${b.toFixed(0)} req/s median (runs ${bare.map((x) => x.toFixed(0)).join(' / ')})`,
  )
  console.log(
    `route with bearer:   ${a2.toFixed(0)} req/s median (runs ${authed.map((x) => x.toFixed(0)).join(' / ')}; non-2xx ${non2xx})`,
  )
  console.log(
    `verification cost:   ${(cost * 100).toFixed(1)}% of unauthenticated throughput (target <= 15%) ${cost <= 0.15 ? 'PASS' : 'FAIL'}`,
  )
  if (non2xx) process.exitCode = 1
} finally {
  await app.close()
  await svc.stop()
  await db.close()
}
