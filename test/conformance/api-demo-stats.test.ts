import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Db } from '../../src/store/db.js'
import { demoCredentials, serverStores, startTestServer } from '../helpers/server.js'

/**
 * The files / IPs / domains stats and related-machine routes on the demo tenant answer with the
 * numbers the telemetry holds: for every file, IP and domain in the stories' alert evidence, the
 * expected prevalence, first and last seen and machines are computed here from the hunting rows
 * (independently of the product's derivation) and compared with the API's answers.
 */
interface Seen {
  devices: Set<string>
  first: number
  last: number
  names: Set<string>
}

function seen(rows: { d: string; t: Date; n?: string | null }[]): Seen {
  const s: Seen = { devices: new Set(), first: Infinity, last: -Infinity, names: new Set() }
  for (const r of rows) {
    s.devices.add(r.d)
    s.first = Math.min(s.first, r.t.getTime())
    s.last = Math.max(s.last, r.t.getTime())
    if (r.n) s.names.add(r.n)
  }
  return s
}

function hostOf(url: string): string {
  const u = url.toLowerCase()
  return new URL(/^[a-z][a-z0-9+.-]*:\/\//.test(u) ? u : `http://${u}`).hostname
}

async function fileSeen(db: Db, tenant: string, sha1: string): Promise<Seen> {
  const rows: { d: string; t: Date; n: string }[] = []
  for (const t of ['DeviceProcessEvents', 'DeviceFileEvents', 'DeviceImageLoadEvents'])
    rows.push(
      ...(await db.query<{ d: string; t: Date; n: string }>(
        `SELECT "DeviceId" AS d, "Timestamp" AS t, "FileName" AS n FROM "${t}" WHERE "TenantId" = $1 AND lower("SHA1") = $2`,
        [tenant, sha1],
      )),
    )
  return seen(rows)
}

async function ipSeen(db: Db, tenant: string, ip: string): Promise<Seen> {
  const rows: { d: string; t: Date }[] = []
  for (const t of ['DeviceNetworkEvents', 'DeviceLogonEvents'])
    rows.push(
      ...(await db.query<{ d: string; t: Date }>(
        `SELECT "DeviceId" AS d, "Timestamp" AS t FROM "${t}" WHERE "TenantId" = $1 AND "RemoteIP" = $2`,
        [tenant, ip],
      )),
    )
  return seen(rows)
}

async function domainSeen(db: Db, tenant: string, host: string): Promise<Seen> {
  const rows: { d: string; t: Date; u: string }[] = []
  for (const [t, c] of [
    ['DeviceNetworkEvents', 'RemoteUrl'],
    ['DeviceFileEvents', 'FileOriginUrl'],
  ])
    rows.push(
      ...(await db.query<{ d: string; t: Date; u: string }>(
        `SELECT "DeviceId" AS d, "Timestamp" AS t, "${c}" AS u FROM "${t}" WHERE "TenantId" = $1 AND lower("${c}") LIKE $2`,
        [tenant, `%${host}%`],
      )),
    )
  return seen(rows.filter((r) => hostOf(r.u) === host))
}

const iso = (ms: number) => new Date(ms).toISOString()

for (const store of serverStores)
  describe(`demo tenant: file / IP / domain stats agree with the telemetry (${store.name})`, () => {
    it('for every file, IP and domain of the stories’ evidence, and for the most common domain', async () => {
      const srv = await startTestServer({
        prefix: 'bulwark-demo-stats-',
        modules: ['store', 'identity', 'api', 'demo'],
        dropSchema: true,
        flags: {
          http: true,
          demo: true,
          devices: 8,
          clockStart: '2025-03-04T10:30:00Z',
          rateLimits: { profile: 'off' },
          ...store.flags(),
        },
      })
      try {
        const url = srv.url
        const db = srv.server.ctx.db
        const creds = demoCredentials(srv.dataDir)
        const tenant = creds.tenantId
        const full = creds.apps.find((a) => a.name === 'Bulwark Demo Full Access')!
        const tok = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: full.clientId,
            client_secret: full.clientSecret!,
            scope: 'https://api.securitycenter.microsoft.com/.default',
          }),
        })
        const token = ((await tok.json()) as { access_token: string }).access_token
        const get = async <T>(path: string): Promise<T> => {
          const r = await fetch(`${url}/api/${path}`, { headers: { authorization: `Bearer ${token}` } })
          assert.equal(r.status, 200, `${path}: ${r.status} ${await r.clone().text()}`)
          return (await r.json()) as T
        }

        type Ev = { sha1: string | null; ipAddress: string | null; url: string | null }
        const alerts = await get<{ value: { machineId: string; evidence: Ev[] }[] }>(
          'alerts?$expand=evidence&$top=1000',
        )
        const files = new Map<string, string>()
        const ips = new Map<string, string>()
        const domains = new Map<string, string>()
        for (const a of alerts.value)
          for (const e of a.evidence) {
            if (e.sha1) files.set(e.sha1.toLowerCase(), a.machineId)
            if (e.ipAddress && !/^10\./.test(e.ipAddress)) ips.set(e.ipAddress, a.machineId)
            if (e.url) domains.set(hostOf(e.url), a.machineId)
          }
        assert.ok(files.size >= 3 && ips.size >= 2 && domains.size >= 2, 'the stories carry evidence')

        const machineIds = async (path: string) =>
          new Set((await get<{ value: { id: string }[] }>(path)).value.map((m) => m.id))
        const checkSeen = (
          what: string,
          s: Seen,
          stats: { organizationPrevalence: number; orgFirstSeen: string | null; orgLastSeen: string | null },
          alertMachine: string,
        ) => {
          assert.ok(s.devices.has(alertMachine), `${what}: the alert's machine has telemetry of it`)
          assert.equal(stats.organizationPrevalence, s.devices.size, `${what}: prevalence`)
          assert.equal(iso(Date.parse(stats.orgFirstSeen!)), iso(s.first), `${what}: first seen`)
          assert.equal(iso(Date.parse(stats.orgLastSeen!)), iso(s.last), `${what}: last seen`)
        }

        for (const [sha1, machine] of files) {
          const s = await fileSeen(db, tenant, sha1)
          const stats = await get<{
            organizationPrevalence: number
            orgFirstSeen: string
            orgLastSeen: string
            topFileNames: string[]
          }>(`files/${sha1}/stats`)
          checkSeen(`file ${sha1}`, s, stats, machine)
          assert.ok(stats.topFileNames.length > 0 && stats.topFileNames.every((n) => s.names.has(n)))
          assert.deepEqual(await machineIds(`files/${sha1}/machines`), s.devices)
        }
        for (const [ip, machine] of ips) {
          const s = await ipSeen(db, tenant, ip)
          checkSeen(`ip ${ip}`, s, await get(`ips/${ip}/stats`), machine)
        }
        for (const [host, machine] of domains) {
          const s = await domainSeen(db, tenant, host)
          checkSeen(`domain ${host}`, s, await get(`domains/${host}/stats`), machine)
          assert.deepEqual(await machineIds(`domains/${host}/machines`), s.devices)
        }

        // A background domain many devices reach: prevalence counts distinct devices.
        const [top] = await db.query<{ u: string; n: number }>(
          `SELECT lower("RemoteUrl") AS u, count(DISTINCT "DeviceId") AS n FROM "DeviceNetworkEvents"
            WHERE "TenantId" = $1 AND "RemoteUrl" <> '' GROUP BY lower("RemoteUrl") ORDER BY n DESC, u LIMIT 1`,
          [tenant],
        )
        const host = hostOf(top!.u)
        const s = await domainSeen(db, tenant, host)
        assert.ok(s.devices.size > 1)
        const stats = await get<{ organizationPrevalence: number }>(`domains/${host}/stats`)
        assert.equal(stats.organizationPrevalence, s.devices.size)
      } finally {
        await srv.close()
      }
    })
  })
