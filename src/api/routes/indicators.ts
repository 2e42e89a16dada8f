import { isIP } from 'node:net'
import {
  INDICATOR_ACTIONS,
  INDICATOR_SEVERITIES,
  INDICATOR_TYPES,
  indicatorEntity,
} from '../../schema/entities/mde.js'
import type { Db, Row } from '../../store/db.js'
import { callerName } from '../auth.js'
import { BodyReader } from '../body.js'
import { sendEntity, sendList } from '../entity-query.js'
import { MdeError, notFound } from '../errors.js'
import { nextCounter, nextNumericId } from '../ids.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import type { Call, RouteSpec } from '../route.js'
import { SqlBuilder } from '../sql-builder.js'
import { sendMde, toWire, wireShape } from '../wire.js'

export const MAX_INDICATOR_BATCH = 500
const shape = wireShape(indicatorEntity)
const BODY_KEYS = [
  'indicatorValue',
  'indicatorType',
  'action',
  'title',
  'description',
  'application',
  'expirationTime',
  'severity',
  'recommendedActions',
  'rbacGroupNames',
  'educateUrl',
  'generateAlert',
  'externalId',
  'externalID',
]

function seesAll(call: Call): boolean {
  return call.principal.permissions.has('Ti.ReadWrite.All')
}

/** Indicators the caller manages: all with Ti.ReadWrite.All, else only those its application created. */
function visibility(call: Call, b: SqlBuilder): string | null {
  return seesAll(call) ? null : `"createdByAppId" = ${b.p(call.principal.appId)}`
}

interface IndicatorInput {
  indicatorValue: string
  indicatorType: (typeof INDICATOR_TYPES)[number]
  action: string
  title: string
  description: string
  application: string | null | undefined
  expirationTime: Date | null | undefined
  severity: string | undefined
  recommendedActions: string | null | undefined
  rbacGroupNames: string[] | undefined
  educateUrl: string | null | undefined
  generateAlert: boolean | undefined
  externalId: string | null | undefined
}

const HASH_LENGTH: Partial<Record<string, number>> = {
  FileSha1: 40,
  FileSha256: 64,
  FileMd5: 32,
  CertificateThumbprint: 40,
}
const DOMAIN = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/

function normaliseValue(type: string, value: string): string {
  const v = value.trim()
  const len = HASH_LENGTH[type]
  if (len !== undefined) {
    if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(v))
      throw new MdeError('InvalidHashValue', `'${v.slice(0, 100)}' is not a valid ${type} value.`)
    return v.toLowerCase()
  }
  if (type === 'IpAddress') {
    if (!isIP(v))
      throw new MdeError(
        'InvalidIpAddress',
        `'${v.slice(0, 100)}' is not a valid IP address (CIDR ranges are not allowed).`,
      )
    return v.toLowerCase()
  }
  if (type === 'DomainName') {
    if (!DOMAIN.test(v) || !v.includes('.'))
      throw new MdeError('InvalidDomainName', `'${v.slice(0, 100)}' is not a valid domain name.`)
    return v.toLowerCase().replace(/\.$/, '')
  }
  try {
    const u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`)
    if (!u.hostname || v.length > 2048) throw new Error('no host')
  } catch {
    throw new MdeError('InvalidUrl', `'${v.slice(0, 100)}' is not a valid URL.`)
  }
  return v
}

function readIndicator(body: unknown): IndicatorInput {
  const r = new BodyReader(body, BODY_KEYS)
  const indicatorType = r.enumOf(['indicatorType'], INDICATOR_TYPES, { required: true })!
  const indicatorValue = normaliseValue(
    indicatorType,
    r.string(['indicatorValue'], { required: true, maxLength: 2048 }),
  )
  const action = r.enumOf(['action'], INDICATOR_ACTIONS, { required: true })!
  const generateAlert = r.bool(['generateAlert'])
  if (action === 'Audit' && generateAlert !== true)
    throw new MdeError('InvalidInput', "'generateAlert' must be true when the action is Audit.")
  const exp = r.string(['expirationTime'], { nullable: true })
  let expirationTime: Date | null | undefined = exp === null ? null : undefined
  if (typeof exp === 'string') {
    expirationTime = new Date(exp)
    if (Number.isNaN(expirationTime.getTime()))
      throw new MdeError('InvalidInput', `'${exp.slice(0, 60)}' is not a valid expirationTime.`)
  }
  return {
    indicatorValue,
    indicatorType,
    action,
    title: r.string(['title'], { required: true, maxLength: 1000 }),
    description: r.string(['description'], { required: true, maxLength: 10_000 }),
    application: r.string(['application'], { nullable: true, maxLength: 1000 }),
    expirationTime,
    severity: r.enumOf(['severity'], INDICATOR_SEVERITIES) ?? undefined,
    recommendedActions: r.string(['recommendedActions'], { nullable: true, maxLength: 10_000 }),
    rbacGroupNames: r.stringArray(['rbacGroupNames'], { orCommaString: true, max: 500 }),
    educateUrl: r.string(['educateUrl'], { nullable: true, maxLength: 2048 }),
    generateAlert,
    externalId: r.string(['externalId', 'externalID'], { nullable: true, maxLength: 500 }),
  }
}

async function groupIds(db: Db, tenantId: string, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return []
  const b = new SqlBuilder()
  const t = b.p(tenantId)
  const rows = await db.query<{ id: number; name: string }>(
    `SELECT DISTINCT "rbacGroupId" AS id, "rbacGroupName" AS name FROM machines WHERE "tenantId" = ${t} AND lower("rbacGroupName") IN (${names.map((n) => b.p(n.toLowerCase())).join(', ')})`,
    b.params,
  )
  const byName = new Map(rows.map((r) => [r.name.toLowerCase(), String(r.id)]))
  return names.map((n) => byName.get(n.toLowerCase())).filter((x): x is string => x !== undefined)
}

/** Creates or updates one indicator (identity = type + value); returns its id. */
async function upsert(call: Call, input: IndicatorInput): Promise<string> {
  const db = call.deps.db
  const existing = await db.query(
    `SELECT "id", "createdByAppId", "expirationTime" FROM indicators WHERE "tenantId" = $1 AND "indicatorType" = $2 AND "indicatorValue" = $3`,
    [call.tenantId, input.indicatorType, input.indicatorValue],
  )
  const who = callerName(call.principal)
  const now = call.now
  const ids = input.rbacGroupNames ? await groupIds(db, call.tenantId, input.rbacGroupNames) : undefined
  const old: Row | undefined = existing[0]
  if (old) {
    if (!seesAll(call) && old.createdByAppId !== call.principal.appId)
      throw new MdeError(
        'Forbidden',
        'The indicator is managed by another application; Ti.ReadWrite.All is required to change it.',
      )
    const b = new SqlBuilder()
    const sets = [
      `"action" = ${b.p(input.action)}`,
      `"title" = ${b.p(input.title)}`,
      `"description" = ${b.p(input.description)}`,
      `"lastUpdateTime" = ${b.p(now)}`,
      `"lastUpdatedBy" = ${b.p(who)}`,
    ]
    if (input.expirationTime !== undefined) sets.push(`"expirationTime" = ${b.p(input.expirationTime)}`)
    if (input.severity) sets.push(`"severity" = ${b.p(input.severity)}`)
    if (input.recommendedActions !== undefined)
      sets.push(`"recommendedActions" = ${b.p(input.recommendedActions)}`)
    if (input.rbacGroupNames)
      sets.push(
        `"rbacGroupNames" = ${b.p(JSON.stringify(input.rbacGroupNames))}`,
        `"rbacGroupIds" = ${b.p(JSON.stringify(ids ?? []))}`,
      )
    if (input.educateUrl !== undefined) sets.push(`"educateUrl" = ${b.p(input.educateUrl)}`)
    if (input.generateAlert !== undefined) sets.push(`"generateAlert" = ${b.p(input.generateAlert)}`)
    if (input.externalId !== undefined) sets.push(`"externalId" = ${b.p(input.externalId)}`)
    await db.execute(
      `UPDATE indicators SET ${sets.join(', ')} WHERE "tenantId" = ${b.p(call.tenantId)} AND "id" = ${b.p(String(old.id))}`,
      b.params,
    )
    return String(old.id)
  }
  const active = await db.query<{ n: number }>(
    `SELECT count(*) AS n FROM indicators WHERE "tenantId" = $1 AND ("expirationTime" IS NULL OR "expirationTime" > $2)`,
    [call.tenantId, now],
  )
  if (Number(active[0]?.n ?? 0) >= call.deps.options.indicatorCap)
    throw new MdeError(
      'DisallowedOperation',
      `The tenant already has the maximum of ${call.deps.options.indicatorCap} active indicators.`,
    )
  const id = String(
    await nextCounter(db, call.tenantId, 'indicator', () => nextNumericId(db, 'indicators', call.tenantId)),
  )
  const p = call.principal
  await db.execute(
    `INSERT INTO indicators ("tenantId","id","indicatorValue","indicatorType","action","application","source","sourceType","createdBy","createdByDisplayName","severity","title","description","recommendedActions","creationTimeDateTimeUtc","expirationTime","lastUpdateTime","lastUpdatedBy","rbacGroupNames","rbacGroupIds","generateAlert","externalId","createdByAppId","educateUrl")
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$15,$17,$18,$19,$20,$21,$22,$23)`,
    [
      call.tenantId,
      id,
      input.indicatorValue,
      input.indicatorType,
      input.action,
      input.application ?? null,
      who,
      p.kind === 'user' ? 'User' : 'AadApp',
      p.kind === 'user' ? who : p.appId,
      who,
      input.severity ?? 'Informational',
      input.title,
      input.description,
      input.recommendedActions ?? null,
      now,
      input.expirationTime ?? null,
      null,
      JSON.stringify(input.rbacGroupNames ?? []),
      JSON.stringify(ids ?? []),
      input.generateAlert ?? false,
      input.externalId ?? null,
      p.appId,
      input.educateUrl ?? null,
    ],
  )
  return id
}

async function readById(call: Call, id: string): Promise<Row> {
  const rows = await call.deps.db.query(
    `SELECT ${shape.columns}, "createdByAppId" FROM indicators WHERE "tenantId" = $1 AND "id" = $2`,
    [call.tenantId, id],
  )
  const row = rows[0]
  if (!row || (!seesAll(call) && row.createdByAppId !== call.principal.appId))
    throw notFound(`Indicator ${id.slice(0, 100)} was not found`)
  return row
}

async function submit(call: Call): Promise<unknown> {
  const id = await upsert(call, readIndicator(call.body))
  call.audit.targetId = id
  return sendEntity(call, 'Indicators/$entity', toWire(shape, await readById(call, id)))
}

async function importBatch(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['Indicators'])
  const list = r.raw(['Indicators'])
  if (list === undefined)
    throw new MdeError('MissingRequiredParameter', "The required property 'Indicators' is missing.")
  if (!Array.isArray(list)) throw new MdeError('InvalidRequestBody', "'Indicators' must be an array.")
  if (list.length > MAX_INDICATOR_BATCH)
    throw new MdeError(
      'MaximumBatchSizeExceeded',
      `Received ${list.length} indicators; the maximum allowed is ${MAX_INDICATOR_BATCH}.`,
    )
  const value: {
    id: string | null
    indicator: string | null
    isFailed: boolean
    failureReason: string | null
  }[] = []
  for (const item of list) {
    const indicator =
      typeof (item as { indicatorValue?: unknown })?.indicatorValue === 'string'
        ? (item as { indicatorValue: string }).indicatorValue
        : null
    try {
      const id = await upsert(call, readIndicator(item))
      value.push({ id, indicator, isFailed: false, failureReason: null })
    } catch (err) {
      if (!(err instanceof MdeError)) throw err
      value.push({ id: null, indicator, isFailed: true, failureReason: err.message })
    }
  }
  call.audit.details = { submitted: list.length, failed: value.filter((v) => v.isFailed).length }
  return sendMde(call.reply, 200, { value })
}

async function deleteOne(call: Call): Promise<unknown> {
  const id = call.params.id!
  await readById(call, id)
  await call.deps.db.execute('DELETE FROM indicators WHERE "tenantId" = $1 AND "id" = $2', [
    call.tenantId,
    id,
  ])
  return call.reply.code(204).send()
}

async function batchDelete(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['IndicatorIds'])
  const ids = r.stringArray(['IndicatorIds'], { required: true, max: MAX_INDICATOR_BATCH })!
  if (ids.length === 0) throw new MdeError('InvalidInput', "'IndicatorIds' must not be empty.")
  const bad = ids.find((id) => !/^\d{1,18}$/.test(id))
  if (bad !== undefined)
    throw new MdeError('InvalidInput', `'${bad.slice(0, 60)}' is not a valid indicator id.`)
  const unique = [...new Set(ids)]
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const rows = await call.deps.db.query<{ id: string; createdByAppId: string }>(
    `SELECT "id", "createdByAppId" FROM indicators WHERE "tenantId" = ${t} AND "id" IN (${unique.map((id) => b.p(id)).join(', ')})`,
    b.params,
  )
  const found = new Map(rows.map((x) => [x.id, x]))
  const missing = unique.filter((id) => !found.has(id))
  if (missing.length) throw notFound(`Indicators not found: ${missing.slice(0, 10).join(', ')}`)
  if (!seesAll(call) && rows.some((x) => x.createdByAppId !== call.principal.appId))
    throw new MdeError(
      'Forbidden',
      'Some indicators are managed by another application; Ti.ReadWrite.All is required to delete them.',
    )
  await call.deps.db.transaction(async (tx) => {
    const d = new SqlBuilder()
    const dt = d.p(call.tenantId)
    await tx.execute(
      `DELETE FROM indicators WHERE "tenantId" = ${dt} AND "id" IN (${unique.map((id) => d.p(id)).join(', ')})`,
      d.params,
    )
  })
  call.audit.details = { deleted: unique.length }
  return call.reply.code(204).send()
}

export const indicatorRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/indicators',
    operation: 'indicators.list',
    requirement: perms.indicators,
    handler: (c) =>
      sendList(c, {
        entity: indicatorEntity,
        model: models.indicators,
        context: 'Indicators',
        defaultOrder: [{ column: 'creationTimeDateTimeUtc', desc: false }],
        where: (b) => [`("expirationTime" IS NULL OR "expirationTime" > ${b.p(c.now)})`, visibility(c, b)],
      }),
  },
  {
    method: 'POST',
    url: '/indicators',
    operation: 'indicators.submit',
    requirement: perms.indicators,
    audit: { targetType: 'Indicator' },
    handler: submit,
  },
  {
    method: 'POST',
    url: '/indicators/import',
    operation: 'indicators.import',
    requirement: perms.indicators,
    audit: { targetType: 'Indicator' },
    bodyLimit: 8 * 1024 * 1024,
    handler: importBatch,
  },
  {
    method: 'POST',
    url: '/indicators/BatchDelete',
    operation: 'indicators.batchDelete',
    requirement: perms.indicatorDelete,
    audit: { targetType: 'Indicator' },
    handler: batchDelete,
  },
  {
    method: 'DELETE',
    url: '/indicators/:id',
    operation: 'indicators.delete',
    requirement: perms.indicatorDelete,
    audit: { targetType: 'Indicator', targetParam: 'id' },
    handler: deleteOne,
  },
]
