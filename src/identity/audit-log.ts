import { randomUUID } from 'node:crypto'
import type { Clock } from '../core/clock.js'
import type { Logger } from '../core/logger.js'
import type { Db } from '../store/db.js'

export type AuditKind =
  'signIn' | 'tokenIssued' | 'tokenFailed' | 'consent' | 'signOut' | 'directoryChange' | 'adminAccess'

export interface AuditEvent {
  tenantId: string | null
  kind: AuditKind
  outcome: 'success' | 'failure'
  /** Who acted: client id, user id or admin app id. Never a secret. */
  actor?: string | null
  /** What was acted on (user id, app id, `resource`, …). */
  target?: string | null
  /** AADSTS code or operation name. */
  code?: string | null
  correlationId?: string | null
  ip?: string | null
  details?: Record<string, unknown>
}

export interface StoredAuditEvent extends AuditEvent {
  id: string
  at: number
}

const COLS = '"id","tenantId","at","kind","outcome","actor","target","code","correlationId","ip","details"'
const DUCK_SHAPE = JSON.stringify([
  {
    id: 'VARCHAR',
    tenantId: 'VARCHAR',
    at: 'BIGINT',
    kind: 'VARCHAR',
    outcome: 'VARCHAR',
    actor: 'VARCHAR',
    target: 'VARCHAR',
    code: 'VARCHAR',
    correlationId: 'VARCHAR',
    ip: 'VARCHAR',
    details: 'VARCHAR',
  },
])

/**
 * Append-only audit trail. Writes are buffered and flushed in one multi-row INSERT every `flushMs`
 * (or at 200 events, and on stop), so recording an event never costs a database round trip on the
 * token hot path. `list` flushes first, so readers always see their own writes.
 */
export class AuditLog {
  #buffer: StoredAuditEvent[] = []
  #timer: NodeJS.Timeout | null = null
  #flushing: Promise<void> = Promise.resolve()

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly log: Logger,
    readonly flushMs = 250,
  ) {}

  record(e: AuditEvent): void {
    this.#buffer.push({ ...e, id: randomUUID(), at: this.clock.nowMs() })
    if (this.#buffer.length >= 200) void this.flush()
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.flushMs)
      this.#timer.unref()
    }
  }

  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#buffer
    this.#buffer = []
    if (!batch.length) return this.#flushing
    this.#flushing = this.#flushing.then(() => this.#write(batch))
    return this.#flushing
  }

  /** One statement, one parameter: the batch as a JSON array, unpacked by the engine. */
  async #write(batch: StoredAuditEvent[]): Promise<void> {
    const rows = batch.map((e) => ({
      id: e.id,
      tenantId: e.tenantId,
      at: e.at,
      kind: e.kind,
      outcome: e.outcome,
      actor: e.actor ?? null,
      target: e.target ?? null,
      code: e.code ?? null,
      correlationId: e.correlationId ?? null,
      ip: e.ip ?? null,
      details: e.details ? JSON.stringify(e.details) : null,
    }))
    const sql =
      this.db.dialect === 'postgres'
        ? `INSERT INTO idp_audit_events (${COLS}) SELECT ${COLS} FROM json_populate_recordset(NULL::idp_audit_events, $1::json)`
        : `INSERT INTO idp_audit_events (${COLS}) SELECT ${COLS.split(',')
            .map((c) => `e.${c}`)
            .join(',')} FROM (SELECT unnest(from_json($1, '${DUCK_SHAPE}')) AS e)`
    try {
      await this.db.execute(sql, [JSON.stringify(rows)])
    } catch (err) {
      this.log.error({ err, events: batch.length }, 'audit write failed')
    }
  }

  async list(q: {
    tenantId?: string
    kind?: string
    since?: number
    limit?: number
  }): Promise<StoredAuditEvent[]> {
    await this.flush()
    const where: string[] = []
    const params: (string | number)[] = []
    if (q.tenantId) where.push(`"tenantId" = $${params.push(q.tenantId)}`)
    if (q.kind) where.push(`"kind" = $${params.push(q.kind)}`)
    if (q.since !== undefined) where.push(`"at" >= $${params.push(q.since)}`)
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000)
    const rows = await this.db.query(
      `SELECT * FROM idp_audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY "at" DESC, "id" LIMIT ${limit}`,
      params,
    )
    const o = (v: unknown): string | null => (typeof v === 'string' ? v : null)
    return rows.map((r) => ({
      id: String(r.id as string),
      tenantId: o(r.tenantId),
      at: Number(r.at),
      kind: String(r.kind) as AuditKind,
      outcome: String(r.outcome) as 'success' | 'failure',
      actor: o(r.actor),
      target: o(r.target),
      code: o(r.code),
      correlationId: o(r.correlationId),
      ip: o(r.ip),
      ...(typeof r.details === 'string' ? { details: JSON.parse(r.details) as Record<string, unknown> } : {}),
    }))
  }
}
