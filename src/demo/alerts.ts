import type { AlertEvidenceRow } from '../schema/generated/types.js'
import { deterministicGuid } from '../schema/demo-tenant.js'
import { hash32 } from './prng.js'
import type { Proc } from './process.js'
import type { Row, RowSink } from './sink.js'
import type { DemoDevice, DemoTenant, DemoUser } from './tenant.js'

/** MDE alert as on the wire (§4.1), plus "tenantId"; evidence and comments are kept alongside. */
export interface AlertEntity {
  tenantId: string
  id: string
  incidentId: number | null
  investigationId: number | null
  assignedTo: string | null
  severity: 'Informational' | 'Low' | 'Medium' | 'High'
  status: 'New' | 'InProgress' | 'Resolved'
  classification: string | null
  determination: string | null
  investigationState: string
  detectionSource: string
  detectorId: string
  category: string
  threatFamilyName: string | null
  title: string
  description: string
  alertCreationTime: Date
  firstEventTime: Date
  lastEventTime: Date
  lastUpdateTime: Date
  resolvedTime: Date | null
  machineId: string
  computerDnsName: string
  rbacGroupName: string | null
  aadTenantId: string
  threatName: string | null
  mitreTechniques: string[]
  relatedUser: { userName: string; domainName: string } | null
  loggedOnUsers: { accountName: string; domainName: string }[]
  comments: { comment: string; createdBy: string; createdTime: Date }[]
  evidence: EvidenceEntity[]
  domains: { host: string }[]
}

/** AlertEvidence (§4.1): every property present, null when not applicable (the catalogue's row type). */
export type EvidenceEntity = Omit<AlertEvidenceRow, 'tenantId' | 'alertId' | 'ordinal' | 'entityType'> & {
  entityType: 'File' | 'Process' | 'User' | 'Ip' | 'Url' | 'Registry'
}

const EMPTY: Omit<EvidenceEntity, 'entityType' | 'evidenceCreationTime'> = {
  sha1: null,
  sha256: null,
  fileName: null,
  filePath: null,
  processId: null,
  processCommandLine: null,
  processCreationTime: null,
  parentProcessId: null,
  parentProcessCreationTime: null,
  parentProcessFileName: null,
  parentProcessFilePath: null,
  ipAddress: null,
  url: null,
  registryKey: null,
  registryHive: null,
  registryValueType: null,
  registryValue: null,
  accountName: null,
  domainName: null,
  userSid: null,
  aadUserId: null,
  userPrincipalName: null,
  detectionStatus: null,
}

const folderOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')))

export const evidence = {
  process(p: Proc, at: Date, detectionStatus: string | null = 'Detected'): EvidenceEntity {
    return {
      ...EMPTY,
      entityType: 'Process',
      evidenceCreationTime: at,
      sha1: p.hashes.sha1,
      sha256: p.hashes.sha256,
      fileName: p.bin.fileName,
      filePath: folderOf(p.path),
      processId: p.pid,
      processCommandLine: p.cmd,
      processCreationTime: p.created,
      parentProcessId: p.parent?.pid ?? null,
      parentProcessCreationTime: p.parent?.created ?? null,
      parentProcessFileName: p.parent?.bin.fileName ?? null,
      parentProcessFilePath: p.parent ? folderOf(p.parent.path) : null,
      detectionStatus,
    }
  },
  file(
    path: string,
    hashes: { sha1: string; sha256: string },
    at: Date,
    detectionStatus: string | null = 'Detected',
  ): EvidenceEntity {
    const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'))
    return {
      ...EMPTY,
      entityType: 'File',
      evidenceCreationTime: at,
      sha1: hashes.sha1,
      sha256: hashes.sha256,
      fileName: path.slice(i + 1),
      filePath: path.slice(0, i),
      detectionStatus,
    }
  },
  ip(ip: string, at: Date): EvidenceEntity {
    return { ...EMPTY, entityType: 'Ip', evidenceCreationTime: at, ipAddress: ip }
  },
  url(url: string, at: Date): EvidenceEntity {
    return { ...EMPTY, entityType: 'Url', evidenceCreationTime: at, url }
  },
  user(
    u: { accountName: string; domain: string; sid: string; objectId: string; upn: string },
    at: Date,
  ): EvidenceEntity {
    return {
      ...EMPTY,
      entityType: 'User',
      evidenceCreationTime: at,
      accountName: u.accountName,
      domainName: u.domain,
      userSid: u.sid || null,
      aadUserId: u.objectId || null,
      userPrincipalName: u.upn || null,
    }
  },
  registry(key: string, valueName: string, valueType: string, at: Date): EvidenceEntity {
    return {
      ...EMPTY,
      entityType: 'Registry',
      evidenceCreationTime: at,
      registryKey: key.replace(/^[^\\]+\\/, ''),
      registryHive: key.split('\\')[0] ?? null,
      registryValueType: valueType,
      registryValue: valueName,
    }
  },
}

const MITRE: Record<string, string> = {
  T1059: 'Command and Scripting Interpreter',
  'T1059.001': 'PowerShell',
  'T1059.004': 'Unix Shell',
  T1027: 'Obfuscated Files or Information',
  T1105: 'Ingress Tool Transfer',
  'T1566.001': 'Spearphishing Attachment',
  'T1053.005': 'Scheduled Task',
  'T1003.001': 'LSASS Memory',
  T1218: 'System Binary Proxy Execution',
  'T1218.011': 'Rundll32',
  T1486: 'Data Encrypted for Impact',
  T1490: 'Inhibit System Recovery',
  'T1070.001': 'Clear Windows Event Logs',
  'T1021.002': 'SMB/Windows Admin Shares',
  T1569: 'System Services',
  T1110: 'Brute Force',
  'T1136.001': 'Local Account',
  T1190: 'Exploit Public-Facing Application',
  T1071: 'Application Layer Protocol',
  T1204: 'User Execution',
}

export interface NewAlert {
  key: string
  device: DemoDevice
  title: string
  description: string
  category: string
  severity: AlertEntity['severity']
  detectionSource?: string
  techniques: string[]
  first: Date
  last: Date
  user?: DemoUser | { accountName: string; domain: string; sid: string; objectId: string; upn: string }
  threatFamilyName?: string
  threatName?: string
  incidentId: number
  evidence: EvidenceEntity[]
  domains?: string[]
}

/** Ticks-style MDE alert id, e.g. da638700112233445566_-1029384756. */
export function alertId(created: Date, salt: string): string {
  const ticks = BigInt(created.getTime()) * 10_000n + 621_355_968_000_000_000n
  return `da${ticks}_${hash32(salt) | 0}`
}

/** Collects the alerts the stories raise (a few per story; small even at 5,000 devices). */
export class AlertCollector {
  readonly alerts: AlertEntity[] = []

  constructor(readonly tenant: DemoTenant) {}

  add(a: NewAlert): AlertEntity {
    const created = new Date(a.last.getTime() + 90_000 + (hash32(a.key) % 60_000))
    const u = a.user
    const ent: AlertEntity = {
      tenantId: this.tenant.tenantId,
      id: alertId(created, `${this.tenant.seed}:${a.key}`),
      incidentId: a.incidentId,
      investigationId: null,
      assignedTo: null,
      severity: a.severity,
      status: 'New',
      classification: null,
      determination: null,
      investigationState: 'Queued',
      detectionSource: a.detectionSource ?? 'WindowsDefenderAtp',
      detectorId: deterministicGuid(`detector:${a.title}`, 0),
      category: a.category,
      threatFamilyName: a.threatFamilyName ?? null,
      title: a.title,
      description: a.description,
      alertCreationTime: created,
      firstEventTime: a.first,
      lastEventTime: a.last,
      lastUpdateTime: new Date(created.getTime() + 2000),
      resolvedTime: null,
      machineId: a.device.id,
      computerDnsName: a.device.name,
      rbacGroupName: a.device.group.id === 0 ? null : a.device.group.name,
      aadTenantId: this.tenant.tenantId,
      threatName: a.threatName ?? null,
      mitreTechniques: a.techniques,
      relatedUser: u ? { userName: u.accountName, domainName: u.domain } : null,
      loggedOnUsers: a.device.user
        ? [{ accountName: a.device.user.accountName, domainName: a.device.user.domain }]
        : [],
      comments: [],
      evidence: u ? [...a.evidence, evidence.user(u, created)] : a.evidence,
      domains: (a.domains ?? []).map((host) => ({ host })),
    }
    this.alerts.push(ent)
    return ent
  }
}

const techniqueNames = (ids: readonly string[]) => ids.map((t) => `${MITRE[t] ?? 'Technique'} (${t})`)

/** AlertInfo and AlertEvidence rows for the collected alerts (one Machine row per alert besides its evidence). */
export function writeAlertRows(sink: RowSink, alerts: readonly AlertEntity[]): void {
  for (const a of alerts) {
    const common = {
      Timestamp: a.alertCreationTime,
      AlertId: a.id,
      Title: a.title,
      ServiceSource: 'Microsoft Defender for Endpoint',
      DetectionSource: a.detectionSource === 'WindowsDefenderAv' ? 'Antivirus' : 'EDR',
      AttackTechniques: JSON.stringify(techniqueNames(a.mitreTechniques)),
    }
    sink.push('AlertInfo', { ...common, Category: a.category, Severity: a.severity })
    const ev = { ...common, Categories: JSON.stringify([a.category]), Severity: a.severity }
    sink.push('AlertEvidence', {
      ...ev,
      EntityType: 'Machine',
      EvidenceRole: 'Impacted',
      DeviceId: a.machineId,
      DeviceName: a.computerDnsName,
    })
    for (const e of a.evidence) sink.push('AlertEvidence', { ...ev, ...evidenceRow(e, a) })
  }
}

function evidenceRow(e: EvidenceEntity, a: AlertEntity): Row {
  const onDevice = { DeviceId: a.machineId, DeviceName: a.computerDnsName }
  const sep = e.filePath?.includes('/') ? '/' : '\\'
  switch (e.entityType) {
    case 'Process':
    case 'File':
      return {
        EntityType: e.entityType,
        EvidenceRole: 'Impacted',
        ...onDevice,
        FileName: e.fileName,
        FolderPath: e.filePath && e.fileName ? `${e.filePath}${sep}${e.fileName}` : '',
        SHA1: e.sha1,
        SHA256: e.sha256,
        ThreatFamily: a.threatFamilyName ?? '',
        ProcessCommandLine: e.processCommandLine ?? '',
      }
    case 'Ip':
      return {
        EntityType: 'Ip',
        EvidenceRole: 'Related',
        EvidenceDirection: 'Destination',
        RemoteIP: e.ipAddress,
      }
    case 'Url':
      return { EntityType: 'Url', EvidenceRole: 'Related', RemoteUrl: e.url }
    case 'User':
      return {
        EntityType: 'User',
        EvidenceRole: 'Impacted',
        AccountName: e.accountName,
        AccountDomain: e.domainName,
        AccountSid: e.userSid,
        AccountObjectId: e.aadUserId,
        AccountUpn: e.userPrincipalName,
      }
    case 'Registry':
      return {
        EntityType: 'RegistryValue',
        EvidenceRole: 'Related',
        ...onDevice,
        RegistryKey: `${e.registryHive}\\${e.registryKey}`,
        RegistryValueName: e.registryValue,
      }
  }
}
