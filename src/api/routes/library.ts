import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { libraryFileEntity } from '../../schema/entities/mde.js'
import { callerName } from '../auth.js'
import { sendEntity, sendList } from '../entity-query.js'
import { MdeError, notFound } from '../errors.js'
import { models } from '../models.js'
import { parseMultipart, type FormPart } from '../multipart.js'
import { perms } from '../permissions.js'
import type { Call, RouteSpec } from '../route.js'
import { toWire, wireShape } from '../wire.js'

export const MAX_LIBRARY_FILE_BYTES = 20 * 1024 * 1024
const shape = wireShape(libraryFileEntity)

/** Buffers multipart bodies for the library upload (parsed by the route). */
export function registerMultipartParser(app: FastifyInstance): void {
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: MAX_LIBRARY_FILE_BYTES + 1024 * 1024 },
    (_req, body, done) => {
      done(null, body)
    },
  )
}

function field(parts: FormPart[], names: string[]): FormPart | undefined {
  return parts.find((p) => names.some((n) => n.toLowerCase() === p.name.toLowerCase()))
}

function boolField(parts: FormPart[], names: string[]): boolean {
  const v = field(parts, names)?.data.toString('utf8').trim().toLowerCase()
  return v === 'true' || v === '1'
}

async function upload(call: Call): Promise<unknown> {
  const ct = String(call.req.headers['content-type'] ?? '')
  if (!Buffer.isBuffer(call.body) || !/^multipart\/form-data/i.test(ct))
    throw new MdeError(
      'InvalidRequestBody',
      'The library upload must be multipart/form-data with a file part.',
    )
  const parts = parseMultipart(call.body, ct)
  if (!parts) throw new MdeError('InvalidRequestBody', 'The multipart body is malformed.')
  const file = field(parts, ['file'])
  if (!file?.filename)
    throw new MdeError('MissingRequiredParameter', "The required form field 'file' is missing.")
  if (file.data.length > MAX_LIBRARY_FILE_BYTES)
    throw new MdeError('InvalidInput', 'Library files may be at most 20 MB.')
  const fileName = file.filename.split(/[\\/]/).pop()!.trim()
  if (!fileName || fileName.length > 255 || fileName === '.' || fileName === '..')
    throw new MdeError('InvalidInput', 'The file name is not valid.')
  const description = field(parts, ['Description'])?.data.toString('utf8') ?? null
  const paramsDescription = field(parts, ['ParametersDescription'])?.data.toString('utf8') ?? null
  const hasParameters = boolField(parts, ['HasParameters'])
  const override = boolField(parts, ['OverrideIfExists'])
  const db = call.deps.db
  const existing = await db.query(
    'SELECT "fileName" FROM library_files WHERE "tenantId" = $1 AND lower("fileName") = lower($2)',
    [call.tenantId, fileName],
  )
  if (existing[0] && !override)
    throw new MdeError(
      'BadRequest',
      `A library file named '${fileName}' already exists; set OverrideIfExists to replace it.`,
    )
  const sha256 = createHash('sha256').update(file.data).digest('hex')
  const who = callerName(call.principal)
  await db.transaction(async (tx) => {
    if (existing[0])
      await tx.execute('DELETE FROM library_files WHERE "tenantId" = $1 AND "fileName" = $2', [
        call.tenantId,
        String(existing[0].fileName),
      ])
    await tx.execute(
      `INSERT INTO library_files ("tenantId","fileName","sha256","description","creationTime","lastUpdatedTime","createdBy","hasParameters","parametersDescription","content")
       VALUES ($1,$2,$3,$4,$5,$5,$6,$7,$8,$9)`,
      [
        call.tenantId,
        fileName,
        sha256,
        description,
        call.now,
        who,
        hasParameters,
        paramsDescription,
        file.data.toString('base64'),
      ],
    )
  })
  call.audit.targetId = fileName
  const rows = await db.query(
    `SELECT ${shape.columns} FROM library_files WHERE "tenantId" = $1 AND "fileName" = $2`,
    [call.tenantId, fileName],
  )
  return sendEntity(call, 'LibraryFiles/$entity', toWire(shape, rows[0]!))
}

export const libraryRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/libraryfiles',
    operation: 'library.list',
    requirement: perms.library,
    handler: (c) =>
      sendList(c, {
        entity: libraryFileEntity,
        model: models.libraryFiles,
        context: 'LibraryFiles',
        defaultOrder: [],
      }),
  },
  {
    method: 'POST',
    url: '/libraryfiles',
    operation: 'library.upload',
    requirement: perms.library,
    audit: { targetType: 'LibraryFile' },
    bodyLimit: MAX_LIBRARY_FILE_BYTES + 1024 * 1024,
    handler: upload,
  },
  {
    method: 'DELETE',
    url: '/libraryfiles/:fileName',
    operation: 'library.delete',
    requirement: perms.library,
    audit: { targetType: 'LibraryFile', targetParam: 'fileName' },
    handler: async (c) => {
      const n = await c.deps.db.execute(
        'DELETE FROM library_files WHERE "tenantId" = $1 AND lower("fileName") = lower($2)',
        [c.tenantId, c.params.fileName!],
      )
      if (n === 0) throw notFound(`Library file ${c.params.fileName!.slice(0, 100)} was not found`)
      return c.reply.code(204).send()
    },
  },
]
