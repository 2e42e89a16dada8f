import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { investigationEntity, machineActionEntity } from '../../schema/entities/mde.js'
import type { Db, Row } from '../../store/db.js'
import { HRESULT } from '../actions/action-driver.js'
import type { ApiDeps } from '../api-deps.js'
import { callerName } from '../auth.js'
import { BodyReader } from '../body.js'
import { downloadPath, signDownload, tenantDownloadKey, verifyDownload } from '../download-links.js'
import { scopeCondition, sendEntity, sendList } from '../entity-query.js'
import { sendMdeError } from '../error-handler.js'
import { MdeError, notFound } from '../errors.js'
import { parseFunctionSegment } from '../function-segment.js'
import { nextCounter, nextNumericId } from '../ids.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import { findMachine } from '../repo.js'
import type { Call, RouteSpec } from '../route.js'
import { SqlBuilder } from '../sql-builder.js'
import { odataContext, sendMde, text, toWire, wireShape } from '../wire.js'
import { zipStore } from '../zip.js'

const actionShape = wireShape(machineActionEntity)
const investigationShape = wireShape(investigationEntity)
export const MAX_CONCURRENT_LIVE_RESPONSE = 25
const COMMENT = ['Comment']
const EXTERNAL_ID = ['ExternalId', 'ExternalID']

function isWindows(m: Row): boolean {
  return text(m.osPlatform).toLowerCase().startsWith('windows')
}

interface NewAction {
  type: string
  comment: string | null
  scope?: string | null
  externalId?: string | null
  relatedFileInfo?: unknown
  commands?: unknown[]
}

async function activeAction(db: Db, tenantId: string, machineId: string, type: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 AS x FROM machine_actions WHERE "tenantId" = $1 AND "machineId" = $2 AND "type" = $3 AND "status" IN ('Pending', 'InProgress') LIMIT 1`,
    [tenantId, machineId, type],
  )
  return rows.length > 0
}

/**
 * Creates a Pending machine action (201) unless one of the same type is already pending on the device
 * (400 ActiveRequestAlreadyExists). Check and insert are one transaction that first locks the machine
 * row (PostgreSQL `FOR UPDATE`; DuckDB transactions of a process are serialised by the store's write
 * lock, and only one process opens a DuckDB file), so two API nodes racing on the same device create
 * one action, and the other caller gets the 400.
 */
async function createAction(call: Call, machine: Row, a: NewAction, status = 201): Promise<unknown> {
  const machineId = String(machine.id)
  const id = randomUUID()
  const now = call.now
  const due = new Date(now.getTime() + (call.deps.options.actions.completionDelaySeconds * 1000) / 2)
  await call.deps.db.transaction(async (tx) => {
    if (tx.dialect === 'postgres')
      await tx.query(`SELECT 1 AS x FROM machines WHERE "tenantId" = $1 AND "id" = $2 FOR UPDATE`, [
        call.tenantId,
        machineId,
      ])
    if (await activeAction(tx, call.tenantId, machineId, a.type))
      throw new MdeError(
        'ActiveRequestAlreadyExists',
        `Action is already in progress: a ${a.type} action is pending on machine ${machineId}.`,
      )
    await tx.execute(
      `INSERT INTO machine_actions ("tenantId","id","type","title","requestor","requestorComment","status","machineId","computerDnsName","creationDateTimeUtc","lastUpdateDateTimeUtc","cancellationRequestor","cancellationComment","cancellationDateTimeUtc","errorHResult","scope","externalId","requestSource","relatedFileInfo","commands","troubleshootInfo","requestorAppId","dueAt")
       VALUES ($1,$2,$3,NULL,$4,$5,'Pending',$6,$7,$8,$8,NULL,NULL,NULL,0,$9,$10,'PublicApi',$11,$12,NULL,$13,$14)`,
      [
        call.tenantId,
        id,
        a.type,
        callerName(call.principal),
        a.comment,
        machineId,
        (machine.computerDnsName as string | null) ?? null,
        now,
        a.scope ?? null,
        a.externalId ?? null,
        a.relatedFileInfo ? JSON.stringify(a.relatedFileInfo) : null,
        JSON.stringify(a.commands ?? []),
        call.principal.appId,
        due,
      ],
    )
  })
  call.audit.targetId = machineId
  call.audit.details = { actionId: id, type: a.type }
  return sendEntity(call, 'MachineActions/$entity', toWire(actionShape, await getAction(call, id)), status)
}

async function getAction(call: Call, id: string): Promise<Row> {
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const scope = scopeCondition(call.principal, b, t, { machineIdColumn: '"machineId"' })
  const rows = await call.deps.db.query(
    `SELECT ${actionShape.columns} FROM machine_actions WHERE "tenantId" = ${t} AND "id" = ${b.p(id.toLowerCase())} ${scope ? `AND ${scope}` : ''}`,
    b.params,
  )
  if (!rows[0]) throw notFound(`Machine action ${id.slice(0, 100)} was not found`)
  return rows[0]
}

function simpleAction(
  operation: string,
  url: string,
  type: string,
  requirement: RouteSpec['requirement'],
  read: (r: BodyReader, machine: Row) => Omit<NewAction, 'type' | 'comment'> = () => ({}),
  extraKeys: string[] = [],
  opts: { windowsOnly?: boolean; status?: number } = {},
): RouteSpec {
  return {
    method: 'POST',
    url,
    operation,
    requirement,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: async (call) => {
      const r = new BodyReader(call.body, [...COMMENT, ...EXTERNAL_ID, ...extraKeys])
      const comment = r.string(COMMENT, { required: true, maxLength: 10_000 })
      const externalId = r.string(EXTERNAL_ID, { maxLength: 500 }) ?? null
      const machine = await findMachine(call, call.params.id!)
      const extra = read(r, machine)
      if (opts.windowsOnly && !isWindows(machine))
        throw new MdeError(
          'OsPlatformNotSupported',
          `${type} is not supported on ${String(machine.osPlatform)}.`,
        )
      return createAction(call, machine, { type, comment, externalId, ...extra }, opts.status)
    },
  }
}

const LR_TYPES = ['PutFile', 'RunScript', 'GetFile'] as const
const LR_PARAMS: Record<(typeof LR_TYPES)[number], { required: string; optional: string[] }> = {
  PutFile: { required: 'FileName', optional: [] },
  RunScript: { required: 'ScriptName', optional: ['Args'] },
  GetFile: { required: 'Path', optional: [] },
}

async function runLiveResponse(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, ['Commands', ...COMMENT, ...EXTERNAL_ID])
  const comment = r.string(COMMENT, { maxLength: 10_000 }) ?? null
  const raw = r.raw(['Commands'])
  if (raw === undefined)
    throw new MdeError('MissingRequiredParameter', "The required property 'Commands' is missing.")
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > 50)
    throw new MdeError('InvalidRequestBody', "'Commands' must be an array of 1 to 50 commands.")
  const commands = raw.map((c, index) => {
    if (typeof c !== 'object' || c === null)
      throw new MdeError('InvalidRequestBody', `Command ${index} must be an object.`)
    const o = c as Record<string, unknown>
    const type = LR_TYPES.find((t) => typeof o.type === 'string' && t.toLowerCase() === o.type.toLowerCase())
    if (!type)
      throw new MdeError('InvalidInput', `Command ${index}: type must be one of ${LR_TYPES.join(', ')}.`)
    const params = o.params ?? []
    if (!Array.isArray(params))
      throw new MdeError('InvalidRequestBody', `Command ${index}: params must be an array.`)
    const spec = LR_PARAMS[type]
    const out: { key: string; value: string }[] = []
    for (const p of params as unknown[]) {
      const kv = p as { key?: unknown; value?: unknown }
      if (typeof kv?.key !== 'string' || typeof kv.value !== 'string')
        throw new MdeError(
          'InvalidRequestBody',
          `Command ${index}: each param must be {"key": string, "value": string}.`,
        )
      const key = [spec.required, ...spec.optional].find(
        (k) => k.toLowerCase() === String(kv.key).toLowerCase(),
      )
      if (!key)
        throw new MdeError(
          'InvalidInput',
          `Command ${index} (${type}): unknown param '${String(kv.key).slice(0, 60)}'.`,
        )
      out.push({ key, value: kv.value })
    }
    const main = out.find((p) => p.key === spec.required)
    if (!main?.value)
      throw new MdeError(
        'MissingRequiredParameter',
        `Command ${index} (${type}) needs the param '${spec.required}'.`,
      )
    return { index, type, main: main.value, params: out }
  })
  for (let i = 1; i < commands.length; i++)
    if (LR_TYPES.indexOf(commands[i]!.type) < LR_TYPES.indexOf(commands[i - 1]!.type))
      throw new MdeError('InvalidRequestBody', 'Commands must be ordered PutFile, RunScript, GetFile.')
  const machine = await findMachine(call, call.params.id!)
  const library = new Set(
    (
      await call.deps.db.query<{ fileName: string }>(
        'SELECT "fileName" FROM library_files WHERE "tenantId" = $1',
        [call.tenantId],
      )
    ).map((x) => x.fileName.toLowerCase()),
  )
  for (const c of commands)
    if ((c.type === 'PutFile' || c.type === 'RunScript') && !library.has(c.main.toLowerCase()))
      throw new MdeError(
        'InvalidInput',
        `Command ${c.index} (${c.type}): '${c.main.slice(0, 100)}' is not in the live response library.`,
      )
  const active = await call.deps.db.query<{ n: number }>(
    `SELECT count(*) AS n FROM machine_actions WHERE "tenantId" = $1 AND "type" = 'LiveResponse' AND "status" IN ('Pending', 'InProgress')`,
    [call.tenantId],
  )
  if (Number(active[0]?.n ?? 0) >= MAX_CONCURRENT_LIVE_RESPONSE)
    throw new MdeError(
      'TooManyRequests',
      `At most ${MAX_CONCURRENT_LIVE_RESPONSE} live response sessions may run at once.`,
      {
        headers: { 'Retry-After': '60' },
      },
    )
  return createAction(call, machine, {
    type: 'LiveResponse',
    comment,
    externalId: r.string(EXTERNAL_ID) ?? null,
    commands: commands.map((c) => ({
      index: c.index,
      startTime: null,
      endTime: null,
      commandStatus: 'Created',
      errors: [],
      command: { type: c.type, params: c.params },
    })),
  })
}

async function cancelAction(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, COMMENT, { allowEmpty: true })
  const comment = r.string(COMMENT, { maxLength: 10_000 }) ?? null
  const a = await getAction(call, call.params.id!)
  const status = String(a.status)
  if (status !== 'Pending' && status !== 'InProgress')
    throw new MdeError('BadRequest', `The machine action is already ${status} and cannot be cancelled.`)
  const p = call.principal
  const n = await call.deps.db.execute(
    `UPDATE machine_actions SET "status" = 'Cancelled', "cancellationRequestor" = $1, "cancellationComment" = $2, "cancellationDateTimeUtc" = $3,
       "lastUpdateDateTimeUtc" = $3, "errorHResult" = $4, "dueAt" = NULL WHERE "tenantId" = $5 AND "id" = $6 AND "status" = $7`,
    [
      p.kind === 'user' ? callerName(p) : p.appId,
      comment,
      call.now,
      HRESULT.abort,
      call.tenantId,
      String(a.id),
      status,
    ],
  )
  if (n !== 1)
    throw new MdeError('BadRequest', 'The machine action changed state while it was being cancelled; retry.')
  return sendEntity(call, 'MachineActions/$entity', toWire(actionShape, await getAction(call, String(a.id))))
}

async function signedLink(call: Call, kind: string, actionId: string, index: number): Promise<unknown> {
  const key = await tenantDownloadKey(call.deps.db, call.tenantId)
  const path = downloadPath(kind, call.tenantId, actionId, index)
  const expires = Math.floor(call.now.getTime() / 1000) + call.deps.options.downloadLinkSeconds
  const url = `${call.req.protocol}://${call.req.headers.host ?? 'localhost'}${path}?se=${expires}&sig=${signDownload(key, path, expires)}`
  return sendMde(call.reply, 200, { '@odata.context': odataContext(call.req, 'Edm.String'), value: url })
}

async function packageUri(call: Call): Promise<unknown> {
  const a = await getAction(call, call.params.id!)
  if (a.type !== 'CollectInvestigationPackage')
    throw notFound('The machine action is not a CollectInvestigationPackage action.')
  if (a.status !== 'Succeeded')
    throw notFound('The investigation package is not available (the action has not succeeded).')
  return signedLink(call, 'package', String(a.id), 0)
}

async function actionFunction(call: Call): Promise<unknown> {
  const fn = parseFunctionSegment(call.params.fn!)
  if (!fn || fn.name.toLowerCase() !== 'getliveresponseresultdownloadlink')
    throw new MdeError(
      'NotFound',
      `The function '${call.params.fn!.slice(0, 60)}' is not supported on machine actions.`,
    )
  const index = Number(fn.args.get('index'))
  if (!Number.isSafeInteger(index) || index < 0)
    throw new MdeError('InvalidInput', "'index' must be a non-negative integer.")
  const a = await getAction(call, call.params.id!)
  if (a.type !== 'LiveResponse') throw notFound('The machine action is not a LiveResponse action.')
  const commands =
    typeof a.commands === 'string'
      ? (JSON.parse(a.commands) as { commandStatus: string; command: { type: string } }[])
      : []
  const c = commands[index]
  if (!c) throw notFound(`The live response action has no command ${index}.`)
  if (c.command.type === 'PutFile') throw notFound(`Command ${index} (PutFile) has no result.`)
  if (c.commandStatus !== 'Completed') throw notFound(`Command ${index} has not completed.`)
  return signedLink(call, 'liveresponse', String(a.id), index)
}

async function startInvestigation(call: Call): Promise<unknown> {
  const r = new BodyReader(call.body, COMMENT)
  const comment = r.string(COMMENT, { required: true, maxLength: 10_000 })
  const machine = await findMachine(call, call.params.id!)
  if (!isWindows(machine))
    throw new MdeError(
      'OsPlatformNotSupported',
      `Automated investigation is not supported on ${String(machine.osPlatform)}.`,
    )
  const db = call.deps.db
  const id = String(
    await nextCounter(db, call.tenantId, 'investigation', () =>
      nextNumericId(db, 'investigations', call.tenantId),
    ),
  )
  await db.execute(
    `INSERT INTO investigations ("tenantId","id","startTime","endTime","state","cancelledBy","statusDetails","machineId","computerDnsName","triggeringAlertId")
     VALUES ($1,$2,$3,NULL,'Running',NULL,$4,$5,$6,NULL)`,
    [
      call.tenantId,
      id,
      call.now,
      comment,
      String(machine.id),
      (machine.computerDnsName as string | null) ?? null,
    ],
  )
  call.audit.targetId = String(machine.id)
  call.audit.details = { investigationId: id }
  const rows = await db.query(
    `SELECT ${investigationShape.columns} FROM investigations WHERE "tenantId" = $1 AND "id" = $2`,
    [call.tenantId, id],
  )
  return sendEntity(call, 'Investigations/$entity', toWire(investigationShape, rows[0]!), 201)
}

async function getInvestigation(call: Call): Promise<unknown> {
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const id = b.p(call.params.id!)
  const scope = scopeCondition(call.principal, b, t, { machineIdColumn: '"machineId"' })
  const rows = await call.deps.db.query(
    `SELECT ${investigationShape.columns} FROM investigations WHERE "tenantId" = ${t} AND ("id" = ${id} OR "triggeringAlertId" = ${id}) ${scope ? `AND ${scope}` : ''}
     ORDER BY CASE WHEN "id" = ${id} THEN 0 ELSE 1 END, "startTime" DESC LIMIT 1`,
    b.params,
  )
  if (!rows[0]) throw notFound(`Investigation ${call.params.id!.slice(0, 100)} was not found`)
  return sendEntity(call, 'Investigations/$entity', toWire(investigationShape, rows[0]))
}

export const machineActionRoutes: RouteSpec[] = [
  simpleAction(
    'machines.isolate',
    '/machines/:id/isolate',
    'Isolate',
    perms.isolate,
    (r, m) => {
      const scope = r.enumOf(['IsolationType'], ['Full', 'Selective', 'UnManagedDevice'] as const) ?? 'Full'
      if (scope === 'Selective' && !isWindows(m))
        throw new MdeError(
          'OsPlatformNotSupported',
          `Selective isolation is not supported on ${String(m.osPlatform)}.`,
        )
      return { scope: scope === 'UnManagedDevice' ? 'Full' : scope }
    },
    ['IsolationType'],
  ),
  simpleAction('machines.unisolate', '/machines/:id/unisolate', 'Unisolate', perms.isolate),
  simpleAction(
    'machines.restrictCodeExecution',
    '/machines/:id/restrictCodeExecution',
    'RestrictCodeExecution',
    perms.restrict,
    () => ({}),
    [],
    {
      windowsOnly: true,
    },
  ),
  simpleAction(
    'machines.unrestrictCodeExecution',
    '/machines/:id/unrestrictCodeExecution',
    'UnrestrictCodeExecution',
    perms.restrict,
    () => ({}),
    [],
    {
      windowsOnly: true,
    },
  ),
  simpleAction(
    'machines.runAntiVirusScan',
    '/machines/:id/runAntiVirusScan',
    'RunAntiVirusScan',
    perms.scan,
    (r) => ({ scope: r.enumOf(['ScanType'], ['Quick', 'Full'] as const, { required: true })! }),
    ['ScanType'],
  ),
  simpleAction(
    'machines.collectInvestigationPackage',
    '/machines/:id/collectInvestigationPackage',
    'CollectInvestigationPackage',
    perms.collect,
  ),
  simpleAction(
    'machines.stopAndQuarantineFile',
    '/machines/:id/StopAndQuarantineFile',
    'StopAndQuarantineFile',
    perms.quarantine,
    (r) => {
      const sha1 = r.string(['Sha1'], { required: true })
      if (!/^[0-9a-fA-F]{40}$/.test(sha1))
        throw new MdeError('InvalidHashValue', `'${sha1.slice(0, 80)}' is not a valid SHA1.`)
      return { relatedFileInfo: { fileIdentifier: sha1.toLowerCase(), fileIdentifierType: 'Sha1' } }
    },
    ['Sha1'],
  ),
  simpleAction('machines.offboard', '/machines/:id/offboard', 'Offboard', perms.offboard, () => ({}), [], {
    windowsOnly: true,
  }),
  {
    method: 'POST',
    url: '/machines/:id/runliveresponse',
    operation: 'machines.liveResponse',
    requirement: perms.liveResponse,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: runLiveResponse,
  },
  {
    method: 'POST',
    url: '/machines/:id/startInvestigation',
    operation: 'machines.startInvestigation',
    requirement: perms.startInvestigation,
    audit: { targetType: 'Machine', targetParam: 'id' },
    handler: startInvestigation,
  },
  {
    method: 'GET',
    url: '/machineactions',
    operation: 'machineActions.list',
    requirement: perms.machineRead,
    handler: (c) =>
      sendList(c, {
        entity: machineActionEntity,
        model: models.machineActions,
        context: 'MachineActions',
        defaultOrder: [{ column: 'creationDateTimeUtc', desc: true }],
        where: (b, t) => [scopeCondition(c.principal, b, t, { machineIdColumn: '"machineId"' })],
      }),
  },
  {
    method: 'GET',
    url: '/machineactions/:id',
    operation: 'machineActions.get',
    requirement: perms.machineRead,
    handler: async (c) =>
      sendEntity(c, 'MachineActions/$entity', toWire(actionShape, await getAction(c, c.params.id!))),
  },
  {
    method: 'POST',
    url: '/machineactions/:id/cancel',
    operation: 'machineActions.cancel',
    requirement: perms.cancelAction,
    audit: { targetType: 'MachineAction', targetParam: 'id' },
    handler: cancelAction,
  },
  {
    method: 'GET',
    url: '/machineactions/:id/getPackageUri',
    operation: 'machineActions.packageUri',
    cache: false,
    requirement: perms.packageUri,
    handler: packageUri,
  },
  {
    method: 'GET',
    url: '/machineactions/:id/:fn',
    operation: 'machineActions.liveResponseResult',
    cache: false,
    requirement: perms.liveResponseResult,
    handler: actionFunction,
  },
  {
    method: 'GET',
    url: '/investigations',
    operation: 'investigations.list',
    requirement: perms.alertRead,
    handler: (c) =>
      sendList(c, {
        entity: investigationEntity,
        model: models.investigations,
        context: 'Investigations',
        defaultOrder: [{ column: 'startTime', desc: true }],
        where: (b, t) => [scopeCondition(c.principal, b, t, { machineIdColumn: '"machineId"' })],
      }),
  },
  {
    method: 'GET',
    url: '/investigations/:id',
    operation: 'investigations.get',
    requirement: perms.alertRead,
    handler: getInvestigation,
  },
]

/** Unauthenticated, signature-checked download route for package and live-response links. */
export function registerDownloads(app: FastifyInstance, deps: ApiDeps): void {
  app.get('/downloads/:kind/:tenantId/:actionId/:index', async (req, reply) => {
    const p = req.params as Record<string, string>
    const query = req.query as Record<string, string | undefined>
    const path = downloadPath(p.kind!, p.tenantId!, p.actionId!, Number(p.index))
    const expires = Number(query.se)
    const key = /^[0-9a-f-]{36}$/i.test(p.tenantId!) ? await tenantDownloadKey(deps.db, p.tenantId!) : ''
    if (!key || !verifyDownload(key, path, expires, String(query.sig ?? ''), deps.clock.nowMs()))
      return sendMdeError(reply, 403, 'Forbidden', 'The download link is invalid or has expired.')
    const rows = await deps.db.query(
      `SELECT ${actionShape.columns} FROM machine_actions WHERE "tenantId" = $1 AND "id" = $2`,
      [p.tenantId!, p.actionId!],
    )
    const a = rows[0]
    if (!a) return sendMdeError(reply, 404, 'ResourceNotFound', 'The machine action no longer exists.')
    const stamp = a.lastUpdateDateTimeUtc instanceof Date ? a.lastUpdateDateTimeUtc : new Date(0)
    if (p.kind === 'package') {
      const summary = [
        `Investigation package for ${String(a.computerDnsName)} (${String(a.machineId)})`,
        `Collected by machine action ${String(a.id)} at ${stamp.toISOString()}`,
        'Produced by a Bulwark simulated device.',
      ].join('\r\n')
      const zip = zipStore([{ name: 'Summary.txt', data: Buffer.from(summary + '\r\n') }], stamp)
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${String(a.machineId)}_package.zip"`)
        .send(zip)
    }
    const commands =
      typeof a.commands === 'string'
        ? (JSON.parse(a.commands) as {
            command: { type: string; params: { key: string; value: string }[] }
          }[])
        : []
    const c = commands[Number(p.index)]
    if (p.kind !== 'liveresponse' || !c)
      return sendMdeError(reply, 404, 'ResourceNotFound', 'No such download.')
    const param = (k: string) => c.command.params.find((x) => x.key === k)?.value ?? ''
    if (c.command.type === 'RunScript')
      return reply.header('content-type', 'application/json').send(
        JSON.stringify({
          script_name: param('ScriptName'),
          exit_code: 0,
          script_output: `Simulated run of ${param('ScriptName')} ${param('Args')}`.trim(),
          script_errors: '',
        }),
      )
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${param('Path').split(/[\\/]/).pop() || 'file'}"`)
      .send(Buffer.from(`Simulated content of ${param('Path')} collected by a Bulwark simulated device.\n`))
  })
}
