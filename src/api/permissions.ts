import type { RouteRequirement } from '../identity/principal.js'

/** Route requirements (mde-api.md §3 per endpoint, identity.md §4.4). */
export const VIEW = ['ViewData.SecurityOperations', 'ViewData.VulnerabilityManagement'] as const
const REMEDIATE = [
  'ActiveRemediation.SecurityOperations',
  'ActiveRemediation.TvmExceptionHandling',
  'ActiveRemediation.TvmRemediationHandling',
  'ActiveRemediation.TvmApplicationHandling',
] as const

export const perms = {
  alertRead: {
    application: ['Alert.Read.All', 'Alert.ReadWrite.All'],
    delegated: ['Alert.Read', 'Alert.ReadWrite'],
    rbac: VIEW,
  },
  alertWrite: {
    application: ['Alert.ReadWrite.All'],
    delegated: ['Alert.ReadWrite'],
    rbac: ['AlertsInvestigation'],
  },
  machineRead: {
    application: ['Machine.Read.All', 'Machine.ReadWrite.All'],
    delegated: ['Machine.Read', 'Machine.ReadWrite'],
    rbac: VIEW,
  },
  machineTagWrite: {
    application: ['Machine.ReadWrite.All'],
    delegated: ['Machine.ReadWrite'],
    rbac: ['ManageSecuritySettings'],
  },
  machineUpdate: {
    application: ['Machine.ReadWrite.All'],
    delegated: ['Machine.ReadWrite'],
    rbac: ['AlertsInvestigation'],
  },
  isolate: { application: ['Machine.Isolate'], delegated: ['Machine.Isolate'], rbac: REMEDIATE },
  restrict: {
    application: ['Machine.RestrictExecution'],
    delegated: ['Machine.RestrictExecution'],
    rbac: REMEDIATE,
  },
  scan: { application: ['Machine.Scan'], delegated: ['Machine.Scan'], rbac: REMEDIATE },
  collect: {
    application: ['Machine.CollectForensics'],
    delegated: ['Machine.CollectForensics'],
    rbac: ['AlertsInvestigation'],
  },
  quarantine: {
    application: ['Machine.StopAndQuarantine'],
    delegated: ['Machine.StopAndQuarantine'],
    rbac: REMEDIATE,
  },
  offboard: { application: ['Machine.Offboard'], delegated: ['Machine.Offboard'], rbac: REMEDIATE },
  liveResponse: {
    application: ['Machine.LiveResponse'],
    delegated: ['Machine.LiveResponse'],
    rbac: ['LiveResponse.Basic', 'LiveResponse.Advanced'],
  },
  startInvestigation: {
    application: ['Alert.ReadWrite.All'],
    delegated: ['Alert.ReadWrite'],
    rbac: REMEDIATE,
  },
  cancelAction: {
    application: [
      'Machine.CollectForensics',
      'Machine.Isolate',
      'Machine.RestrictExecution',
      'Machine.Scan',
      'Machine.Offboard',
      'Machine.StopAndQuarantine',
      'Machine.LiveResponse',
    ],
    delegated: [
      'Machine.CollectForensics',
      'Machine.Isolate',
      'Machine.RestrictExecution',
      'Machine.Scan',
      'Machine.Offboard',
      'Machine.StopAndQuarantine',
      'Machine.LiveResponse',
    ],
    rbac: [...REMEDIATE, 'AlertsInvestigation', 'LiveResponse.Basic', 'LiveResponse.Advanced'],
  },
  packageUri: {
    application: ['Machine.Read.All', 'Machine.ReadWrite.All'],
    delegated: ['Machine.CollectForensics'],
    rbac: ['AlertsInvestigation'],
  },
  liveResponseResult: {
    application: ['Machine.Read.All', 'Machine.ReadWrite.All'],
    delegated: ['Machine.LiveResponse'],
    rbac: ['LiveResponse.Basic', 'LiveResponse.Advanced'],
  },
  library: {
    application: ['Library.Manage'],
    delegated: ['Library.Manage'],
    rbac: ['LiveResponse.Advanced', 'ManageSecuritySettings'],
  },
  indicators: {
    application: ['Ti.ReadWrite', 'Ti.ReadWrite.All'],
    delegated: ['Ti.ReadWrite'],
    rbac: ['ManageSecuritySettings', ...REMEDIATE],
  },
  indicatorDelete: {
    application: ['Ti.ReadWrite', 'Ti.ReadWrite.All'],
    delegated: ['Ti.ReadWrite'],
    rbac: ['ManageSecuritySettings', ...REMEDIATE],
  },
  fileRead: { application: ['File.Read.All'], delegated: ['File.Read.All'], rbac: VIEW },
  ipRead: { application: ['Ip.Read.All'], delegated: ['Ip.Read.All'], rbac: VIEW },
  urlRead: { application: ['Url.Read.All'], delegated: ['Url.Read.All'], rbac: VIEW },
  userRead: { application: ['User.Read.All'], delegated: ['User.Read.All'], rbac: VIEW },
  softwareRead: { application: ['Software.Read.All'], delegated: ['Software.Read'], rbac: VIEW },
  vulnerabilityRead: {
    application: ['Vulnerability.Read.All'],
    delegated: ['Vulnerability.Read'],
    rbac: VIEW,
  },
  recommendationRead: {
    application: ['SecurityRecommendation.Read.All'],
    delegated: ['SecurityRecommendation.Read'],
    rbac: VIEW,
  },
  /** Bulwark extension: the API audit trail (tenant administrators). */
  auditRead: {
    application: ['IntegrationConfiguration.ReadWrite'],
    delegated: ['IntegrationConfiguration.ReadWrite'],
    rbac: ['ManagePortalSystemSettings'],
  },
} satisfies Record<string, RouteRequirement>
