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
const softwareShape = wireShape(softwareEntity)
const vulnShape = wireShape(vulnerabilityEntity)
const recShape = wireShape(recommendationEntity)

/** One entity of a set by id (case-insensitive), or 404 ResourceNotFound naming it. */
async function findById(call: Call, entity: EntityDef, what: string): Promise<Row> {
  const shape = wireShape(entity)
  const rows = await call.deps.db.query(
    `SELECT ${shape.columns} FROM ${entity.table} WHERE "tenantId" = $1 AND lower("id") = $2 LIMIT 1`,
    [call.tenantId, call.params.id!.toLowerCase()],
  )
  if (!rows[0]) throw notFound(`${what} ${call.params.id} was not found`)
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

const entitySet = (
  url: string,
  operation: string,
  requirement: RouteSpec['requirement'],
  entity: EntityDef,
  model: (typeof models)[keyof typeof models],
  context: string,
): RouteSpec => ({
  method: 'GET',
  url,
  operation,
  requirement,
  handler: (c) =>
    sendList(c, {
      entity,
      model,
      context,
      defaultOrder: [{ column: 'id', desc: false }],
    }),
})

export const tvmRoutes: RouteSpec[] = [
  entitySet('/Software', 'software.list', perms.softwareRead, softwareEntity, models.software, 'Software'),
  {
    method: 'GET',
    url: '/Software/:id',
    operation: 'software.get',
    requirement: perms.softwareRead,
    handler: async (c) =>
      sendEntity(c, 'Software/$entity', toWire(softwareShape, await findById(c, softwareEntity, 'Software'))),
  },
  {
    method: 'GET',
    url: '/Software/:id/machineReferences',
    operation: 'software.machineReferences',
    requirement: perms.softwareRead,
    handler: async (c) => {
      const sw = await findById(c, softwareEntity, 'Software')
      return machineReferences(
        c,
        (b, t) =>
          `SELECT "machineId" FROM machine_software WHERE "tenantId" = ${t} AND "softwareId" = ${b.p(String(sw.id))}`,
      )
    },
  },
  {
    method: 'GET',
    url: '/Software/:id/vulnerabilities',
    operation: 'software.vulnerabilities',
    requirement: perms.vulnerabilityRead,
    handler: async (c) => {
      const sw = await findById(c, softwareEntity, 'Software')
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
  entitySet(
    '/vulnerabilities',
    'vulnerabilities.list',
    perms.vulnerabilityRead,
    vulnerabilityEntity,
    models.vulnerabilities,
    'Vulnerabilities',
  ),
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
  {
    method: 'GET',
    url: '/vulnerabilities/:id',
    operation: 'vulnerabilities.get',
    requirement: perms.vulnerabilityRead,
    handler: async (c) =>
      sendEntity(
        c,
        'Vulnerabilities/$entity',
        toWire(vulnShape, await findById(c, vulnerabilityEntity, 'Vulnerability')),
      ),
  },
  {
    method: 'GET',
    url: '/vulnerabilities/:id/machineReferences',
    operation: 'vulnerabilities.machineReferences',
    requirement: perms.vulnerabilityRead,
    handler: async (c) => {
      const v = await findById(c, vulnerabilityEntity, 'Vulnerability')
      return machineReferences(
        c,
        (b, t) =>
          `SELECT "machineId" FROM machine_vulnerabilities WHERE "tenantId" = ${t} AND "cveId" = ${b.p(String(v.id))}`,
      )
    },
  },
  entitySet(
    '/recommendations',
    'recommendations.list',
    perms.recommendationRead,
    recommendationEntity,
    models.recommendations,
    'Recommendations',
  ),
  {
    method: 'GET',
    url: '/recommendations/:id',
    operation: 'recommendations.get',
    requirement: perms.recommendationRead,
    handler: async (c) =>
      sendEntity(
        c,
        'Recommendations/$entity',
        toWire(recShape, await findById(c, recommendationEntity, 'Recommendation')),
      ),
  },
  {
    method: 'GET',
    url: '/recommendations/:id/machineReferences',
    operation: 'recommendations.machineReferences',
    requirement: perms.recommendationRead,
    handler: async (c) => {
      const r = await findById(c, recommendationEntity, 'Recommendation')
      return machineReferences(
        c,
        (b, t) =>
          `SELECT "machineId" FROM machine_recommendations WHERE "tenantId" = ${t} AND "recommendationId" = ${b.p(String(r.id))}`,
      )
    },
  },
]
