import {
  machineVulnerabilityEntity,
  recommendationEntity,
  softwareEntity,
  vulnerabilityEntity,
} from '../../schema/entities/mde.js'
import type { EntityDef } from '../../schema/catalogue-types.js'
import type { Row } from '../../store/db.js'
import { scopeCondition, sendCollection, sendEntity, sendList } from '../entity-query.js'
import { notFound } from '../errors.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import type { Call, RouteSpec } from '../route.js'
import { SqlBuilder } from '../sql-builder.js'
import { toWire, wireShape } from '../wire.js'

/**
 * Defender Vulnerability Management entity sets (mde-api.md §3.12–3.14): software, vulnerabilities,
 * security recommendations and the machines they concern. The sets are organisation-wide (not
 * device-group scoped, as in MDE); machine references and per-machine vulnerabilities are filtered to
 * the caller's device groups in user context.
 */
const vulnShape = wireShape(vulnerabilityEntity)

/** One entity of a set by id (case-insensitive), or 404 ResourceNotFound naming it. */
async function findById(call: Call, entity: EntityDef): Promise<Row> {
  const shape = wireShape(entity)
  const rows = await call.deps.db.query(
    `SELECT ${shape.columns} FROM ${entity.table} WHERE "tenantId" = $1 AND lower("id") = $2 LIMIT 1`,
    [call.tenantId, call.params.id!.toLowerCase()],
  )
  if (!rows[0]) throw notFound(`${entity.name} ${call.params.id} was not found`)
  return rows[0]
}

/**
 * MachineReference collection (no OData options documented; none applied): machines whose ids
 * `machineIds(b, t)` selects, inside the caller's device groups.
 */
async function machineReferences(
  call: Call,
  machineIds: (b: SqlBuilder, t: string) => string,
): Promise<unknown> {
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const scope = scopeCondition(call.principal, b, t, 'machines')
  const rows = await call.deps.db.query<Record<string, unknown>>(
    `SELECT "id", "computerDnsName", "osPlatform", "rbacGroupName", "rbacGroupId" FROM machines
      WHERE "tenantId" = ${t} AND "id" IN (${machineIds(b, t)}) ${scope ? `AND ${scope}` : ''}
      ORDER BY "computerDnsName", "id"`,
    b.params,
  )
  return sendCollection(call, {
    context: 'MachineReferences',
    value: rows.map((r) => ({
      id: r.id,
      computerDnsName: r.computerDnsName ?? null,
      osPlatform: r.osPlatform ?? null,
      rbacGroupName: r.rbacGroupName ?? null,
      rbacGroupId: r.rbacGroupId ?? null,
    })),
  })
}

/**
 * One TVM entity set. Its operation prefix is the table name (`software`), its `@odata.context` the
 * catalogue's entity set, its 404 messages the entity name; `machine_<table>` links it to machines
 * through `linkColumn`.
 */
const tvmSet = (
  url: string,
  requirement: RouteSpec['requirement'],
  entity: EntityDef,
  model: (typeof models)[keyof typeof models],
  linkColumn: string,
) => ({ url, requirement, entity, model, linkColumn })
type TvmSet = ReturnType<typeof tvmSet>

const software = tvmSet('/Software', perms.softwareRead, softwareEntity, models.software, 'softwareId')
const vulnerabilities = tvmSet(
  '/vulnerabilities',
  perms.vulnerabilityRead,
  vulnerabilityEntity,
  models.vulnerabilities,
  'cveId',
)
const recommendations = tvmSet(
  '/recommendations',
  perms.recommendationRead,
  recommendationEntity,
  models.recommendations,
  'recommendationId',
)

/** `GET <set>`: the OData list. */
const listRoute = (set: TvmSet): RouteSpec => ({
  method: 'GET',
  url: set.url,
  operation: `${set.entity.table}.list`,
  requirement: set.requirement,
  handler: (c) =>
    sendList(c, {
      entity: set.entity,
      model: set.model,
      context: set.entity.entitySet!,
      defaultOrder: [{ column: 'id', desc: false }],
    }),
})

/** `GET <set>/:id`: one entity. */
const getRoute = (set: TvmSet): RouteSpec => ({
  method: 'GET',
  url: `${set.url}/:id`,
  operation: `${set.entity.table}.get`,
  requirement: set.requirement,
  handler: async (c) =>
    sendEntity(
      c,
      `${set.entity.entitySet}/$entity`,
      toWire(wireShape(set.entity), await findById(c, set.entity)),
    ),
})

/** `GET <set>/:id/machineReferences`: the machines the entity concerns. */
const machineReferencesRoute = (set: TvmSet): RouteSpec => ({
  method: 'GET',
  url: `${set.url}/:id/machineReferences`,
  operation: `${set.entity.table}.machineReferences`,
  requirement: set.requirement,
  handler: async (c) => {
    const e = await findById(c, set.entity)
    return machineReferences(
      c,
      (b, t) =>
        `SELECT "machineId" FROM machine_${set.entity.table} WHERE "tenantId" = ${t} AND "${set.linkColumn}" = ${b.p(String(e.id))}`,
    )
  },
})

export const tvmRoutes: RouteSpec[] = [
  listRoute(software),
  getRoute(software),
  machineReferencesRoute(software),
  {
    method: 'GET',
    url: '/Software/:id/vulnerabilities',
    operation: 'software.vulnerabilities',
    requirement: perms.vulnerabilityRead,
    handler: async (c) => {
      const sw = await findById(c, softwareEntity)
      const rows = await c.deps.db.query(
        `SELECT ${vulnShape.fields.map(([n]) => `v."${n}"`).join(', ')} FROM vulnerabilities v
          WHERE v."tenantId" = $1 AND v."id" IN (SELECT "cveId" FROM machine_vulnerabilities
            WHERE "tenantId" = $1 AND lower("productVendor") = lower($2) AND lower("productName") = lower($3))
          ORDER BY v."id"`,
        [c.tenantId, String(sw.vendor), String(sw.name)],
      )
      return sendCollection(c, {
        context: 'Collection(Analytics.Contracts.PublicAPI.PublicVulnerabilityDto)',
        value: rows.map((r) => toWire(vulnShape, r)),
      })
    },
  },
  listRoute(vulnerabilities),
  {
    method: 'GET',
    url: '/vulnerabilities/machinesVulnerabilities',
    operation: 'vulnerabilities.machinesVulnerabilities',
    requirement: perms.vulnerabilityRead,
    handler: (c) =>
      sendList(c, {
        entity: machineVulnerabilityEntity,
        model: models.machineVulnerabilities,
        context: 'Collection(microsoft.windowsDefenderATP.api.PublicAssetVulnerabilityDto)',
        defaultOrder: [{ column: 'id', desc: false }],
        where: (b, t) => [scopeCondition(c.principal, b, t, { machineIdColumn: '"machineId"' })],
      }),
  },
  getRoute(vulnerabilities),
  machineReferencesRoute(vulnerabilities),
  listRoute(recommendations),
  getRoute(recommendations),
  machineReferencesRoute(recommendations),
]
