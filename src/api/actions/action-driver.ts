import { createHash } from 'node:crypto'
import type { Clock } from '../../core/clock.js'
import type { Logger } from '../../core/logger.js'
import type { Db, Row } from '../../store/db.js'
import type { ActionOptions } from '../api-deps.js'
import { text } from '../wire.js'

/** HRESULTs seen in real machine actions. */
export const HRESULT = { fail: -2147467259, abort: -2147467260, timeout: -2145844840 } as const

const ONLINE = new Set(['Active', 'ImpairedCommunication'])

/** Deterministic per-action draw in [0, 1): the same action fails on every node and every run. */
export function failureDraw(actionId: string): number {
  return createHash('sha256').update(actionId).digest().readUInt32BE(0) / 2 ** 32
}

interface LrCommand {
  index: number
  startTime: string | null
  endTime: string | null
  commandStatus: string
  errors: string[]
  command: unknown
}

function parseCommands(v: unknown): LrCommand[] {
  if (Array.isArray(v)) return v as LrCommand[]
  if (typeof v === 'string')
    try {
      const a = JSON.parse(v) as unknown
      return Array.isArray(a) ? (a as LrCommand[]) : []
    } catch {
      return []
    }
  return []
}

const iso = (d: Date) => d.toISOString().replace(/\.?0+Z$/, 'Z')

/**
 * The device side of machine actions until real sensors exist: simulated devices pick an action up
 * after half the configured delay (Pending → InProgress) and finish it after the other half
 * (→ Succeeded, or Failed for a deterministic `failureRate` share); devices that are offline never pick
 * it up and the action times out after `timeoutMinutes`. State lives in the store (`dueAt`), and every
 * transition is a conditional UPDATE on the current status, so several API nodes can run the driver
 * over one database and each transition happens once. Machine state (isolation, code-execution
 * restriction, offboarding) follows a Succeeded action in the same transaction.
 */
export class ActionDriver {
  #timer: NodeJS.Timeout | null = null
  #running: Promise<unknown> = Promise.resolve()

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    readonly log: Logger,
    readonly options: ActionOptions,
    /** Told about every tenant whose data a transition changed (read-cache invalidation). */
    readonly onChange: (tenantId: string) => void = () => {},
  ) {}

  get delayMs(): number {
    return (this.options.completionDelaySeconds * 1000) / 2
  }

  /** Processes every action that is due now; returns the number of transitions made. */
  async tick(): Promise<number> {
    let total = 0
    for (let round = 0; round < 10; round++) {
      const now = this.clock.now()
      const due = await this.db.query(
        `SELECT a."tenantId", a."id", a."type", a."status", a."scope", a."commands", a."creationDateTimeUtc", a."machineId",
                m."healthStatus" AS "mHealth", m."offboardedAt" AS "mOffboarded", m."sensor" AS "mSensor"
         FROM machine_actions a LEFT JOIN machines m ON m."tenantId" = a."tenantId" AND m."id" = a."machineId"
         WHERE a."status" IN ('Pending', 'InProgress') AND a."dueAt" IS NOT NULL AND a."dueAt" <= $1
         ORDER BY a."dueAt" LIMIT 200`,
        [now],
      )
      if (due.length === 0) break
      let moved = 0
      for (const row of due) if (await this.#advance(row, now)) moved++
      total += moved
      if (moved === 0) break
    }
    return total
  }

  async #advance(a: Row, now: Date): Promise<boolean> {
    const tenantId = String(a.tenantId)
    const id = String(a.id)
    const status = String(a.status)
    const created =
      a.creationDateTimeUtc instanceof Date ? a.creationDateTimeUtc : new Date(String(a.creationDateTimeUtc))
    const timeoutAt = new Date(created.getTime() + this.options.timeoutMinutes * 60_000)
    const offline =
      a.mHealth === null ||
      a.mHealth === undefined ||
      (a.mOffboarded !== null && a.mOffboarded !== undefined) ||
      !ONLINE.has(text(a.mHealth))
    const simulated = (a.mSensor ?? 'simulated') === 'simulated'
    const update = async (sets: string, params: unknown[], extra?: (tx: Db) => Promise<void>) => {
      const changed = await this.db.transaction(async (tx) => {
        const n = await tx.execute(
          `UPDATE machine_actions SET ${sets}, "lastUpdateDateTimeUtc" = $1 WHERE "tenantId" = $2 AND "id" = $3 AND "status" = $4`,
          [now, tenantId, id, status, ...(params as never[])],
        )
        if (n === 1 && extra) await extra(tx)
        return n === 1
      })
      if (changed) this.onChange(tenantId)
      return changed
    }
    if (status === 'Pending' && (offline || !simulated)) {
      if (now >= timeoutAt)
        return update(`"status" = 'TimeOut', "errorHResult" = $5, "dueAt" = NULL`, [HRESULT.timeout])
      return update(`"dueAt" = $5`, [timeoutAt])
    }
    if (status === 'Pending') {
      const commands = parseCommands(a.commands)
      if (commands[0]) commands[0].startTime = iso(now)
      return update(`"status" = 'InProgress', "dueAt" = $5, "commands" = $6`, [
        new Date(now.getTime() + this.delayMs),
        JSON.stringify(commands),
      ])
    }
    // InProgress → final.
    const failed = failureDraw(id) < this.options.failureRate
    const commands = this.#finishCommands(parseCommands(a.commands), now, failed)
    if (failed)
      return update(`"status" = 'Failed', "errorHResult" = $5, "dueAt" = NULL, "commands" = $6`, [
        HRESULT.fail,
        JSON.stringify(commands),
      ])
    return update(
      `"status" = 'Succeeded', "errorHResult" = 0, "dueAt" = NULL, "commands" = $5`,
      [JSON.stringify(commands)],
      (tx) =>
        this.#applyToMachine(
          tx,
          tenantId,
          String(a.machineId),
          String(a.type),
          a.scope === null ? null : text(a.scope),
          now,
        ),
    )
  }

  #finishCommands(commands: LrCommand[], now: Date, failed: boolean): LrCommand[] {
    const step = commands.length ? this.delayMs / commands.length : 0
    let t = now.getTime() - this.delayMs
    commands.forEach((c, i) => {
      const failHere = failed && i === 0
      const skipped = failed && i > 0
      if (skipped) return
      c.startTime = c.startTime ?? iso(new Date(t))
      t += step
      c.endTime = iso(new Date(t))
      c.commandStatus = failHere ? 'Failed' : 'Completed'
      if (failHere) c.errors = ['The command failed on the device (simulated failure).']
    })
    return commands
  }

  async #applyToMachine(
    tx: Db,
    tenantId: string,
    machineId: string,
    type: string,
    scope: string | null,
    now: Date,
  ): Promise<void> {
    const set = (sql: string, params: unknown[] = []) =>
      tx.execute(`UPDATE machines SET ${sql} WHERE "tenantId" = $1 AND "id" = $2`, [
        tenantId,
        machineId,
        ...(params as never[]),
      ])
    switch (type) {
      case 'Isolate':
        await set(`"isolationState" = $3`, [scope === 'Selective' ? 'Selective' : 'Full'])
        break
      case 'Unisolate':
        await set(`"isolationState" = NULL`)
        break
      case 'RestrictCodeExecution':
        await set(`"codeExecutionRestricted" = TRUE`)
        break
      case 'UnrestrictCodeExecution':
        await set(`"codeExecutionRestricted" = FALSE`)
        break
      case 'Offboard':
        await set(`"offboardedAt" = $3, "healthStatus" = 'Inactive'`, [now])
        break
      default:
        break
    }
  }

  /** Runs `tick` every `intervalMs` (real time) until `stop`. */
  start(intervalMs = 1000): void {
    if (this.#timer) return
    const loop = () => {
      this.#running = this.tick()
        .catch((err: unknown) => this.log.error({ err }, 'machine action driver tick failed'))
        .finally(() => {
          if (this.#timer) this.#timer = setTimeout(loop, intervalMs).unref()
        })
    }
    this.#timer = setTimeout(loop, intervalMs).unref()
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    await this.#running
  }
}
