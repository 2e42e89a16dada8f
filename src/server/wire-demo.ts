import { ensureDemo } from '../demo/loader.js'
import { demoMigrations } from '../demo/migrations.js'
import type { ServerModule } from './app.js'

/**
 * The demo module: with `demo: true`, makes sure the deterministic demo tenant (seed, devices) is fully
 * loaded before /readyz turns 200 — a no-op on restart when it is already complete. Runs last, after
 * identity has seeded the directory and written demo-credentials.json.
 */
export const demoModule: ServerModule = {
  name: 'demo',
  migrations: demoMigrations,
  async start(ctx) {
    if (!ctx.config.demo) return
    await ensureDemo(ctx.db, {
      seed: ctx.config.seed,
      devices: ctx.config.devices,
      clock: ctx.clock,
      log: ctx.log.child({ module: 'demo' }),
    })
  },
}
