import { entityModel } from '../odata/index.js'
import {
  alertEntity,
  apiAuditEventEntity,
  indicatorEntity,
  investigationEntity,
  libraryFileEntity,
  machineActionEntity,
  machineEntity,
  machineVulnerabilityEntity,
  recommendationEntity,
  softwareEntity,
  vulnerabilityEntity,
} from '../schema/entities/mde.js'

/** OData models of the MDE entity sets (filterable/sortable properties come from the catalogue). */
export const models = {
  alerts: entityModel(alertEntity, {
    expandable: ['evidence'],
    // The list page misspells assignedTo as asssignedTo (mde-api.md §6.1 #30).
    aliases: { asssignedTo: 'assignedTo' },
  }),
  machines: entityModel(machineEntity),
  machineActions: entityModel(machineActionEntity, {
    aliases: { lastUpdateTimeUtc: 'lastUpdateDateTimeUtc' },
  }),
  indicators: entityModel(indicatorEntity, {
    aliases: { createdBySource: 'source', externalID: 'externalId' },
  }),
  investigations: entityModel(investigationEntity),
  libraryFiles: entityModel(libraryFileEntity),
  software: entityModel(softwareEntity),
  vulnerabilities: entityModel(vulnerabilityEntity, {
    maxTop: 8000,
    aliases: { CveSupportability: 'cveSupportability', EPSS: 'epss' },
  }),
  machineVulnerabilities: entityModel(machineVulnerabilityEntity),
  recommendations: entityModel(recommendationEntity),
  auditEvents: entityModel(apiAuditEventEntity),
} as const
