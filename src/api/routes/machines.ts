import { isIP } from 'node:net'
import type { BoundFilter } from '../../odata/index.js'
import { lowerFilter } from '../../odata/index.js'
import {
  DEVICE_VALUES,
  machineEntity,
  mdeUserEntity,
  recommendationEntity,
  softwareEntity,
  vulnerabilityEntity,
} from '../../schema/entities/mde.js'
import type { Db, Row } from '../../store/db.js'
import { BodyReader } from '../body.js'
import { scopeCondition, sendCollection, sendEntity, sendList } from '../entity-query.js'
import { MdeError, notFound } from '../errors.js'
import { parseFunctionSegment } from '../function-segment.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import { findMachine, machineWire } from '../repo.js'
import type { Call, RouteSpec } from '../route.js'
import type { SqlBuilder } from '../sql-builder.js'
import { toWire, wireShape } from '../wire.js'
import { countAlerts, listAlerts } from './alerts.js'

export const MAX_MULTI_TAG = 500
const DAY_MS = 86_400_000

/** The machines `where` selects, inside the caller's device groups, as an OData list. */
export function listMachines(
  call: Call,
  where?: (b: SqlBuilder, t: string) => string | null,
  emptyIsNotFound?: string,
): Promise<unknown> {
  return sendList(call, {
    entity: machineEntity,
    model: models.machines,
    context: 'Machines',
    defaultOrder: [{ column: 'computerDnsName', desc: false }],
    where: (b, t) => [where?.(b, t) ?? null, scopeCondition(call.principal, b, t, 'machines')],
    ...(emptyIsNotFound ? { emptyIsNotFound } : {}),
  })
}

/** A bound OData filter lowered into the caller's parameter list. */
function filterSql(db: Db, b: SqlBuilder, f: BoundFilter): string {
  const low = lowerFilter(f, db.dialect, { firstParam: b.next })
  b.push(low.params)
  return low.sql
}

function hasIpCondition(db: Db, b: SqlBuilder, ip: string): string {
  const p = b.p(ip)
  const inList =
    db.dialect === 'postgres'
      ? `EXISTS (SELECT 1 FROM jsonb_array_elements("ipAddresses") AS e(x) WHERE e.x->>'ipAddress' = ${p})`
      : `EXISTS (SELECT 1 FROM (SELECT unnest(CAST(json_extract_string("ipAddresses", '$[*].ipAddress') AS VARCHAR[])) AS v) AS u WHERE u.v = ${p})`
  return `("lastIpAddress" = ${p} OR ${inList})`
}

/** `findbyip(ip='…',timestamp=…)` (±15 min) and the older `find(timestamp=…,key='…')` (±16 min, 404 when empty). */
async function findByIp(
  call: Call,
  ip: string | undefined,
  ts: string | undefined,
  windowMinutes: number,
  emptyIs404: boolean,
): Promise<unknown> {
  if (!ip) throw new MdeError('MissingRequiredParameter', "The parameter 'ip' is missing.")
  if (!ts) throw new MdeError('MissingRequiredParameter', "The parameter 'timestamp' is missing.")
  if (!isIP(ip)) throw new MdeError('InvalidIpAddress', `'${ip.slice(0, 60)}' is not a valid IP address.`)
  const at = new Date(ts)
  if (Number.isNaN(at.getTime()))
    throw new MdeError('InvalidInput', `'${ts.slice(0, 60)}' is not a valid timestamp.`)
  if (at.getTime() < call.now.getTime() - 30 * DAY_MS)
    throw new MdeError('InvalidInput', 'The timestamp must be within the last 30 days.')
  // No per-IP history is kept: a device matches when one of its current addresses is the IP, it was
  // onboarded before the window ended and its last full report (about daily) is recent enough.
  const hi = new Date(at.getTime() + windowMinutes * 60_000)
  const lo = new Date(at.getTime() - windowMinutes * 60_000 - DAY_MS)
  return listMachines(
    call,
    (b) =>
      `(${hasIpCondition(call.deps.db, b, ip)} AND "firstSeen" <= ${b.p(hi)} AND "lastSeen" >= ${b.p(lo)})`,
    emptyIs404 ? `No machine reported ${ip} around ${ts}` : undefined,
  )
}

async function getMachineOrFunction(call: Call): Promise<unknown> {
  const id = call.params.id!
  const fn = parseFunctionSegment(id)
  if (fn) {
    const name = fn.name.toLowerCase()
    if (name === 'findbyip') return findByIp(call, fn.args.get('ip'), fn.args.get('timestamp'), 15, false)
    if (name === 'find') return findByIp(call, fn.args.get('key'), fn.args.get('timestamp'), 16, true)
    throw new MdeError('NotFound', `The function '${fn.name.slice(0, 60)}' is not supported on machines.`)
  }
  return sendEntity(call, 'Machines/$entity', machineWire(await findMachine(call, id)))
}

function tagsOf(row: Row): string[] {
  const v = row.machineTags
  if (Array.isArray(v)) return v.map(String)
  if (typeof v === 'string')
    try {
      const a = JSON.parse(v) as unknown
      return Array.isArray(a) ? a.map(String) : []
    } catch {
      return []
    }
  return []
}

function applyTag(tags: string[], value: string, action: 'Add' | 'Remove'): string[] {
  const rest = tags.filter((t) => t.toLowerCase() !== value.toLowerCase())
  return action === 'Add' ? [...rest, value] : rest
}

async function setTags(call: Call, id: string, tags: string[], db: Db = call.deps.db): Promise<void> {
  await db.execute('UPDATE machines SET "machineTags" = $1 WHERE "tenantId" = $2 AND "id" = $3', [
    JSON.stringify(tags),
    call.tenantId,
    id,
  ])
}

async function setValue(call: Call, id: string, value: string): Promise<void> {
  await call.deps.db.execute('UPDATE machines SET "deviceValue" = $1 WHERE "tenantId" = $2 AND "id" = $3', [
    value,
    call.tenantId,
    id,
  ])
}

/** After a change to machine `m`: names it as the audit target and answers with its fresh state. */
async function sendChangedMachine(call: Call, m: Row): Promise<unknown> {
  call.audit.targetId = String(m.id)
  return sendEntity(call, 'Machines/$entity', machineWire(await findMachine(call, String(m.id))))
}

function readTagBody(
  call: Call,
  extra: string[] = [],
): { value: string; action: 'Add' | 'Remove'; r: BodyReader } {
  const r = new BodyReader(call.body, ['Value', 'Action', ...extra])
  const value = r.string(['Value'], { required: true, maxLength: 200 }).trim()
  if (!value) throw new MdeError('InvalidInput', "The property 'Value' must not be empty.")
  const action = r.enumOf(['Action'], ['Add', 'Remove'] as const, { required: true })!
  return { value, action, r }
}

async function machineTags(call: Call): Promise<unknown> {
  const { value, action } = readTagBody(call)
  const m = await findMachine(call, call.params.id!)
  await setTags(call, String(m.id), applyTag(tagsOf(m), value, action))
  call.audit.details = { action, value }
  return sendChangedMachine(call, m)
}

async function multiTags(call: Call): Promise<unknown> {
  const { value, action, r } = readTagBody(call, ['MachineIds'])
  const ids = r.stringArray(['MachineIds'], { required: true, max: MAX_MULTI_TAG })!
  if (ids.length === 0) throw new MdeError('InvalidInput', "The property 'MachineIds' must not be empty.")
  const machines: Row[] = []
  const missing: string[] = []
  for (const id of new Set(ids)) {
    try {
      machines.push(await findMachine(call, id))
    } catch (err) {
      if (err instanceof MdeError && err.status === 404) missing.push(id)
      else throw err
    }
  }
  if (missing.length) throw notFound(`Machines not found: ${missing.slice(0, 10).join(', ')}`)
  await call.deps.db.transaction(async (tx) => {
    for (const m of machines) await setTags(call, String(m.id), applyTag(tagsOf(m), value, action), tx)
  })
  call.audit.details = { action, value, machines: machines.length }
  const fresh = await Promise.all(machines.map((m) => findMachine(call, String(m.id))))
  return sendCollection(call, { context: 'Machines', value: fresh.map(machineWire) })
}

async function setDeviceValue(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['DeviceValue'])
  const v = r.enumOf(['DeviceValue'], DEVICE_VALUES, { required: true })!
  const m = await findMachine(call, call.params.id!)
  await setValue(call, String(m.id), v)
  return sendChangedMachine(call, m)
}

async function patchMachine(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['machineTags', 'deviceValue'])
  const tags = r.stringArray(['machineTags'], { max: 500 })
  const value = r.enumOf(['deviceValue'], DEVICE_VALUES)
  if (tags === undefined && value === undefined)
    throw new MdeError(
      'InvalidRequestBody',
      'The request body has no property to update (machineTags, deviceValue).',
    )
  const m = await findMachine(call, call.params.id!)
  if (tags !== undefined)
    await setTags(
      call,
      String(m.id),
      [...new Map(tags.map((t) => [t.toLowerCase(), t.trim()])).values()].filter(Boolean),
    )
  if (value) await setValue(call, String(m.id), value)
  return sendChangedMachine(call, m)
}

function findByTag(call: Call): Promise<unknown> {
  const tagRaw = call.query.tag
  const tag = Array.isArray(tagRaw) ? tagRaw[0] : tagRaw
  if (!tag) throw new MdeError('MissingRequiredParameter', "The query parameter 'tag' is missing.")
  const sw = String(
    Array.isArray(call.query.useStartsWithFilter)
      ? call.query.useStartsWithFilter[0]
      : (call.query.useStartsWithFilter ?? 'false'),
  )
  if (!/^(true|false)$/i.test(sw))
    throw new MdeError('InvalidInput', "'useStartsWithFilter' must be true or false.")
  const predicate: BoundFilter =
    sw.toLowerCase() === 'true'
      ? { kind: 'StartsWith', column: '', value: tag }
      : { kind: 'Compare', op: 'eq', column: '', valueType: 'string', nullable: false, value: tag }
  return listMachines(call, (b) =>
    filterSql(call.deps.db, b, { kind: 'Any', column: 'machineTags', predicate }),
  )
}

const userShape = wireShape(mdeUserEntity)

async function logonUsers(call: Call): Promise<unknown> {
  const m = await findMachine(call, call.params.id!)
  const rows = await call.deps.db.query(
    `SELECT ${userShape.fields.map(([n]) => `u."${n}"`).join(', ')}, l."firstSeen" AS "lFirst", l."lastSeen" AS "lLast", l."logonTypes" AS "lTypes"
     FROM machine_logons l JOIN mde_users u ON u."tenantId" = l."tenantId" AND u."id" = l."userId"
     WHERE l."tenantId" = $1 AND l."machineId" = $2 ORDER BY l."lastSeen" DESC NULLS LAST, u."id"`,
    [call.tenantId, String(m.id)],
  )
  const value = rows.map((r) =>
    toWire(userShape, {
      ...r,
      firstSeen: r.lFirst ?? r.firstSeen,
      lastSeen: r.lLast ?? r.lastSeen,
      logonTypes: r.lTypes ?? r.logonTypes,
    }),
  )
  return sendCollection(call, { context: 'Users', value })
}

async function joinedList(
  call: Call,
  sql: string,
  shape: ReturnType<typeof wireShape>,
  context: string,
): Promise<unknown> {
  const m = await findMachine(call, call.params.id!)
  const rows = await call.deps.db.query(sql, [call.tenantId, String(m.id)])
  return sendCollection(call, { context, value: rows.map((r) => toWire(shape, r)) })
}

const softwareShape = wireShape(softwareEntity)
const vulnShape = wireShape(vulnerabilityEntity)
const recShape = wireShape(recommendationEntity)
/** The alerts of machine `m` (for listAlerts / countAlerts). */
const alertsOf = (m: Row) => (b: SqlBuilder) => `"machineId" = ${b.p(String(m.id))}`
const col = (alias: string, shape: ReturnType<typeof wireShape>) =>
  shape.fields.map(([n]) => `${alias}."${n}"`).join(', ')

export const machineRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/machines',
    operation: 'machines.list',
    requirement: perms.machineRead,
    handler: (c) => listMachines(c, undefined, 'No machines found'),
  },
  {
    method: 'GET',
    url: '/machines/findbytag',
    operation: 'machines.findByTag',
    requirement: perms.machineRead,
    handler: findByTag,
  },
  {
    method: 'GET',
    url: '/machines/:id',
    operation: 'machines.get',
    requirement: perms.machineRead,
    handler: getMachineOrFunction,
  },
  {
    method: 'PATCH',
    url: '/machines/:id',
    operation: 'machines.update',
    requirement: perms.machineUpdate,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: patchMachine,
  },
  {
    method: 'GET',
    url: '/machines/:id/logonusers',
    operation: 'machines.logonUsers',
    requirement: perms.userRead,
    handler: logonUsers,
  },
  {
    method: 'GET',
    url: '/machines/:id/alerts',
    operation: 'machines.alerts',
    requirement: perms.alertRead,
    handler: async (c) => listAlerts(c, alertsOf(await findMachine(c, c.params.id!))),
  },
  {
    method: 'GET',
    url: '/machines/:id/alerts/$count',
    operation: 'machines.alertsCount',
    family: 'machines.alerts',
    requirement: perms.alertRead,
    handler: async (c) => countAlerts(c, alertsOf(await findMachine(c, c.params.id!))),
  },
  {
    method: 'POST',
    url: '/machines/:id/tags',
    operation: 'machines.tags',
    requirement: perms.machineTagWrite,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: machineTags,
  },
  {
    method: 'POST',
    url: '/machines/AddOrRemoveTagForMultipleMachines',
    operation: 'machines.tagsMultiple',
    requirement: perms.machineTagWrite,
    audit: { targetType: 'Machine' },
    handler: multiTags,
  },
  {
    method: 'POST',
    url: '/machines/:id/setDeviceValue',
    operation: 'machines.setDeviceValue',
    requirement: perms.machineTagWrite,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: setDeviceValue,
  },
  {
    method: 'GET',
    url: '/machines/:id/software',
    operation: 'machines.software',
    requirement: perms.softwareRead,
    handler: (c) =>
      joinedList(
        c,
        `SELECT ${col('s', softwareShape)} FROM machine_software ms JOIN software s ON s."tenantId" = ms."tenantId" AND s."id" = ms."softwareId" WHERE ms."tenantId" = $1 AND ms."machineId" = $2 ORDER BY s."id"`,
        softwareShape,
        'Software',
      ),
  },
  {
    method: 'GET',
    url: '/machines/:id/vulnerabilities',
    operation: 'machines.vulnerabilities',
    requirement: perms.vulnerabilityRead,
    handler: (c) =>
      joinedList(
        c,
        `SELECT DISTINCT ${col('v', vulnShape)} FROM machine_vulnerabilities mv JOIN vulnerabilities v ON v."tenantId" = mv."tenantId" AND v."id" = mv."cveId" WHERE mv."tenantId" = $1 AND mv."machineId" = $2 ORDER BY v."id"`,
        vulnShape,
        'Collection(Analytics.Contracts.PublicAPI.PublicVulnerabilityDto)',
      ),
  },
  {
    method: 'GET',
    url: '/machines/:id/recommendations',
    operation: 'machines.recommendations',
    requirement: perms.recommendationRead,
    handler: (c) =>
      joinedList(
        c,
        `SELECT ${col('r', recShape)} FROM machine_recommendations mr JOIN recommendations r ON r."tenantId" = mr."tenantId" AND r."id" = mr."recommendationId" WHERE mr."tenantId" = $1 AND mr."machineId" = $2 ORDER BY r."id"`,
        recShape,
        'Recommendations',
      ),
  },
]
