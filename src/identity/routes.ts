import type { FastifyInstance } from 'fastify'
import { registerAdminApi } from './admin-api.js'
import { registerBrowserRoutes } from './browser-routes.js'
import type { IdentityService } from './identity-service.js'
import { registerProtocolRoutes } from './protocol-routes.js'

/** Every identity route (protocol endpoints, browser pages, admin API), in one encapsulated scope. */
export function registerIdentityRoutes(app: FastifyInstance, svc: IdentityService): void {
  registerProtocolRoutes(app, svc)
  registerBrowserRoutes(app, svc)
  registerAdminApi(app, svc)
}
