import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { Principal } from '../identity/principal.js'
import type { Db } from '../store/db.js'
import { callerName } from './auth.js'

export interface ApiAuditInput {
  principal: Principal
  operation: string
  targetType: string
  targetId: string | null
  result: number
  correlationId: string
  details?: Record<string, unknown> | null
}

/** Writes one `api_audit_events` row per mutating MDE API call (who, what, target, result, correlation id). */
export class ApiAuditLog {
  constructor(
    readonly db: Db,
    readonly clock: Clock,
  ) {}

  async record(e: ApiAuditInput): Promise<void> {
    await this.db.execute(
      `INSERT INTO api_audit_events ("tenantId", "id", "time", "actor", "actorKind", "appId", "operation", "targetType", "targetId", "result", "correlationId", "details")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        e.principal.tenantId,
        randomUUID(),
        this.clock.now(),
        callerName(e.principal),
        e.principal.kind,
        e.principal.appId,
        e.operation,
        e.targetType,
        e.targetId,
        e.result,
        e.correlationId,
        e.details ? JSON.stringify(e.details) : null,
      ],
    )
  }
}
