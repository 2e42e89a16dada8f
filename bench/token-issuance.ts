/**
 * Client-credentials issuance throughput vs jose's raw RS256 signing rate, measured in the same run.
 * Target: issuance >= 60% of raw signing. The server runs in this process over plain HTTP (TLS cost is
 * not the token service's); autocannon runs as a separate process so it does not share our event loop.
 */
import { execFile } from 'node:child_process'
import type { KeyObject } from 'node:crypto'
import { promisify } from 'node:util'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SignJWT } from 'jose'
import { startServer } from '../src/server/app.js'
import { loadConfig } from '../src/server/config.js'
import { productModules } from '../src/server/modules.js'
import type { DemoCredentials } from '../src/identity/seed-demo.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2)
const ROUNDS = 5
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const CONNECTIONS = 8

async function joseRate(key: KeyObject, ms: number): Promise<number> {
  const claims = {
    aud: 'https://api.securitycenter.microsoft.com',
    iss: 'https://sts/x/',
    tid: 'x',
    roles: ['Alert.Read.All'],
    ver: '1.0',
  }
  let n = 0
  const end = performance.now() + ms
  const worker = async () => {
    while (performance.now() < end) {
      await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key)
      n++
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CONNECTIONS }, worker))
  return n / ((performance.now() - t0) / 1000)
}

async function autocannon(url: string, body: string): Promise<{ rps: number; non2xx: number }> {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'autocannon')
  const r = await promisify(execFile)(
    bin,
    [
      '-c',
      String(CONNECTIONS),
      '-d',
      String(SECONDS),
      '-m',
      'POST',
      '-H',
      'content-type=application/x-www-form-urlencoded',
      '-b',
      body,
      '-j',
      url,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  )
  const j = JSON.parse(r.stdout) as { requests: { average: number }; non2xx: number; errors: number }
  return { rps: j.requests.average, non2xx: j.non2xx + j.errors }
}

const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-bench-'))
const config = loadConfig({
  env: {},
  flags: { dataDir, port: 0, http: true, demo: true, logLevel: 'silent', quiet: true },
})
const server = await startServer(config, {
  modules: productModules.filter((m) => m.name === 'store' || m.name === 'identity'),
})
try {
  await server.ready
  const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as DemoCredentials
  const full = creds.apps.find((a) => a.clientSecret)!
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: full.clientId,
    client_secret: full.clientSecret!,
    scope: 'https://api.securitycenter.microsoft.com/.default',
  }).toString()
  const url = `${server.url}/${creds.tenantId}/oauth2/v2.0/token`
  const key = server.app.identity.keys.signingKey().privateKey
  await autocannon(url, body) // warm-up (JIT, caches)
  // Alternate baseline and issuance so both see the same background load; compare medians.
  const raws: number[] = []
  const issued: number[] = []
  let non2xx = 0
  for (let round = 0; round < ROUNDS; round++) {
    raws.push(await joseRate(key, SECONDS * 1000))
    const r = await autocannon(url, body)
    issued.push(r.rps)
    non2xx += r.non2xx
  }
  raws.push(await joseRate(key, SECONDS * 1000))
  const baseline = median(raws)
  const rate = median(issued)
  const ratio = rate / baseline
  console.log(
    `jose raw RS256 signing:        ${baseline.toFixed(0)} tokens/s median (${CONNECTIONS} in flight; runs ${raws.map((x) => x.toFixed(0)).join(' / ')})`,
  )
  console.log(
    `client-credentials issuance:   ${rate.toFixed(0)} tokens/s median over HTTP (${CONNECTIONS} connections; runs ${issued.map((x) => x.toFixed(0)).join(' / ')}; non-2xx ${non2xx})`,
  )
  console.log(
    `ratio issuance / raw signing:  ${ratio.toFixed(2)} (target >= 0.60) ${ratio >= 0.6 ? 'PASS' : 'FAIL'}`,
  )
  if (non2xx) process.exitCode = 1
} finally {
  await server.close()
  rmSync(dataDir, { recursive: true, force: true })
}
