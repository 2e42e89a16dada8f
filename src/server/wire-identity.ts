import type { FastifyInstance } from 'fastify'
import { createAuthorizer } from '../identity/authorizer.js'
import { API_RESOURCES } from '../identity/resources.js'
import { ensureSystemAdmin } from '../identity/bootstrap.js'
import { registerIdentityRoutes } from '../identity/routes.js'
import { IdentityService } from '../identity/identity-service.js'
import { identityMigrations } from '../identity/migrations.js'
import type { Authorizer } from '../identity/principal.js'
import { seedDemoDirectory } from '../identity/seed-demo.js'
import type { ServerContext, ServerModule } from './app.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The MDE API's bearer authorizer (set by the identity module; used by api and hunting routes). */
    authorizer: Authorizer
    identity: IdentityService
  }
}

/** The authorizer the identity module installed on this app (throws if identity is not wired). */
export function identityAuthorizer(app: FastifyInstance): Authorizer {
  if (!app.hasDecorator('authorizer')) throw new Error('identity module is not registered')
  return app.authorizer
}

function makeService(ctx: ServerContext): IdentityService {
  return new IdentityService(ctx.db, ctx.clock, ctx.log.child({ module: 'identity' }), {
    accessTokenLifetimeSeconds: ctx.config.identity.accessTokenLifetimeSeconds,
    signingKeyRotationDays: ctx.config.identity.signingKeyRotationDays,
    deviceCodeIntervalSeconds: 5,
    publicUrl: () => ctx.publicUrl,
    tlsNames: ctx.config.tlsNames,
  })
}

export const identityModule: ServerModule = {
  name: 'identity',
  migrations: identityMigrations,
  async register(app, ctx) {
    const svc = makeService(ctx)
    app.decorate('identity', svc)
    app.decorate('authorizer', createAuthorizer(svc, { resources: API_RESOURCES }))
    await app.register((scope, _opts, done) => {
      registerIdentityRoutes(scope, svc)
      done()
    })
    // Per-instance cleanup (several servers may run in one process, e.g. in tests).
    app.addHook('onClose', async () => {
      if (sweepers.has(svc)) clearInterval(sweepers.get(svc))
      sweepers.delete(svc)
      await svc.stop()
    })
  },
  async start(ctx, app) {
    const svc = app.identity
    await svc.start()
    const admin = await ensureSystemAdmin(svc, ctx.dataDir, ctx.tls?.caFile ?? null)
    ctx.log.info({ clientId: admin.clientId }, 'admin credentials in admin-credentials.json')
    if (ctx.config.demo) {
      const demo = await seedDemoDirectory(svc, {
        seed: ctx.config.seed,
        dataDir: ctx.dataDir,
        caFile: ctx.tls?.caFile ?? null,
      })
      if (!ctx.config.quiet) {
        // Ready-to-use credentials for a local demo tenant (the same values are in the 0600 file).
        const full = demo.apps.find((a) => a.clientSecret && a.permissions.includes('Machine.Isolate'))
        const lines = [
          `Demo tenant ${demo.tenantDomain} (${demo.tenantId})`,
          `  authority:   ${demo.authority}`,
          `  API base:    ${demo.apiBaseUrl}`,
          ...demo.apps.map(
            (a) =>
              `  app ${a.name}: client id ${a.clientId}` +
              (a.clientSecret ? `, secret ${a.clientSecret}` : '') +
              ` (${a.permissions.length} permissions` +
              (a.otherApis ? `; also ${Object.keys(a.otherApis).join(', ')}` : '') +
              ')',
          ),
          ...demo.users.map(
            (u) =>
              `  user ${u.upn} / ${u.password} [${u.roles.join(', ')}]` +
              (u.enabled === false ? ' (disabled)' : ''),
          ),
          `  credentials: ${ctx.dataDir}/demo-credentials.json`,
          ...(full
            ? [
                'Try it:',
                `  curl -s${ctx.tls ? ` --cacert ${ctx.tls.caFile}` : ''} ${demo.authority}/oauth2/v2.0/token \\`,
                `    -d grant_type=client_credentials -d client_id=${full.clientId} \\`,
                `    --data-urlencode client_secret='${full.clientSecret}' \\`,
                '    -d scope=https://api.securitycenter.microsoft.com/.default',
              ]
            : []),
        ]
        process.stderr.write(lines.join('\n') + '\n')
      }
    }
    const sweeper = setInterval(() => {
      void svc.state.sweep().catch((err: unknown) => ctx.log.warn({ err }, 'token sweep failed'))
      void svc.keys.refresh(0).catch((err: unknown) => ctx.log.warn({ err }, 'key refresh failed'))
    }, 60_000)
    sweeper.unref()
    sweepers.set(svc, sweeper)
  },
}

const sweepers = new Map<IdentityService, NodeJS.Timeout>()
