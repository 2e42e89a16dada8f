import { apiAuditEventEntity } from '../../schema/entities/mde.js'
import { sendList } from '../entity-query.js'
import { models } from '../models.js'
import { perms } from '../permissions.js'
import type { RouteSpec } from '../route.js'

/** Bulwark extension: the tenant's API audit trail, for administrators (OData like any list). */
export const auditRoutes: RouteSpec[] = [
  {
    method: 'GET',
    url: '/auditEvents',
    operation: 'auditEvents.list',
    cache: false,
    requirement: perms.auditRead,
    handler: (c) =>
      sendList(c, {
        entity: apiAuditEventEntity,
        model: models.auditEvents,
        context: 'AuditEvents',
        defaultOrder: [{ column: 'time', desc: true }],
      }),
  },
]
