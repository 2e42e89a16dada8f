import { MdeApi } from '../api/mde-api.js'
import { rateLimitProfile } from '../api/rate-limit.js'
import type { ServerModule } from './app.js'
import { identityAuthorizer } from './wire-identity.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The MDE resource API (set by the api module; the hunting module registers its routes through it). */
    mdeApi: MdeApi
  }
}

const timers = new WeakMap<MdeApi, NodeJS.Timeout>()

/** The MDE resource API: routes under /api and /api/v1.0, and the machine-action driver. */
export const apiModule: ServerModule = {
  name: 'api',
  async register(app, ctx) {
    const api = new MdeApi({
      db: ctx.db,
      clock: ctx.clock,
      log: ctx.log.child({ module: 'api' }),
      authorizer: identityAuthorizer(app),
      rateLimits: rateLimitProfile(ctx.config.rateLimits),
      options: { actions: ctx.config.actions, readCacheMs: ctx.config.api.readCacheSeconds * 1000 },
    })
    app.decorate('mdeApi', api)
    await api.register(app)
    app.addHook('onClose', async () => {
      const t = timers.get(api)
      if (t) clearInterval(t)
      await api.driver.stop()
    })
  },
  start(ctx, app) {
    const api = app.mdeApi
    api.driver.start(1000)
    const sweep = setInterval(() => {
      void api.deps.rateLimiter
        .sweep()
        .catch((err: unknown) => ctx.log.warn({ err }, 'rate-limit sweep failed'))
    }, 60_000)
    sweep.unref()
    timers.set(api, sweep)
    return Promise.resolve()
  },
}
