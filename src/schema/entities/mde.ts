import { defineEntity, type EntityDef, type FieldDef, type ODataOperator } from '../catalogue-types.js'

/**
 * MDE resource entities (Alert, Machine, MachineAction, Indicator, …). Owned by the API work.
 *
 * Field keys are the wire names and the column names; the declaration order of the non-internal fields is
 * the order MDE serialises them in (mde-api.md §4). Every row carries an internal `tenantId`. `$filter`
 * operator sets follow the documented filterable properties per entity (mde-api.md §3); properties not
 * documented as filterable carry no `filter`.
 */

const STR: readonly ODataOperator[] = ['eq', 'ne', 'in', 'startswith']
const ENUM: readonly ODataOperator[] = ['eq', 'ne', 'in']
const CMP: readonly ODataOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'in']
const ANY: readonly ODataOperator[] = ['any']

const tenantId: FieldDef = { type: 'guid', internal: true, description: 'Owning tenant' }
const str = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'string', ...extra })
const nstr = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'string', nullable: true, ...extra })
const dt = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'datetime', ...extra })
const ndt = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'datetime', nullable: true, ...extra })
const en = (values: readonly string[], extra: Partial<FieldDef> = {}): FieldDef => ({
  type: 'enum',
  values,
  ...extra,
})

export const ALERT_SEVERITIES = ['UnSpecified', 'Informational', 'Low', 'Medium', 'High'] as const
export const ALERT_STATUSES = ['Unknown', 'New', 'InProgress', 'Resolved'] as const
export const ALERT_CLASSIFICATIONS = [
  'TruePositive',
  'InformationalExpectedActivity',
  'FalsePositive',
] as const
export const ALERT_DETERMINATIONS = [
  'MultiStagedAttack',
  'MaliciousUserActivity',
  'CompromisedUser',
  'Malware',
  'Phishing',
  'UnwantedSoftware',
  'Other',
  'SecurityTesting',
  'LineOfBusinessApplication',
  'ConfirmedUserActivity',
  'Clean',
  'InsufficientData',
] as const
export const INVESTIGATION_STATES = [
  'Unknown',
  'Terminated',
  'SuccessfullyRemediated',
  'Benign',
  'Failed',
  'PartiallyRemediated',
  'Running',
  'PendingApproval',
  'PendingResource',
  'PartiallyInvestigated',
  'TerminatedByUser',
  'TerminatedBySystem',
  'Queued',
  'InnerFailure',
  'PreexistingAlert',
  'UnsupportedOs',
  'UnsupportedAlertType',
  'SuppressedAlert',
] as const
export const HEALTH_STATUSES = [
  'Active',
  'Inactive',
  'ImpairedCommunication',
  'NoSensorData',
  'NoSensorDataImpairedCommunication',
  'Unknown',
] as const
export const DEVICE_VALUES = ['Normal', 'Low', 'High'] as const
export const RISK_SCORES = ['None', 'Informational', 'Low', 'Medium', 'High'] as const
export const EXPOSURE_LEVELS = ['None', 'Low', 'Medium', 'High'] as const
export const ONBOARDING_STATUSES = ['Onboarded', 'CanBeOnboarded', 'Unsupported', 'InsufficientInfo'] as const
export const MACHINE_ACTION_TYPES = [
  'RunAntiVirusScan',
  'Offboard',
  'LiveResponse',
  'CollectInvestigationPackage',
  'Isolate',
  'Unisolate',
  'StopAndQuarantineFile',
  'RestrictCodeExecution',
  'UnrestrictCodeExecution',
] as const
export const MACHINE_ACTION_STATUSES = [
  'Pending',
  'InProgress',
  'Succeeded',
  'Failed',
  'TimeOut',
  'Cancelled',
] as const
export const INDICATOR_TYPES = [
  'FileSha1',
  'FileSha256',
  'FileMd5',
  'CertificateThumbprint',
  'IpAddress',
  'DomainName',
  'Url',
] as const
export const INDICATOR_ACTIONS = [
  'Warn',
  'Block',
  'Audit',
  'Alert',
  'AlertAndBlock',
  'BlockAndRemediate',
  'Allowed',
] as const
export const INDICATOR_SEVERITIES = ['Informational', 'Low', 'Medium', 'High'] as const

export const alertEntity = defineEntity({
  name: 'Alert',
  table: 'alerts',
  entitySet: 'Alerts',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    incidentId: { type: 'long', nullable: true, filter: CMP, sortable: true },
    investigationId: { type: 'long', nullable: true, filter: CMP, sortable: true },
    assignedTo: nstr({ filter: STR, sortable: true }),
    severity: en(ALERT_SEVERITIES, { filter: ENUM, sortable: true }),
    status: en(ALERT_STATUSES, { filter: ENUM, sortable: true }),
    classification: en(ALERT_CLASSIFICATIONS, { nullable: true, sortable: true }),
    determination: en(ALERT_DETERMINATIONS, { nullable: true, sortable: true }),
    investigationState: en(INVESTIGATION_STATES, { nullable: true, sortable: true }),
    detectionSource: str({ filter: STR, sortable: true }),
    detectorId: nstr(),
    category: str({ filter: STR, sortable: true }),
    threatFamilyName: nstr(),
    title: str({ sortable: true }),
    description: str(),
    alertCreationTime: ndt({ filter: CMP, sortable: true }),
    firstEventTime: ndt({ sortable: true }),
    lastEventTime: ndt({ filter: CMP, sortable: true }),
    lastUpdateTime: ndt({ filter: CMP, sortable: true }),
    resolvedTime: ndt({ sortable: true }),
    machineId: nstr({ sortable: true }),
    computerDnsName: nstr({ sortable: true }),
    rbacGroupName: nstr(),
    aadTenantId: str(),
    threatName: nstr(),
    mitreTechniques: { type: 'string[]', default: "'[]'" },
    /** `{userName, domainName}` or null. */
    relatedUser: { type: 'json', nullable: true },
    /** `[{accountName, domainName}]`. */
    loggedOnUsers: { type: 'json', default: "'[]'" },
    /** `[{comment, createdBy, createdTime}]`, oldest first. */
    comments: { type: 'json', default: "'[]'" },
    /** `[{host}]`. */
    domains: { type: 'json', default: "'[]'" },
  },
  indexes: [
    ['tenantId', 'lastUpdateTime'],
    ['tenantId', 'machineId'],
  ],
  description: 'An MDE alert; evidence lives in alert_evidence.',
})

export const alertEvidenceEntity = defineEntity({
  name: 'AlertEvidence',
  table: 'alert_evidence',
  key: ['tenantId', 'alertId', 'ordinal'],
  fields: {
    tenantId,
    alertId: str({ internal: true }),
    ordinal: { type: 'int', internal: true, description: 'Position in the alert evidence list' },
    entityType: str(),
    evidenceCreationTime: dt(),
    sha1: nstr(),
    sha256: nstr(),
    fileName: nstr(),
    filePath: nstr(),
    processId: { type: 'long', nullable: true },
    processCommandLine: nstr(),
    processCreationTime: ndt(),
    parentProcessId: { type: 'long', nullable: true },
    parentProcessCreationTime: ndt(),
    parentProcessFileName: nstr(),
    parentProcessFilePath: nstr(),
    ipAddress: nstr(),
    url: nstr(),
    registryKey: nstr(),
    registryHive: nstr(),
    registryValueType: nstr(),
    registryValue: nstr(),
    accountName: nstr(),
    domainName: nstr(),
    userSid: nstr(),
    aadUserId: nstr(),
    userPrincipalName: nstr(),
    detectionStatus: nstr(),
  },
  indexes: [
    ['tenantId', 'sha1'],
    ['tenantId', 'ipAddress'],
  ],
})

export const machineEntity = defineEntity({
  name: 'Machine',
  table: 'machines',
  entitySet: 'Machines',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    mergedIntoMachineId: nstr(),
    isPotentialDuplication: { type: 'bool', default: 'false' },
    isExcluded: { type: 'bool', default: 'false' },
    exclusionReason: nstr(),
    computerDnsName: str({ filter: STR, sortable: true }),
    firstSeen: dt({ sortable: true }),
    lastSeen: dt({ filter: CMP, sortable: true }),
    osPlatform: str({ filter: STR, sortable: true }),
    osVersion: nstr(),
    osProcessor: nstr(),
    version: nstr({ filter: STR, sortable: true }),
    lastIpAddress: nstr({ filter: STR, sortable: true }),
    lastExternalIpAddress: nstr(),
    agentVersion: nstr(),
    osBuild: { type: 'long', nullable: true, sortable: true },
    healthStatus: en(HEALTH_STATUSES, { filter: ENUM, sortable: true }),
    deviceValue: en(DEVICE_VALUES, { nullable: true, filter: ENUM, sortable: true }),
    rbacGroupId: { type: 'long', default: '0', filter: CMP, sortable: true },
    rbacGroupName: nstr(),
    riskScore: en(RISK_SCORES, { nullable: true, filter: ENUM, sortable: true }),
    exposureLevel: en(EXPOSURE_LEVELS, { nullable: true, filter: ENUM, sortable: true }),
    isAadJoined: { type: 'bool', default: 'false' },
    aadDeviceId: nstr({ filter: STR }),
    machineTags: { type: 'string[]', default: "'[]'", filter: ANY },
    defenderAvStatus: nstr(),
    onboardingStatus: en(ONBOARDING_STATUSES, { filter: ENUM, sortable: true }),
    osArchitecture: nstr(),
    managedBy: nstr(),
    managedByStatus: nstr(),
    /** `[{ipAddress, macAddress, type, operationalStatus}]`. */
    ipAddresses: { type: 'json', default: "'[]'" },
    /** `{vmId, cloudProvider, resourceId, subscriptionId}` or null. */
    vmMetadata: { type: 'json', nullable: true },
    /** Device-side state driven by machine actions (not on the MDE wire). */
    isolationState: {
      type: 'string',
      nullable: true,
      internal: true,
      description: 'Full | Selective | null',
    },
    codeExecutionRestricted: { type: 'bool', internal: true, default: 'false' },
    offboardedAt: { type: 'datetime', nullable: true, internal: true },
    /** Which device-side driver completes this machine's actions: `simulated` (demo) until sensors exist. */
    sensor: { type: 'string', internal: true, default: "'simulated'" },
  },
  indexes: [
    ['tenantId', 'computerDnsName'],
    ['tenantId', 'rbacGroupId'],
    ['tenantId', 'aadDeviceId'],
  ],
})

export const machineActionEntity = defineEntity({
  name: 'MachineAction',
  table: 'machine_actions',
  entitySet: 'MachineActions',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: { type: 'guid', filter: STR, sortable: true },
    type: en(MACHINE_ACTION_TYPES, { filter: ENUM, sortable: true }),
    title: nstr(),
    requestor: str({ filter: STR, sortable: true }),
    requestorComment: nstr(),
    status: en(MACHINE_ACTION_STATUSES, { filter: ENUM, sortable: true }),
    machineId: str({ filter: STR, sortable: true }),
    computerDnsName: nstr(),
    creationDateTimeUtc: dt({ filter: CMP, sortable: true }),
    lastUpdateDateTimeUtc: dt({ sortable: true }),
    cancellationRequestor: nstr(),
    cancellationComment: nstr(),
    cancellationDateTimeUtc: ndt(),
    errorHResult: { type: 'long', default: '0' },
    scope: nstr(),
    externalId: nstr(),
    requestSource: str(),
    /** `{fileIdentifier, fileIdentifierType}` or null. */
    relatedFileInfo: { type: 'json', nullable: true },
    /** Live response: `[{index, startTime, endTime, commandStatus, errors, command:{type, params}}]`. */
    commands: { type: 'json', default: "'[]'" },
    troubleshootInfo: { type: 'json', nullable: true },
    /** Client application that requested the action. */
    requestorAppId: { type: 'string', nullable: true, internal: true },
    /** When the device-side driver next moves this action (null = final). */
    dueAt: { type: 'datetime', nullable: true, internal: true },
  },
  indexes: [
    ['tenantId', 'machineId'],
    ['status', 'dueAt'],
  ],
})

export const indicatorEntity = defineEntity({
  name: 'Indicator',
  table: 'indicators',
  entitySet: 'Indicators',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    indicatorValue: str({ filter: STR, sortable: true }),
    indicatorType: en(INDICATOR_TYPES, { filter: ENUM, sortable: true }),
    action: en(INDICATOR_ACTIONS, { filter: ENUM, sortable: true }),
    application: nstr({ filter: STR, sortable: true }),
    source: str({ filter: STR, sortable: true }),
    sourceType: en(['User', 'AadApp'] as const),
    createdBy: str({ filter: STR, sortable: true }),
    createdByDisplayName: nstr({ filter: STR, sortable: true }),
    severity: en(INDICATOR_SEVERITIES, { filter: ENUM, sortable: true }),
    title: str({ filter: STR, sortable: true }),
    description: str(),
    recommendedActions: nstr(),
    creationTimeDateTimeUtc: dt({ filter: CMP, sortable: true }),
    expirationTime: ndt({ filter: CMP, sortable: true }),
    lastUpdateTime: dt({ sortable: true }),
    lastUpdatedBy: nstr(),
    rbacGroupNames: { type: 'string[]', default: "'[]'", filter: ANY },
    rbacGroupIds: { type: 'string[]', default: "'[]'", filter: ANY },
    generateAlert: { type: 'bool', default: 'false', filter: ['eq', 'ne'] },
    externalId: nstr(),
    /** Client application that created the indicator (Ti.ReadWrite scoping). */
    createdByAppId: { type: 'string', internal: true },
    educateUrl: { type: 'string', nullable: true, internal: true },
  },
  indexes: [['tenantId', 'indicatorType', 'indicatorValue']],
})

export const investigationEntity = defineEntity({
  name: 'Investigation',
  table: 'investigations',
  entitySet: 'Investigations',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    startTime: ndt({ filter: CMP, sortable: true }),
    endTime: ndt({ sortable: true }),
    state: en(INVESTIGATION_STATES, { filter: ENUM, sortable: true }),
    cancelledBy: nstr(),
    statusDetails: nstr(),
    machineId: str({ filter: STR, sortable: true }),
    computerDnsName: nstr(),
    triggeringAlertId: nstr({ filter: STR, sortable: true }),
  },
})

export const libraryFileEntity = defineEntity({
  name: 'LibraryFile',
  table: 'library_files',
  entitySet: 'LibraryFiles',
  key: ['tenantId', 'fileName'],
  fields: {
    tenantId,
    fileName: str({ filter: STR, sortable: true }),
    sha256: str(),
    description: nstr(),
    creationTime: dt({ sortable: true }),
    lastUpdatedTime: dt({ sortable: true }),
    createdBy: str(),
    hasParameters: { type: 'bool', default: 'false' },
    parametersDescription: nstr(),
    /** File content, base64. */
    content: { type: 'string', internal: true },
  },
})

export const fileEntity = defineEntity({
  name: 'File',
  table: 'files',
  entitySet: 'Files',
  key: ['tenantId', 'sha1'],
  fields: {
    tenantId,
    sha1: str(),
    sha256: nstr(),
    md5: nstr(),
    globalPrevalence: { type: 'long', nullable: true },
    globalFirstObserved: ndt(),
    globalLastObserved: ndt(),
    size: { type: 'long', nullable: true },
    fileType: nstr(),
    isPeFile: { type: 'bool', default: 'false' },
    filePublisher: nstr(),
    fileProductName: nstr(),
    signer: nstr(),
    issuer: nstr(),
    signerHash: nstr(),
    isValidCertificate: { type: 'bool', nullable: true },
    determinationType: str({ default: "'Unknown'" }),
    determinationValue: nstr(),
  },
  indexes: [['tenantId', 'sha256']],
})

/** A user account seen on the tenant's devices (`/api/alerts/{id}/user`, `/api/machines/{id}/logonusers`). */
export const mdeUserEntity = defineEntity({
  name: 'User',
  table: 'mde_users',
  entitySet: 'Users',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    /** `domain\\account`. */
    id: str(),
    accountName: str(),
    accountDomain: str(),
    accountSid: nstr(),
    firstSeen: ndt(),
    lastSeen: ndt(),
    mostPrevalentMachineId: nstr(),
    leastPrevalentMachineId: nstr(),
    logonTypes: nstr(),
    logOnMachinesCount: { type: 'int', default: '0' },
    isDomainAdmin: { type: 'bool', default: 'false' },
    isOnlyNetworkUser: { type: 'bool', default: 'false' },
  },
  indexes: [['tenantId', 'accountName']],
})

/** Which users logged on to which machine (per-machine facts for `logonusers`). */
export const machineLogonEntity = defineEntity({
  name: 'MachineLogon',
  table: 'machine_logons',
  key: ['tenantId', 'machineId', 'userId'],
  fields: {
    tenantId,
    machineId: str(),
    /** mde_users.id */
    userId: str(),
    firstSeen: ndt(),
    lastSeen: ndt(),
    logonTypes: nstr(),
  },
})

/**
 * One device's contact with a file, IP or domain: the basis of the files/IPs/domains `…/machines` and
 * `…/stats` routes (organizationPrevalence = distinct machines).
 */
export const observationEntity = defineEntity({
  name: 'Observation',
  table: 'observations',
  key: ['tenantId', 'kind', 'value', 'machineId'],
  fields: {
    tenantId,
    kind: en(['File', 'Ip', 'Domain'] as const),
    /** sha1 (files), IP text, or lower-case host name. */
    value: str(),
    machineId: str(),
    firstSeen: dt(),
    lastSeen: dt(),
    /** Files: the file name seen on this machine. */
    fileName: nstr(),
  },
})

export const softwareEntity = defineEntity({
  name: 'Software',
  table: 'software',
  entitySet: 'Software',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    name: str({ filter: STR, sortable: true }),
    vendor: str({ filter: STR, sortable: true }),
    weaknesses: { type: 'long', default: '0' },
    publicExploit: { type: 'bool', default: 'false' },
    activeAlert: { type: 'bool', default: 'false' },
    exposedMachines: { type: 'long', default: '0' },
    impactScore: { type: 'double', default: '0' },
  },
})

export const vulnerabilityEntity = defineEntity({
  name: 'Vulnerability',
  table: 'vulnerabilities',
  entitySet: 'Vulnerabilities',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    name: str({ filter: STR, sortable: true }),
    description: str({ filter: STR }),
    severity: en(['Low', 'Medium', 'High', 'Critical'] as const, { filter: ENUM, sortable: true }),
    cvssV3: { type: 'double', nullable: true, filter: CMP, sortable: true },
    cvssVector: nstr(),
    exposedMachines: { type: 'long', default: '0' },
    publishedOn: dt({ filter: CMP, sortable: true }),
    updatedOn: dt({ filter: CMP, sortable: true }),
    publicExploit: { type: 'bool', default: 'false' },
    exploitVerified: { type: 'bool', default: 'false' },
    exploitInKit: { type: 'bool', default: 'false' },
    exploitTypes: { type: 'string[]', default: "'[]'" },
    exploitUris: { type: 'string[]', default: "'[]'" },
    cveSupportability: nstr(),
    epss: { type: 'double', nullable: true },
  },
})

export const recommendationEntity = defineEntity({
  name: 'Recommendation',
  table: 'recommendations',
  entitySet: 'Recommendations',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR, sortable: true }),
    productName: nstr({ filter: STR, sortable: true }),
    recommendationName: str(),
    weaknesses: { type: 'long', default: '0' },
    vendor: nstr({ filter: STR, sortable: true }),
    recommendedVersion: str({ default: "''", filter: STR }),
    recommendedProgram: nstr({ filter: STR }),
    recommendedVendor: nstr({ filter: STR }),
    recommendationCategory: str({ filter: STR, sortable: true }),
    subCategory: str({ default: "''", filter: STR }),
    severityScore: { type: 'double', default: '0', filter: CMP, sortable: true },
    publicExploit: { type: 'bool', default: 'false' },
    activeAlert: { type: 'bool', default: 'false' },
    associatedThreats: { type: 'string[]', default: "'[]'" },
    remediationType: str({ filter: STR }),
    status: en(['Active', 'Exception'] as const, { filter: ENUM }),
    configScoreImpact: { type: 'double', default: '0' },
    exposureImpact: { type: 'double', default: '0' },
    totalMachineCount: { type: 'long', default: '0' },
    exposedMachinesCount: { type: 'long', default: '0' },
    nonProductivityImpactedAssets: { type: 'long', default: '0' },
    relatedComponent: str({ default: "''" }),
    exposedCriticalDevices: { type: 'long', default: '0' },
  },
})

/** Software installed on a machine (`/api/machines/{id}/software`). */
export const machineSoftwareEntity = defineEntity({
  name: 'MachineSoftware',
  table: 'machine_software',
  key: ['tenantId', 'machineId', 'softwareId'],
  fields: { tenantId, machineId: str(), softwareId: str() },
})

/** A vulnerability on a machine (AssetVulnerability, `/api/vulnerabilities/machinesVulnerabilities`). */
export const machineVulnerabilityEntity = defineEntity({
  name: 'MachineVulnerability',
  table: 'machine_vulnerabilities',
  entitySet: 'MachineVulnerabilities',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: str({ filter: STR }),
    cveId: str({ filter: STR }),
    machineId: str({ filter: STR }),
    fixingKbId: nstr({ filter: STR }),
    productName: str({ filter: STR }),
    productVendor: str({ filter: STR }),
    productVersion: str({ filter: STR }),
    severity: str({ filter: STR }),
  },
  indexes: [['tenantId', 'machineId']],
})

/** A security recommendation applying to a machine (`/api/machines/{id}/recommendations`). */
export const machineRecommendationEntity = defineEntity({
  name: 'MachineRecommendation',
  table: 'machine_recommendations',
  key: ['tenantId', 'machineId', 'recommendationId'],
  fields: { tenantId, machineId: str(), recommendationId: str() },
})

/** Per-tenant API state: counters (numeric ids) and secrets (download-link signing), shared by all nodes. */
export const apiStateEntity = defineEntity({
  name: 'ApiState',
  table: 'api_state',
  key: ['tenantId', 'name'],
  fields: {
    tenantId,
    name: { type: 'string', internal: true },
    numberValue: { type: 'long', internal: true, default: '0' },
    textValue: { type: 'string', nullable: true, internal: true },
  },
})

/** Rate-limit counters per (tenant, app, route family, window), shared by every API node. */
export const rateLimitCounterEntity = defineEntity({
  name: 'RateLimitCounter',
  table: 'rate_limit_counters',
  key: ['tenantId', 'bucket', 'windowStart'],
  fields: {
    tenantId,
    /** `appId|family|windowSeconds`. */
    bucket: { type: 'string', internal: true },
    windowStart: { type: 'long', internal: true, description: 'Window start, epoch seconds' },
    count: { type: 'long', internal: true, default: '0' },
    expiresAt: { type: 'long', internal: true, description: 'Epoch seconds after which the row is garbage' },
  },
})

/** Audit trail of every mutating MDE API call. */
export const apiAuditEventEntity = defineEntity({
  name: 'ApiAuditEvent',
  table: 'api_audit_events',
  entitySet: 'AuditEvents',
  key: ['tenantId', 'id'],
  fields: {
    tenantId,
    id: { type: 'guid', filter: STR },
    time: dt({ filter: CMP, sortable: true }),
    /** UPN, or app display name / id. */
    actor: str({ filter: STR }),
    actorKind: en(['application', 'user'] as const, { filter: ENUM }),
    appId: str({ filter: STR }),
    /** e.g. `alerts.update`, `machines.isolate`. */
    operation: str({ filter: STR, sortable: true }),
    targetType: str({ filter: STR }),
    targetId: nstr({ filter: STR }),
    /** HTTP status of the call. */
    result: { type: 'int', filter: CMP },
    correlationId: str({ filter: STR }),
    details: { type: 'json', nullable: true },
  },
  indexes: [['tenantId', 'time']],
})

export const mdeEntities: readonly EntityDef[] = [
  alertEntity,
  alertEvidenceEntity,
  machineEntity,
  machineActionEntity,
  indicatorEntity,
  investigationEntity,
  libraryFileEntity,
  fileEntity,
  mdeUserEntity,
  machineLogonEntity,
  observationEntity,
  softwareEntity,
  vulnerabilityEntity,
  recommendationEntity,
  machineSoftwareEntity,
  machineVulnerabilityEntity,
  machineRecommendationEntity,
  apiStateEntity,
  rateLimitCounterEntity,
  apiAuditEventEntity,
]
