import { httpFetcher } from '../api/hunting/external-data.js'
import { HuntingQuota } from '../api/hunting/hunting-quota.js'
import { registerHuntingRoutes } from '../api/hunting/hunting-routes.js'
import { HuntingEngine, pgHelperFunctionsSql } from '../hunting/index.js'
import type { ServerModule } from './app.js'

/**
 * Advanced hunting: the three query routes (MDE, Defender XDR, Graph) and the KQL front end, loaded and
 * warmed in `start` so /readyz only turns 200 once the first query will not pay the ~2 s warm-up.
 */
export const huntingModule: ServerModule = {
  name: 'hunting',
  migrations: [
    {
      id: '0400-hunting-sql-helpers',
      repeatable: true,
      sql: { duckdb: 'SELECT 1', postgres: pgHelperFunctionsSql },
    },
  ],
  async register(app, ctx) {
    const h = ctx.config.hunting
    const quota = new HuntingQuota(
      ctx.db,
      ctx.clock,
      { cpuSecondsPerHour: h.cpuSecondsPerHour, cpuSecondsPerDay: h.cpuSecondsPerDay },
      {
        onError: (err) => ctx.log.error({ err }, 'hunting: writing CPU quota charges failed (kept, retried)'),
      },
    )
    const external = {
      allowList: h.externalDataAllowList,
      maxBytes: 10 * 1024 * 1024,
      timeoutMs: 20_000,
      maxRows: 1_000_000,
    }
    // Charges written after their answers land before the store closes (app.close runs before db.close).
    app.addHook('onClose', () => quota.settled())
    await registerHuntingRoutes(app, app.mdeApi, {
      db: ctx.db,
      clock: ctx.clock,
      engine: HuntingEngine.shared(),
      limits: {
        rowLimit: h.rowLimit,
        timeoutMs: h.timeoutSeconds * 1000,
        resultBytesLimit: h.resultBytesLimit,
      },
      external,
      fetcher: httpFetcher(external),
      quota,
      lookbackDays: 30,
    })
  },
  start(ctx) {
    const t0 = performance.now()
    HuntingEngine.shared().warmUp()
    ctx.log.info({ ms: Math.round(performance.now() - t0) }, 'hunting: KQL front end warmed up')
    return Promise.resolve()
  },
}
