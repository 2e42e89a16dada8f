import { randomUUID } from 'node:crypto'
import {
  ALERT_CLASSIFICATIONS,
  ALERT_DETERMINATIONS,
  ALERT_STATUSES,
  alertEntity,
  fileEntity,
  mdeUserEntity,
} from '../../schema/entities/mde.js'
import { huntingTables } from '../../schema/hunting-tables.js'
import type { Row } from '../../store/db.js'
import { callerName } from '../auth.js'
import { BodyReader } from '../body.js'
import {
  countEntity,
  odataQuery,
  scopeCondition,
  sendCollection,
  sendEntity,
  sendList,
} from '../entity-query.js'
import { MdeError, notFound } from '../errors.js'
import { newAlertId, nextCounter, nextNumericId } from '../ids.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import { alertWire, findAlert, findMachine, loadEvidence, machineWire, withEvidence } from '../repo.js'
import type { Call, RouteSpec } from '../route.js'
import { SqlBuilder } from '../sql-builder.js'
import { sendMde, text, toWire, wireShape } from '../wire.js'

const UPDATE_KEYS = [
  'status',
  'Status',
  'assignedTo',
  'AssignedTo',
  'classification',
  'Classification',
  'determination',
  'Determination',
  'comment',
  'Comment',
]
const DETERMINATION_ALIASES = { ConfirmedActivity: 'ConfirmedUserActivity', NotMalicious: 'Clean' } as const
const RETIRED_DETERMINATIONS = ['Apt', 'SecurityPersonnel']
export const MAX_BATCH_UPDATE = 1000

interface AlertUpdate {
  status?: string
  assignedTo?: string | null
  classification?: string | null
  determination?: string | null
  comment?: string
}

function readUpdate(r: BodyReader): AlertUpdate {
  const det = r.raw(['determination', 'Determination'])
  if (typeof det === 'string' && RETIRED_DETERMINATIONS.some((d) => d.toLowerCase() === det.toLowerCase()))
    throw new MdeError('InvalidInput', `The determination '${det}' was retired and can no longer be set.`)
  const u: AlertUpdate = {}
  const status = r.enumOf(
    ['status', 'Status'],
    ALERT_STATUSES.filter((s) => s !== 'Unknown'),
  )
  if (status) u.status = status
  const assignedTo = r.string(['assignedTo', 'AssignedTo'], { nullable: true, maxLength: 512 })
  if (assignedTo !== undefined) u.assignedTo = assignedTo
  const cls = r.enumOf(['classification', 'Classification'], ALERT_CLASSIFICATIONS, { nullable: true })
  if (cls !== undefined) u.classification = cls
  const d = r.enumOf(['determination', 'Determination'], ALERT_DETERMINATIONS, {
    nullable: true,
    aliases: DETERMINATION_ALIASES,
  })
  if (d !== undefined) u.determination = d
  const comment = r.string(['comment', 'Comment'], { maxLength: 10_000 })
  if (comment) u.comment = comment
  return u
}

/** Applies an update to one alert row inside a transaction; returns nothing (callers re-read). */
async function applyUpdate(call: Call, tx: Call['deps']['db'], row: Row, u: AlertUpdate): Promise<void> {
  const b = new SqlBuilder()
  const sets: string[] = []
  const now = call.now
  if (u.status !== undefined) {
    sets.push(`"status" = ${b.p(u.status)}`)
    if (u.status === 'Resolved' && row.status !== 'Resolved') sets.push(`"resolvedTime" = ${b.p(now)}`)
    if (u.status !== 'Resolved') sets.push(`"resolvedTime" = NULL`)
  }
  if (u.assignedTo !== undefined) sets.push(`"assignedTo" = ${b.p(u.assignedTo)}`)
  if (u.classification !== undefined) sets.push(`"classification" = ${b.p(u.classification)}`)
  if (u.determination !== undefined) sets.push(`"determination" = ${b.p(u.determination)}`)
  if (u.comment !== undefined) {
    const current =
      typeof row.comments === 'string'
        ? (JSON.parse(row.comments) as unknown[])
        : Array.isArray(row.comments)
          ? row.comments
          : []
    current.push({
      comment: u.comment,
      createdBy: callerName(call.principal),
      createdTime: now.toISOString().replace(/\.?0+Z$/, 'Z'),
    })
    sets.push(`"comments" = ${b.p(JSON.stringify(current))}`)
  }
  sets.push(`"lastUpdateTime" = ${b.p(now)}`)
  await tx.execute(
    `UPDATE alerts SET ${sets.join(', ')} WHERE "tenantId" = ${b.p(call.tenantId)} AND "id" = ${b.p(String(row.id))}`,
    b.params,
  )
}

async function sendAlert(call: Call, id: string, status = 200): Promise<unknown> {
  const row = await findAlert(call, id)
  const ev = await loadEvidence(call.deps.db, call.tenantId, [id])
  return sendEntity(call, 'Alerts/$entity', alertWire(row, ev.get(id) ?? []), status)
}

function alertDecorator(call: Call) {
  const expand = odataQuery(call, models.alerts).expand.includes('evidence')
  return async (wire: Record<string, unknown>[], rows: Row[]) => {
    const ev = expand
      ? await loadEvidence(
          call.deps.db,
          call.tenantId,
          rows.map((r) => String(r.id)),
        )
      : new Map<string, Record<string, unknown>[]>()
    for (let i = 0; i < wire.length; i++) wire[i] = withEvidence(wire[i]!, ev.get(String(rows[i]!.id)) ?? [])
  }
}

type AlertCondition = (b: SqlBuilder, t: string) => string | null

/** The alerts `where` selects, of machines in the caller's device groups (the same for list and count). */
const visibleAlerts = (call: Call, where?: AlertCondition) => (b: SqlBuilder, t: string) => [
  where?.(b, t) ?? null,
  scopeCondition(call.principal, b, t, { machineIdColumn: '"machineId"' }),
]

export function listAlerts(call: Call, where?: AlertCondition): Promise<unknown> {
  return sendList(
    call,
    {
      entity: alertEntity,
      model: models.alerts,
      context: 'Alerts',
      defaultOrder: [{ column: 'alertCreationTime', desc: true }],
      where: visibleAlerts(call, where),
    },
    alertDecorator(call),
  )
}

export async function countAlerts(call: Call, where?: AlertCondition): Promise<unknown> {
  const query = odataQuery(call, models.alerts)
  const n = await countEntity(call.deps.db, {
    entity: alertEntity,
    query,
    tenantId: call.tenantId,
    where: visibleAlerts(call, where),
  })
  return sendMde(call.reply, 200, n)
}

async function evidenceValues(call: Call, alertId: string, column: string): Promise<string[]> {
  const rows = await call.deps.db.query<{ v: string }>(
    `SELECT DISTINCT "${column}" AS v FROM alert_evidence WHERE "tenantId" = $1 AND "alertId" = $2 AND "${column}" IS NOT NULL ORDER BY 1`,
    [call.tenantId, alertId],
  )
  return rows.map((r) => r.v)
}

function hostOf(url: string): string | null {
  try {
    return new URL(/^[a-z]+:\/\//i.test(url) ? url : `http://${url}`).hostname.toLowerCase() || null
  } catch {
    return null
  }
}

const EVENT_TABLES = huntingTables
  .filter((t) => ['ReportId', 'DeviceId', 'Timestamp'].every((c) => t.columns.some((x) => x.name === c)))
  .map((t) => t.name)

async function eventExists(
  call: Call,
  machineId: string,
  reportId: string,
  eventTime: Date,
): Promise<boolean> {
  if (!/^-?\d{1,19}$/.test(reportId)) return false
  const lo = new Date(eventTime.getTime() - 1)
  const hi = new Date(eventTime.getTime() + 1)
  for (const table of EVENT_TABLES) {
    const rows = await call.deps.db.query(
      `SELECT 1 AS x FROM "${table}" WHERE "TenantId" = $1 AND "DeviceId" = $2 AND "ReportId" = $3 AND "Timestamp" BETWEEN $4 AND $5 LIMIT 1`,
      [call.tenantId, machineId, Number(reportId), lo, hi],
    )
    if (rows.length) return true
  }
  return false
}

const CREATE_CATEGORIES = [
  'General',
  'CommandAndControl',
  'Collection',
  'CredentialAccess',
  'DefenseEvasion',
  'Discovery',
  'Exfiltration',
  'Exploit',
  'Execution',
  'InitialAccess',
  'LateralMovement',
  'Malware',
  'Persistence',
  'PrivilegeEscalation',
  'Ransomware',
  'SuspiciousActivity',
] as const

async function createAlertByReference(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, [
    'eventTime',
    'reportId',
    'machineId',
    'severity',
    'title',
    'description',
    'recommendedAction',
    'category',
  ])
  const eventTimeText = r.string(['eventTime'], { required: true })
  const reportId = text(r.raw(['reportId']))
  if (!r.has(['reportId']))
    throw new MdeError('MissingRequiredParameter', "The required property 'reportId' is missing.")
  const machineId = r.string(['machineId'], { required: true })
  const severity = r.enumOf(['severity'], ['Low', 'Medium', 'High', 'Informational'] as const, {
    required: true,
  })!
  const title = r.string(['title'], { required: true, maxLength: 1000 })
  const description = r.string(['description'], { required: true, maxLength: 10_000 })
  const recommendedAction = r.string(['recommendedAction'], { required: true, maxLength: 10_000 })
  const category = r.enumOf(['category'], CREATE_CATEGORIES, { required: true })!
  const eventTime = new Date(eventTimeText)
  if (Number.isNaN(eventTime.getTime()))
    throw new MdeError('InvalidInput', `'${eventTimeText.slice(0, 60)}' is not a valid eventTime.`)
  const machine = await findMachine(call, machineId)
  if (!(await eventExists(call, String(machine.id), reportId, eventTime)))
    throw notFound(
      `No event matches reportId ${reportId.slice(0, 30)}, eventTime ${eventTimeText.slice(0, 40)} and machineId ${machineId.slice(0, 60)}`,
    )
  const db = call.deps.db
  const existing = await db.query<{ id: string }>(
    `SELECT "id" FROM alerts WHERE "tenantId" = $1 AND "machineId" = $2 AND "title" = $3 AND "status" <> 'Resolved' ORDER BY "alertCreationTime" LIMIT 1`,
    [call.tenantId, machine.id as string, title],
  )
  if (existing[0]) {
    // Merge into the open alert with the same title on the same device.
    await db.execute(
      `UPDATE alerts SET "lastEventTime" = CASE WHEN "lastEventTime" IS NULL OR "lastEventTime" < $1 THEN $1 ELSE "lastEventTime" END, "lastUpdateTime" = $2 WHERE "tenantId" = $3 AND "id" = $4`,
      [eventTime, call.now, call.tenantId, existing[0].id],
    )
    call.audit.targetId = existing[0].id
    call.audit.details = { merged: true }
    return sendAlert(call, existing[0].id)
  }
  const id = newAlertId(call.now)
  const incidentId = await nextCounter(db, call.tenantId, 'incident', async () => {
    const r = await db.query<{ m: number | null }>(
      'SELECT max("incidentId") AS m FROM alerts WHERE "tenantId" = $1',
      [call.tenantId],
    )
    return Number(r[0]?.m ?? 0) + 1
  })
  const investigationId = await nextCounter(db, call.tenantId, 'investigation', () =>
    nextNumericId(db, 'investigations', call.tenantId),
  )
  await db.transaction(async (tx) => {
    await tx.execute(
      `INSERT INTO alerts ("tenantId","id","incidentId","investigationId","assignedTo","severity","status","investigationState","detectionSource","detectorId","category","title","description","alertCreationTime","firstEventTime","lastEventTime","lastUpdateTime","machineId","computerDnsName","rbacGroupName","aadTenantId","mitreTechniques","loggedOnUsers","comments","domains")
       VALUES ($1,$2,$3,$4,NULL,$5,'New','Running','CustomDetection',$6,$7,$8,$9,$10,$11,$11,$10,$12,$13,$14,$1,'[]','[]','[]','[]')`,
      [
        call.tenantId,
        id,
        incidentId,
        investigationId,
        severity,
        randomUUID(),
        category,
        title,
        description,
        call.now,
        eventTime,
        machine.id as string,
        machine.computerDnsName as string,
        (machine.rbacGroupName as string | null) ?? null,
      ],
    )
    await tx.execute(
      `INSERT INTO investigations ("tenantId","id","startTime","endTime","state","cancelledBy","statusDetails","machineId","computerDnsName","triggeringAlertId")
       VALUES ($1,$2,$3,NULL,'Running',NULL,$4,$5,$6,$7)`,
      [
        call.tenantId,
        String(investigationId),
        call.now,
        recommendedAction,
        machine.id as string,
        machine.computerDnsName as string,
        id,
      ],
    )
  })
  call.audit.targetId = id
  return sendAlert(call, id)
}

async function batchUpdate(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['alertIds', ...UPDATE_KEYS])
  const ids = r.stringArray(['alertIds'], { required: true, max: MAX_BATCH_UPDATE })!
  if (ids.length === 0) throw new MdeError('InvalidInput', "The property 'alertIds' must not be empty.")
  const u = readUpdate(r)
  const unique = [...new Set(ids)]
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const scope = scopeCondition(call.principal, b, t, { machineIdColumn: '"machineId"' })
  const list = unique.map((id) => b.p(id)).join(', ')
  const rows = await call.deps.db.query(
    `SELECT "id", "status", "comments" FROM alerts WHERE "tenantId" = ${t} AND "id" IN (${list}) ${scope ? `AND ${scope}` : ''}`,
    b.params,
  )
  const found = new Set(rows.map((x) => String(x.id)))
  const missing = unique.filter((id) => !found.has(id))
  if (missing.length)
    throw notFound(`Alerts not found: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`)
  await call.deps.db.transaction(async (tx) => {
    for (const row of rows) await applyUpdate(call, tx, row, u)
  })
  call.audit.details = { alertIds: unique.length }
  return sendMde(call.reply, 200, undefined)
}

async function patchAlert(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, UPDATE_KEYS)
  const u = readUpdate(r)
  if (Object.keys(u).length === 0)
    throw new MdeError(
      'InvalidRequestBody',
      'The request body has no property to update (status, assignedTo, classification, determination, comment).',
    )
  const id = call.params.id!
  const row = await findAlert(call, id)
  await call.deps.db.transaction((tx) => applyUpdate(call, tx, row, u))
  return sendAlert(call, id)
}

const fileShape = wireShape(fileEntity)
const userShape = wireShape(mdeUserEntity)

export const alertRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/alerts',
    operation: 'alerts.list',
    requirement: perms.alertRead,
    handler: (c) => listAlerts(c),
  },
  {
    method: 'GET',
    url: '/alerts/$count',
    operation: 'alerts.count',
    family: 'alerts.list',
    requirement: perms.alertRead,
    handler: (c) => countAlerts(c),
  },
  {
    method: 'GET',
    url: '/alerts/:id',
    operation: 'alerts.get',
    requirement: perms.alertRead,
    handler: (c) => sendAlert(c, c.params.id!),
  },
  {
    method: 'PATCH',
    url: '/alerts/:id',
    operation: 'alerts.update',
    requirement: perms.alertWrite,
    audit: { targetType: 'Alert', targetParam: 'id' },
    handler: patchAlert,
  },
  {
    method: 'POST',
    url: '/alerts/batchUpdate',
    operation: 'alerts.batchUpdate',
    requirement: perms.alertWrite,
    audit: { targetType: 'Alert' },
    handler: batchUpdate,
  },
  {
    method: 'POST',
    url: '/alerts/CreateAlertByReference',
    operation: 'alerts.createByReference',
    requirement: perms.alertWrite,
    audit: { targetType: 'Alert' },
    handler: createAlertByReference,
  },
  {
    method: 'GET',
    url: '/alerts/:id/domains',
    operation: 'alerts.domains',
    requirement: perms.urlRead,
    handler: async (c) => {
      const row = await findAlert(c, c.params.id!)
      const hosts = new Set<string>()
      const domains = typeof row.domains === 'string' ? (JSON.parse(row.domains) as { host?: string }[]) : []
      for (const d of domains) if (d.host) hosts.add(d.host.toLowerCase())
      for (const u of await evidenceValues(c, String(row.id), 'url')) {
        const h = hostOf(u)
        if (h) hosts.add(h)
      }
      return sendCollection(c, { context: 'Domains', value: [...hosts].sort().map((host) => ({ host })) })
    },
  },
  {
    method: 'GET',
    url: '/alerts/:id/files',
    operation: 'alerts.files',
    requirement: perms.fileRead,
    handler: async (c) => {
      const row = await findAlert(c, c.params.id!)
      const ev = (await loadEvidence(c.deps.db, c.tenantId, [String(row.id)])).get(String(row.id)) ?? []
      const hashes = [...new Set(ev.map((e) => e.sha1).filter((s): s is string => typeof s === 'string'))]
      if (hashes.length === 0) return sendCollection(c, { context: 'Files', value: [] })
      const b = new SqlBuilder()
      const t = b.p(c.tenantId)
      const files = await c.deps.db.query(
        `SELECT ${fileShape.columns} FROM files WHERE "tenantId" = ${t} AND "sha1" IN (${hashes.map((h) => b.p(h)).join(', ')}) ORDER BY "sha1"`,
        b.params,
      )
      const known = new Map(files.map((f) => [String(f.sha1), toWire(fileShape, f)]))
      const value = hashes.map(
        (sha1) =>
          known.get(sha1) ??
          toWire(fileShape, {
            sha1,
            sha256: ev.find((e) => e.sha1 === sha1)?.sha256 ?? null,
            determinationType: 'Unknown',
          }),
      )
      return sendCollection(c, { context: 'Files', value })
    },
  },
  {
    method: 'GET',
    url: '/alerts/:id/ips',
    operation: 'alerts.ips',
    requirement: perms.ipRead,
    handler: async (c) => {
      const row = await findAlert(c, c.params.id!)
      const ips = await evidenceValues(c, String(row.id), 'ipAddress')
      return sendCollection(c, { context: 'Ips', value: ips.map((id) => ({ id })) })
    },
  },
  {
    method: 'GET',
    url: '/alerts/:id/machine',
    operation: 'alerts.machine',
    requirement: perms.machineRead,
    handler: async (c) => {
      const row = await findAlert(c, c.params.id!)
      if (!row.machineId) throw notFound(`Alert ${c.params.id} has no machine`)
      return sendEntity(c, 'Machines/$entity', machineWire(await findMachine(c, text(row.machineId))))
    },
  },
  {
    method: 'GET',
    url: '/alerts/:id/user',
    operation: 'alerts.user',
    requirement: perms.userRead,
    handler: async (c) => {
      const row = await findAlert(c, c.params.id!)
      const ru =
        typeof row.relatedUser === 'string'
          ? (JSON.parse(row.relatedUser) as { userName?: string; domainName?: string } | null)
          : null
      if (!ru?.userName) throw notFound(`Alert ${c.params.id} has no related user`)
      const users = await c.deps.db.query(
        `SELECT ${userShape.columns} FROM mde_users WHERE "tenantId" = $1 AND lower("accountName") = $2 AND ($3 = '' OR lower("accountDomain") = $3 OR lower("accountDomain") LIKE $3 || '.%') ORDER BY "lastSeen" DESC NULLS LAST LIMIT 1`,
        [c.tenantId, ru.userName.toLowerCase(), (ru.domainName ?? '').toLowerCase()],
      )
      if (!users[0]) throw notFound(`User ${ru.userName} was not found`)
      return sendEntity(c, 'Users/$entity', toWire(userShape, users[0]))
    },
  },
]
