import { alertEntity, alertEvidenceEntity, machineEntity } from '../schema/entities/mde.js'
import type { Db, Row } from '../store/db.js'
import { scopeCondition } from './entity-query.js'
import { notFound } from './errors.js'
import type { Call } from './route.js'
import { SqlBuilder } from './sql-builder.js'
import { toWire, wireShape } from './wire.js'

const machineShape = wireShape(machineEntity)
const alertShape = wireShape(alertEntity)
const evidenceShape = wireShape(alertEvidenceEntity)

export const MACHINE_INTERNAL = ['isolationState', 'codeExecutionRestricted', 'offboardedAt', 'sensor']

/**
 * A machine by device id, computer DNS name or Entra device id, inside the caller's device groups;
 * otherwise 404 ResourceNotFound (a machine outside the groups is indistinguishable from a missing one).
 */
export async function findMachine(call: Call, idOrName: string): Promise<Row> {
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const key = b.p(idOrName.toLowerCase())
  const scope = scopeCondition(call.principal, b, t, 'machines')
  const rows = await call.deps.db.query(
    `SELECT ${machineShape.columns}, ${MACHINE_INTERNAL.map((c) => `"${c}"`).join(', ')} FROM machines
     WHERE "tenantId" = ${t} AND (lower("id") = ${key} OR lower("computerDnsName") = ${key} OR lower("aadDeviceId") = ${key})
     ${scope ? `AND ${scope}` : ''} ORDER BY CASE WHEN lower("id") = ${key} THEN 0 ELSE 1 END, "lastSeen" DESC LIMIT 1`,
    b.params,
  )
  const row = rows[0]
  if (!row) throw notFound(`Machine ${idOrName.slice(0, 100)} was not found`)
  return row
}

export function machineWire(row: Row): Record<string, unknown> {
  return toWire(machineShape, row)
}

/** An alert by id inside the caller's device groups, else 404. */
export async function findAlert(call: Call, id: string): Promise<Row> {
  const b = new SqlBuilder()
  const t = b.p(call.tenantId)
  const scope = scopeCondition(call.principal, b, t, { machineIdColumn: '"machineId"' })
  const rows = await call.deps.db.query(
    `SELECT ${alertShape.columns} FROM alerts WHERE "tenantId" = ${t} AND "id" = ${b.p(id)} ${scope ? `AND ${scope}` : ''}`,
    b.params,
  )
  const row = rows[0]
  if (!row) throw notFound(`Alert ${id.slice(0, 100)} was not found`)
  return row
}

export async function loadEvidence(
  db: Db,
  tenantId: string,
  alertIds: readonly string[],
): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>()
  if (alertIds.length === 0) return out
  const b = new SqlBuilder()
  const t = b.p(tenantId)
  const ids = alertIds.map((id) => b.p(id)).join(', ')
  const rows = await db.query(
    `SELECT "alertId", ${evidenceShape.columns} FROM alert_evidence WHERE "tenantId" = ${t} AND "alertId" IN (${ids}) ORDER BY "alertId", "ordinal"`,
    b.params,
  )
  for (const r of rows) {
    const id = String(r.alertId)
    let list = out.get(id)
    if (!list) out.set(id, (list = []))
    list.push(toWire(evidenceShape, r))
  }
  return out
}

/** Alert JSON in MDE order: `evidence` sits between `comments` and `domains`. */
export function alertWire(
  row: Row,
  evidence: readonly Record<string, unknown>[] = [],
): Record<string, unknown> {
  return withEvidence(toWire(alertShape, row), evidence)
}

export function withEvidence(
  wire: Record<string, unknown>,
  evidence: readonly Record<string, unknown>[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(wire)) {
    if (k === 'domains') out.evidence = evidence
    out[k] = v
  }
  if (!('evidence' in out)) out.evidence = evidence
  return out
}
