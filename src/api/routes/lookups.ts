import { isIP } from 'node:net'
import { fileEntity } from '../../schema/entities/mde.js'
import type { Db } from '../../store/db.js'
import { sendEntity } from '../entity-query.js'
import { MdeError, notFound } from '../errors.js'
import { perms } from '../permissions.js'
import type { Call, RouteSpec } from '../route.js'
import type { SqlBuilder } from '../sql-builder.js'
import { mdeDate, odataContext, sendMde, toWire, wireShape } from '../wire.js'
import { listAlerts } from './alerts.js'
import { listMachines } from './machines.js'

const fileShape = wireShape(fileEntity)
const MAX_LOOKBACK_HOURS = 720

function checkHash(id: string): string {
  if (!/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(id))
    throw new MdeError('InvalidHashValue', `'${id.slice(0, 100)}' is not a valid SHA1 or SHA256.`)
  return id.toLowerCase()
}

function checkIp(ip: string): string {
  if (!isIP(ip)) throw new MdeError('InvalidIpAddress', `'${ip.slice(0, 100)}' is not a valid IP address.`)
  return ip.toLowerCase()
}

function checkDomain(d: string): string {
  const v = d.trim().toLowerCase().replace(/\.$/, '')
  if (!/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(v))
    throw new MdeError('InvalidDomainName', `'${d.slice(0, 100)}' is not a valid domain name.`)
  return v
}

function lookBack(call: Call): number {
  const raw = call.query.lookBackHours ?? call.query.lookbackhours
  if (raw === undefined) return MAX_LOOKBACK_HOURS
  const v = Array.isArray(raw) ? raw[0] : raw
  if (!/^\d{1,4}$/.test(String(v)) || Number(v) < 1 || Number(v) > MAX_LOOKBACK_HOURS)
    throw new MdeError(
      'InvalidInput',
      `lookBackHours must be an integer between 1 and ${MAX_LOOKBACK_HOURS}.`,
    )
  return Number(v)
}

async function findFile(db: Db, tenantId: string, hash: string) {
  const rows = await db.query(
    `SELECT ${fileShape.columns} FROM files WHERE "tenantId" = $1 AND ("sha1" = $2 OR "sha256" = $2) LIMIT 1`,
    [tenantId, hash],
  )
  return rows[0]
}

/** Devices observed with an entity, inside the caller's groups. */
function machinesObserved(call: Call, kind: string, values: (b: SqlBuilder) => string): Promise<unknown> {
  return listMachines(
    call,
    (b, t) =>
      `"id" IN (SELECT "machineId" FROM observations WHERE "tenantId" = ${t} AND "kind" = ${b.p(kind)} AND "value" IN (${values(b)}))`,
  )
}

async function observationStats(call: Call, kind: string, values: readonly string[]) {
  if (values.length === 0) return { prevalence: 0, first: null, last: null, names: [] as string[] }
  const since = new Date(call.now.getTime() - lookBack(call) * 3_600_000)
  const ph = values.map((_, i) => `$${i + 4}`).join(', ')
  const rows = await call.deps.db.query<{ n: number; f: Date | null; l: Date | null }>(
    `SELECT count(DISTINCT "machineId") AS n, min("firstSeen") AS f, max("lastSeen") AS l FROM observations
     WHERE "tenantId" = $1 AND "kind" = $2 AND "lastSeen" >= $3 AND "value" IN (${ph})`,
    [call.tenantId, kind, since, ...values],
  )
  const names = await call.deps.db.query<{ fileName: string; n: number }>(
    `SELECT "fileName", count(*) AS n FROM observations WHERE "tenantId" = $1 AND "kind" = $2 AND "lastSeen" >= $3 AND "value" IN (${ph}) AND "fileName" IS NOT NULL
     GROUP BY "fileName" ORDER BY n DESC, "fileName" LIMIT 10`,
    [call.tenantId, kind, since, ...values],
  )
  const r = rows[0]
  return {
    prevalence: Number(r?.n ?? 0),
    first: mdeDate(r?.f ?? null),
    last: mdeDate(r?.l ?? null),
    names: names.map((x) => x.fileName),
  }
}

type ObservationStats = Awaited<ReturnType<typeof observationStats>>

/** The in-organisation part of a file/IP/domain stats answer. */
const orgStats = (s: ObservationStats) => ({
  organizationPrevalence: s.prevalence,
  orgFirstSeen: s.first,
  orgLastSeen: s.last,
})

/** A stats answer of type `microsoft.windowsDefenderATP.api.<type>`. */
const sendStats = (call: Call, type: string, body: Record<string, unknown>): unknown =>
  sendMde(call.reply, 200, {
    '@odata.context': odataContext(call.req, `microsoft.windowsDefenderATP.api.${type}`),
    ...body,
  })

const evidenceAlerts = (column: string, value: (b: SqlBuilder) => string) => (b: SqlBuilder, t: string) =>
  `"id" IN (SELECT "alertId" FROM alert_evidence WHERE "tenantId" = ${t} AND ${column} IN (${value(b)}))`

function userAlerts(call: Call, b: SqlBuilder, t: string): string {
  const name = b.p(call.params.id!.toLowerCase())
  const related =
    call.deps.db.dialect === 'postgres'
      ? `lower("relatedUser"->>'userName')`
      : `lower(json_extract_string("relatedUser", '$.userName'))`
  return `(${related} = ${name} OR "id" IN (SELECT "alertId" FROM alert_evidence WHERE "tenantId" = ${t} AND lower("accountName") = ${name}))`
}

export const lookupRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/files/:id',
    operation: 'files.get',
    requirement: perms.fileRead,
    handler: async (c) => {
      const f = await findFile(c.deps.db, c.tenantId, checkHash(c.params.id!))
      if (!f) throw notFound(`File ${c.params.id} was not found`)
      return sendEntity(c, 'Files/$entity', toWire(fileShape, f))
    },
  },
  {
    method: 'GET',
    url: '/files/:id/alerts',
    operation: 'files.alerts',
    requirement: perms.alertRead,
    handler: (c) => {
      const h = checkHash(c.params.id!)
      return listAlerts(
        c,
        evidenceAlerts(h.length === 40 ? 'lower("sha1")' : 'lower("sha256")', (b) => b.p(h)),
      )
    },
  },
  {
    method: 'GET',
    url: '/files/:id/machines',
    operation: 'files.machines',
    requirement: perms.machineRead,
    handler: async (c) => {
      const h = checkHash(c.params.id!)
      const sha1 =
        h.length === 40 ? h : (((await findFile(c.deps.db, c.tenantId, h))?.sha1 as string | undefined) ?? h)
      return machinesObserved(c, 'File', (b) => b.p(sha1))
    },
  },
  {
    method: 'GET',
    url: '/files/:id/stats',
    operation: 'files.stats',
    requirement: perms.fileRead,
    handler: async (c) => {
      lookBack(c)
      const f = await findFile(c.deps.db, c.tenantId, checkHash(c.params.id!))
      if (!f) throw notFound(`File ${c.params.id} was not found`)
      const s = await observationStats(c, 'File', [String(f.sha1)])
      return sendStats(c, 'InOrgFileStats', {
        sha1: f.sha1,
        ...orgStats(s),
        globallyPrevalence: f.globalPrevalence ?? 0,
        globalFirstObserved: mdeDate((f.globalFirstObserved as Date | null) ?? null),
        globalLastObserved: mdeDate((f.globalLastObserved as Date | null) ?? null),
        topFileNames: s.names,
      })
    },
  },
  {
    method: 'GET',
    url: '/ips/:ip/alerts',
    operation: 'ips.alerts',
    requirement: perms.alertRead,
    handler: (c) => {
      const ip = checkIp(c.params.ip!)
      return listAlerts(
        c,
        evidenceAlerts('lower("ipAddress")', (b) => b.p(ip)),
      )
    },
  },
  {
    method: 'GET',
    url: '/ips/:ip/stats',
    operation: 'ips.stats',
    requirement: perms.ipRead,
    handler: async (c) => {
      const ip = checkIp(c.params.ip!)
      const s = await observationStats(c, 'Ip', [ip])
      return sendStats(c, 'InOrgIPStats', { ipAddress: c.params.ip, ...orgStats(s) })
    },
  },
  {
    method: 'GET',
    url: '/domains/:domain/alerts',
    operation: 'domains.alerts',
    requirement: perms.alertRead,
    handler: (c) => {
      const d = checkDomain(c.params.domain!)
      return listAlerts(c, (b, t) => {
        const exact = b.p(d)
        const like = b.p(`%://${d.replace(/[%_\\]/g, '')}%`)
        const bare = b.p(`${d.replace(/[%_\\]/g, '')}%`)
        return `("id" IN (SELECT "alertId" FROM alert_evidence WHERE "tenantId" = ${t} AND (lower("url") LIKE ${like} OR lower("url") LIKE ${bare} OR lower("url") = ${exact})))`
      })
    },
  },
  {
    method: 'GET',
    url: '/domains/:domain/machines',
    operation: 'domains.machines',
    requirement: perms.machineRead,
    handler: (c) => {
      const d = checkDomain(c.params.domain!)
      return machinesObserved(c, 'Domain', (b) => b.p(d))
    },
  },
  {
    method: 'GET',
    url: '/domains/:domain/stats',
    operation: 'domains.stats',
    requirement: perms.urlRead,
    handler: async (c) => {
      const d = checkDomain(c.params.domain!)
      const s = await observationStats(c, 'Domain', [d])
      return sendStats(c, 'InOrgDomainStats', { host: c.params.domain, ...orgStats(s) })
    },
  },
  {
    method: 'GET',
    url: '/users/:id/alerts',
    operation: 'users.alerts',
    requirement: perms.alertRead,
    handler: (c) => listAlerts(c, (b, t) => userAlerts(c, b, t)),
  },
  {
    method: 'GET',
    url: '/users/:id/machines',
    operation: 'users.machines',
    requirement: perms.machineRead,
    handler: (c) =>
      listMachines(
        c,
        (b, t) =>
          `"id" IN (SELECT l."machineId" FROM machine_logons l JOIN mde_users u ON u."tenantId" = l."tenantId" AND u."id" = l."userId" WHERE l."tenantId" = ${t} AND lower(u."accountName") = ${b.p(c.params.id!.toLowerCase())})`,
      ),
  },
]
