import { AlertCollector, writeAlertRows, type AlertEntity } from './alerts.js'
import { DeviceDay } from './device-day.js'
import { entityRows, type EntityTableRows } from './entities.js'
import { Boots } from './noise-common.js'
import { macDay, linuxDay } from './noise-unix.js'
import { windowsDay, type UserSession } from './noise-windows.js'
import { SHARED_PROCESS_KEYS } from './process.js'
import { RowSink, type ColumnBatch, type TableShape } from './sink.js'
import { stateRows } from './state-tables.js'
import { planStories, type StoryStep } from './stories.js'
import { storyFacts } from './story-facts.js'
import { buildTenant, type DemoTenant } from './tenant.js'
import { tvmCatalogueRows, tvmDeviceRows } from './tvm.js'

export interface GenerateOptions {
  seed: number
  devices: number
  /** The product clock's now (ms); the window ends at the last full hour before it. */
  nowMs: number
  shapes: readonly TableShape[]
  batchRows?: number
}

export interface Progress {
  kind: 'progress'
  done: number
  total: number
  rows: number
}

export interface GenerateResult {
  tenant: DemoTenant
  counts: ReadonlyMap<string, number>
  alerts: AlertEntity[]
  entities: EntityTableRows[]
  stories: string[]
}

function runDay(
  dd: DeviceDay,
  steps: readonly StoryStep[],
  alerts: AlertCollector,
  facts: ReturnType<typeof storyFacts>,
): void {
  const boots = new Boots(dd)
  if (boots.states.length === 0) return
  const force = steps.some((s) => s.needsSession)
  let session: UserSession | null
  if (dd.dev.os === 'windows') session = windowsDay(dd, boots, force)
  else if (dd.dev.os === 'linux') session = linuxDay(dd, boots)
  else session = macDay(dd, boots, force)
  for (const step of steps) {
    if (step.needsSession && !session) continue
    step.run({ dd, boots, session, alerts, facts })
  }
  const loggedOn = session
    ? [{ name: session.account.name, domain: session.account.domain, sid: session.account.sid }]
    : []
  stateRows(dd, boots, loggedOn)
}

/**
 * The demo tenant as a stream of columnar batches (one hunting table each), yielded device by device
 * so memory stays bounded at any device count; progress items are interleaved. The return value holds
 * the entity rows (machines, alerts, …) and the row counts. Pure: same options → same output.
 */
export function* generateDemo(opts: GenerateOptions): Generator<ColumnBatch | Progress, GenerateResult> {
  const tenant = buildTenant(opts.seed, opts.devices, opts.nowMs)
  const facts = storyFacts(tenant)
  const steps = planStories(tenant, facts)
  const alerts = new AlertCollector(tenant)
  const queue: ColumnBatch[] = []
  const sink = new RowSink({
    tenantId: tenant.tenantId,
    shapes: opts.shapes,
    lenientKeys: SHARED_PROCESS_KEYS,
    onBatch: (b) => queue.push(b),
    ...(opts.batchRows ? { batchRows: opts.batchRows } : {}),
  })
  const total = tenant.devices.length * tenant.dayCount
  let done = 0
  let rows = 0
  for (const dev of tenant.devices) {
    for (let day = 0; day < tenant.dayCount; day++) {
      const dd = new DeviceDay(tenant, dev, day, sink)
      if (dd.dayEndMs > dd.lowMs)
        runDay(
          dd,
          steps.filter((s) => s.device.index === dev.index && s.day === day),
          alerts,
          facts,
        )
      done++
    }
    tvmDeviceRows(tenant, dev, sink)
    while (queue.length) {
      const b = queue.shift()!
      rows += b.rows
      yield b
    }
    yield { kind: 'progress', done, total, rows }
  }
  writeAlertRows(sink, alerts.alerts)
  tvmCatalogueRows(tenant, sink)
  sink.flush()
  while (queue.length) yield queue.shift()!
  const entities = entityRows(tenant, facts, alerts.alerts)
  return {
    tenant,
    counts: sink.counts,
    alerts: alerts.alerts,
    entities,
    stories: [...new Set(steps.map((s) => s.story))],
  }
}

export function isProgress(x: ColumnBatch | Progress): x is Progress {
  return (x as Progress).kind === 'progress'
}
