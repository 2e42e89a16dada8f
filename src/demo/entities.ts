import { deterministicGuid } from '../schema/demo-tenant.js'
import type { AlertEntity } from './alerts.js'
import { CVES, SOFTWARE, severityOf } from './catalog/software.js'
import { fileHashes } from './files.js'
import { rngFor } from './prng.js'
import type { StoryFacts } from './story-facts.js'
import { installedSoftware } from './tvm.js'
import { qualified, type DemoDevice, type DemoTenant } from './tenant.js'

/** Rows for one entity table, keyed by wire/column names (JSON fields as objects; the loader encodes). */
export interface EntityTableRows {
  table: string
  rows: Record<string, unknown>[]
}

const MIN = 60_000
const SEVERITY_RANK = { Informational: 1, Low: 2, Medium: 3, High: 4 } as const

function analyst(t: DemoTenant) {
  return t.users[1]!
}

/** Alert triage state: who works on what, comments, investigations. Mutates the collected alerts. */
export function triageAlerts(
  t: DemoTenant,
  alerts: AlertEntity[],
): { id: string; alert: AlertEntity; state: string; end: Date | null }[] {
  const soc = analyst(t).upn
  const investigations: { id: string; alert: AlertEntity; state: string; end: Date | null }[] = []
  const byKey = (title: string) => alerts.find((a) => a.title === title)
  const comment = (a: AlertEntity, text: string, afterMin: number) => {
    const at = new Date(a.alertCreationTime.getTime() + afterMin * MIN)
    if (at.getTime() >= t.endMs) return
    a.comments.push({ comment: text, createdBy: soc, createdTime: at })
    a.lastUpdateTime = at
  }
  for (const a of alerts) {
    if (a.status === 'Resolved') continue
    if (a.incidentId === 1001) {
      a.status = 'InProgress'
      a.assignedTo = soc
      comment(a, 'Part of the finance laptop compromise; tracking in incident 1001.', 45)
    }
  }
  const ransom = byKey('Ransomware behavior detected in the file system')
  if (ransom) {
    comment(ransom, 'File server isolated; shares restored from offline backup.', 120)
    const end = new Date(Math.min(ransom.alertCreationTime.getTime() + 95 * MIN, t.endMs - MIN))
    investigations.push({ id: '1', alert: ransom, state: 'SuccessfullyRemediated', end })
    ransom.investigationId = 1
    ransom.investigationState = 'SuccessfullyRemediated'
  }
  const lsass = byKey('Suspicious access to LSASS memory')
  if (lsass) {
    investigations.push({ id: '2', alert: lsass, state: 'PendingApproval', end: null })
    lsass.investigationId = 2
    lsass.investigationState = 'PendingApproval'
    comment(lsass, 'Credentials of adm-jdoe must be considered stolen; password reset requested.', 30)
  }
  return investigations
}

function ipAddresses(d: DemoDevice) {
  const mac = d.mac.replace(/:/g, '')
  return [
    {
      ipAddress: d.ip,
      macAddress: mac,
      type: d.os === 'macos' ? 'Wireless80211' : 'Ethernet',
      operationalStatus: 'Up',
    },
    { ipAddress: '127.0.0.1', macAddress: null, type: 'SoftwareLoopback', operationalStatus: 'Up' },
  ]
}

export function machineRows(
  t: DemoTenant,
  alerts: readonly AlertEntity[],
  isolated: ReadonlySet<string>,
): Record<string, unknown>[] {
  return t.devices.map((d) => {
    const rng = rngFor(t.seed, 'machine', d.index)
    const open = alerts.filter((a) => a.machineId === d.id && a.status !== 'Resolved')
    const worst = open.reduce((m, a) => Math.max(m, SEVERITY_RANK[a.severity]), 0)
    const risk = (['None', 'Informational', 'Low', 'Medium', 'High'] as const)[worst]!
    return {
      tenantId: t.tenantId,
      id: d.id,
      mergedIntoMachineId: null,
      isPotentialDuplication: false,
      isExcluded: false,
      exclusionReason: null,
      computerDnsName: d.name,
      firstSeen: new Date(d.firstSeenMs),
      lastSeen: new Date(t.endMs - rng.int(10, 1400) * MIN),
      osPlatform: d.osPlatform,
      osVersion: null,
      osProcessor: 'x64',
      version: d.version,
      lastIpAddress: d.ip,
      lastExternalIpAddress: d.externalIp,
      agentVersion: d.clientVersion,
      osBuild: d.osBuild,
      healthStatus: 'Active',
      deviceValue: d.assetValue,
      rbacGroupId: d.group.id,
      rbacGroupName: d.group.id === 0 ? null : d.group.name,
      riskScore: risk,
      exposureLevel: d.exposureLevel,
      isAadJoined: d.aadDeviceId !== null,
      aadDeviceId: d.aadDeviceId,
      machineTags: d.tags,
      defenderAvStatus: 'Updated',
      onboardingStatus: 'Onboarded',
      osArchitecture: '64-bit',
      managedBy: d.os === 'windows' ? 'Intune' : 'MicrosoftDefenderForEndpoint',
      managedByStatus: d.os === 'windows' ? 'Unknown' : 'Success',
      ipAddresses: ipAddresses(d),
      vmMetadata:
        d.deviceType === 'Server'
          ? {
              vmId: deterministicGuid(`vm:${d.index}`, t.seed),
              cloudProvider: 'Azure',
              resourceId: `/subscriptions/${deterministicGuid('sub', t.seed)}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/${d.shortName}`,
              subscriptionId: deterministicGuid('sub', t.seed),
            }
          : null,
      isolationState: isolated.has(d.id) ? 'Full' : null,
      codeExecutionRestricted: false,
      offboardedAt: null,
      sensor: 'simulated',
    }
  })
}

interface ActionSpec {
  device: DemoDevice
  type: string
  status: string
  at: number
  comment: string
  scope?: string | null
  file?: { fileIdentifier: string; fileIdentifierType: string }
  durationMin?: number
  errorHResult?: number
  cancel?: boolean
}

export function machineActionRows(
  t: DemoTenant,
  facts: StoryFacts,
  alerts: readonly AlertEntity[],
): Record<string, unknown>[] {
  const soc = analyst(t).upn
  const specs: ActionSpec[] = []
  const at = (title: string, afterMin: number) => {
    const a = alerts.find((x) => x.title === title)
    return a ? Math.min(a.alertCreationTime.getTime() + afterMin * MIN, t.endMs - 2 * MIN) : null
  }
  const ransomAt = at('Ransomware behavior detected in the file system', 12)
  if (facts.fileServer && ransomAt) {
    specs.push({
      device: facts.fileServer,
      type: 'Isolate',
      status: 'Succeeded',
      at: ransomAt,
      scope: 'Full',
      comment: 'Ransomware on file server - isolate (incident 1001)',
    })
    specs.push({
      device: facts.fileServer,
      type: 'CollectInvestigationPackage',
      status: 'Succeeded',
      at: ransomAt + 5 * MIN,
      comment: 'Forensics for incident 1001',
      durationMin: 6,
    })
    specs.push({
      device: facts.fileServer,
      type: 'Unisolate',
      status: 'Succeeded',
      at: Math.min(ransomAt + 20 * 60 * MIN, t.endMs - MIN),
      scope: 'Full',
      comment: 'Restored from backup, release isolation',
    })
  }
  const psAt = at('Suspicious PowerShell command line', 50)
  if (facts.fin && psAt) {
    specs.push({
      device: facts.fin,
      type: 'RunAntiVirusScan',
      status: 'Succeeded',
      at: psAt,
      scope: 'Full',
      comment: 'Full scan after suspicious PowerShell',
      durationMin: 38,
    })
    specs.push({
      device: facts.fin,
      type: 'StopAndQuarantineFile',
      status: 'Succeeded',
      at: psAt + 3 * MIN,
      comment: 'Quarantine msupdate.exe',
      file: { fileIdentifier: facts.implant.hashes.sha1, fileIdentifierType: 'Sha1' },
    })
  }
  const lsAt = at('Suspicious access to LSASS memory', 20)
  if (facts.fin && lsAt)
    specs.push({
      device: facts.fin,
      type: 'RestrictCodeExecution',
      status: 'TimeOut',
      at: lsAt,
      comment: 'Restrict app execution on the finance laptop',
      errorHResult: -2147024809,
      durationMin: 180,
    })
  const revAt = at('Suspicious reverse shell', 30)
  if (facts.web && revAt)
    specs.push({
      device: facts.web,
      type: 'Isolate',
      status: 'Cancelled',
      at: revAt,
      scope: 'Selective',
      comment: 'Isolate web server (reverse shell)',
      cancel: true,
    })
  const other = t.devices.find((d) => d.deviceType === 'Workstation' && d.index !== facts.fin?.index)
  if (other)
    specs.push({
      device: other,
      type: 'RunAntiVirusScan',
      status: 'Succeeded',
      at: t.startMs + 2 * 86_400_000,
      scope: 'Quick',
      comment: 'Routine scan',
      durationMin: 4,
    })
  return specs.map((s, i) => {
    const created = new Date(s.at)
    const updated = new Date(Math.min(s.at + (s.durationMin ?? 2) * MIN, t.endMs - MIN))
    return {
      tenantId: t.tenantId,
      id: deterministicGuid(`machine-action:${i}`, t.seed),
      type: s.type,
      title: null,
      requestor: soc,
      requestorComment: s.comment,
      status: s.status,
      machineId: s.device.id,
      computerDnsName: s.device.name,
      creationDateTimeUtc: created,
      lastUpdateDateTimeUtc: updated,
      cancellationRequestor: s.cancel ? soc : null,
      cancellationComment: s.cancel ? 'Web team will rebuild the host instead' : null,
      cancellationDateTimeUtc: s.cancel ? updated : null,
      errorHResult: s.errorHResult ?? 0,
      scope: s.scope ?? null,
      externalId: null,
      requestSource: 'Portal',
      relatedFileInfo: s.file ?? null,
      commands: [],
      troubleshootInfo: null,
      requestorAppId: null,
      dueAt: null,
    }
  })
}

export function indicatorRows(t: DemoTenant, facts: StoryFacts): Record<string, unknown>[] {
  const soc = analyst(t)
  const app = {
    source: 'SOC-Automation',
    sourceType: 'AadApp',
    createdBy: deterministicGuid('app:soc-automation', t.seed),
  }
  const user = { source: soc.displayName, sourceType: 'User', createdBy: soc.upn }
  const list = [
    {
      v: facts.attacker.cradleHost,
      type: 'DomainName',
      action: 'Block',
      sev: 'High',
      title: 'PowerShell cradle host',
      who: user,
    },
    {
      v: facts.attacker.c2Ip,
      type: 'IpAddress',
      action: 'AlertAndBlock',
      sev: 'High',
      title: 'Implant C2 server',
      who: app,
    },
    {
      v: facts.attacker.c2Host,
      type: 'DomainName',
      action: 'AlertAndBlock',
      sev: 'High',
      title: 'Implant C2 domain',
      who: app,
    },
    {
      v: facts.implant.hashes.sha256,
      type: 'FileSha256',
      action: 'BlockAndRemediate',
      sev: 'High',
      title: 'msupdate.exe implant',
      who: user,
    },
    {
      v: facts.locker.hashes.sha1,
      type: 'FileSha1',
      action: 'BlockAndRemediate',
      sev: 'High',
      title: 'Ransomware binary svchostx.exe',
      who: user,
    },
    {
      v: facts.implant.url,
      type: 'Url',
      action: 'Warn',
      sev: 'Medium',
      title: 'Payload download URL',
      who: app,
    },
    {
      v: facts.attacker.bruteForceIp,
      type: 'IpAddress',
      action: 'Block',
      sev: 'Medium',
      title: 'RDP brute-force source',
      who: app,
    },
    {
      v: facts.attacker.reverseShellIp,
      type: 'IpAddress',
      action: 'Alert',
      sev: 'High',
      title: 'Reverse shell listener',
      who: user,
    },
    {
      v: fileHashes('win:procdump64.exe').sha256,
      type: 'FileSha256',
      action: 'Audit',
      sev: 'Informational',
      title: 'ProcDump (dual-use tool)',
      who: user,
    },
    {
      v: 'contoso-my.sharepoint.com',
      type: 'DomainName',
      action: 'Allowed',
      sev: 'Informational',
      title: 'Corporate SharePoint',
      who: user,
    },
  ]
  return list.map((x, i) => {
    const created = new Date(t.endMs - (list.length - i) * 7 * 3_600_000)
    return {
      tenantId: t.tenantId,
      id: String(5001 + i),
      indicatorValue: x.v,
      indicatorType: x.type,
      action: x.action,
      application: null,
      source: x.who.source,
      sourceType: x.who.sourceType,
      createdBy: x.who.createdBy,
      createdByDisplayName: x.who.source,
      severity: x.sev,
      title: x.title,
      description: `${x.title} (demo tenant)`,
      recommendedActions: x.action === 'Allowed' ? null : 'Investigate devices that contacted or ran it',
      creationTimeDateTimeUtc: created,
      expirationTime: x.action === 'Allowed' ? null : new Date(t.endMs + 90 * 86_400_000),
      lastUpdateTime: created,
      lastUpdatedBy: x.who.source,
      rbacGroupNames: [],
      rbacGroupIds: [],
      generateAlert: x.action === 'Alert' || x.action === 'AlertAndBlock',
      externalId: null,
      createdByAppId: x.who.sourceType === 'AadApp' ? x.who.createdBy : '',
      educateUrl: null,
    }
  })
}

/** Everything the API serves besides hunting: machines, alerts (+evidence), actions, indicators, investigations, users, files, software. */
export function entityRows(t: DemoTenant, facts: StoryFacts, alerts: AlertEntity[]): EntityTableRows[] {
  const investigations = triageAlerts(t, alerts)
  const actions = machineActionRows(t, facts, alerts)
  const isolated = new Set<string>()
  for (const a of actions)
    if (a.status === 'Succeeded' && (a.type === 'Isolate' || a.type === 'Unisolate'))
      if (a.type === 'Isolate') isolated.add(a.machineId as string)
      else isolated.delete(a.machineId as string)
  const alertRows = alerts.map(({ evidence: _evidence, ...a }) => a)
  const evidenceRows = alerts.flatMap((a) =>
    a.evidence.map((e, ordinal) => ({ tenantId: t.tenantId, alertId: a.id, ordinal, ...e })),
  )
  const files = new Map<string, Record<string, unknown>>()
  for (const a of alerts)
    for (const e of a.evidence)
      if (e.sha1 && !files.has(e.sha1)) {
        const malicious = e.detectionStatus !== null
        files.set(e.sha1, {
          tenantId: t.tenantId,
          sha1: e.sha1,
          sha256: e.sha256,
          md5: null,
          globalPrevalence: malicious ? 12 : 1_000_000,
          globalFirstObserved: new Date(t.startMs - 30 * 86_400_000),
          globalLastObserved: new Date(t.endMs - 3_600_000),
          size: null,
          fileType: null,
          isPeFile: /\.(exe|dll)$/i.test(e.fileName ?? ''),
          filePublisher: null,
          fileProductName: null,
          signer: null,
          issuer: null,
          signerHash: null,
          isValidCertificate: malicious ? false : true,
          determinationType: malicious ? (a.category === 'UnwantedSoftware' ? 'Pua' : 'Malware') : 'Unknown',
          determinationValue: malicious ? (a.threatName ?? null) : null,
        })
      }
  return [
    { table: 'machines', rows: machineRows(t, alerts, isolated) },
    { table: 'alerts', rows: alertRows },
    { table: 'alert_evidence', rows: evidenceRows },
    { table: 'machine_actions', rows: actions },
    { table: 'indicators', rows: indicatorRows(t, facts) },
    {
      table: 'investigations',
      rows: investigations.map((i) => ({
        tenantId: t.tenantId,
        id: i.id,
        startTime: new Date(i.alert.alertCreationTime.getTime() + 2 * MIN),
        endTime: i.end,
        state: i.state,
        cancelledBy: null,
        statusDetails: null,
        machineId: i.alert.machineId,
        computerDnsName: i.alert.computerDnsName,
        triggeringAlertId: i.alert.id,
      })),
    },
    { table: 'files', rows: [...files.values()] },
    ...userRows(t),
    ...softwareRows(t),
  ]
}

function userRows(t: DemoTenant): EntityTableRows[] {
  const logons: Record<string, unknown>[] = []
  const machinesOf = new Map<string, DemoDevice[]>()
  for (const d of t.devices)
    for (const u of [d.user, ...d.admins])
      if (u) machinesOf.set(qualified(u), [...(machinesOf.get(qualified(u)) ?? []), d])
  const users = t.users.map((u) => {
    const ms = machinesOf.get(qualified(u)) ?? []
    const types = u.isAdmin ? 'RemoteInteractive,Network' : 'Interactive'
    for (const d of ms)
      logons.push({
        tenantId: t.tenantId,
        machineId: d.id,
        userId: qualified(u),
        firstSeen: new Date(t.startMs),
        lastSeen: new Date(t.endMs - 3_600_000),
        logonTypes: d.user === u ? 'Interactive' : 'RemoteInteractive',
      })
    return {
      tenantId: t.tenantId,
      id: qualified(u),
      accountName: u.accountName,
      accountDomain: u.domain.toLowerCase(),
      accountSid: u.sid,
      firstSeen: new Date(t.startMs),
      lastSeen: new Date(t.endMs - 3_600_000),
      mostPrevalentMachineId: ms[0]?.id ?? null,
      leastPrevalentMachineId: ms[ms.length - 1]?.id ?? null,
      logonTypes: types,
      logOnMachinesCount: ms.length,
      isDomainAdmin: u.isAdmin,
      isOnlyNetworkUser: false,
    }
  })
  return [
    { table: 'mde_users', rows: users },
    { table: 'machine_logons', rows: logons },
  ]
}

function softwareRows(t: DemoTenant): EntityTableRows[] {
  const software = new Map<string, Record<string, unknown>>()
  const machineSoftware: Record<string, unknown>[] = []
  const machineVulns: Record<string, unknown>[] = []
  const exposed = new Map<string, Set<string>>()
  for (const d of t.devices)
    for (const s of installedSoftware(t, d)) {
      const id = `${s.vendor}-_-${s.name}`
      const cur = software.get(id)
      const machines = exposed.get(id) ?? new Set<string>()
      machines.add(d.id)
      exposed.set(id, machines)
      if (!cur)
        software.set(id, {
          tenantId: t.tenantId,
          id,
          name: s.name,
          vendor: s.vendor,
          weaknesses: s.cves.length,
          publicExploit: s.cves.some((c) => CVES.find((x) => x.id === c)?.exploit),
          activeAlert: false,
          exposedMachines: 0,
          impactScore: s.cves.length * 1.5,
        })
      if (!machineSoftware.some((m) => m.machineId === d.id && m.softwareId === id))
        machineSoftware.push({ tenantId: t.tenantId, machineId: d.id, softwareId: id })
      for (const c of s.cves)
        machineVulns.push({
          tenantId: t.tenantId,
          id: `${d.id}-_-${c}-_-${id}-_-${s.version}`,
          cveId: c,
          machineId: d.id,
          fixingKbId: s.fix?.startsWith('KB') ? s.fix.slice(2) : null,
          productName: s.name,
          productVendor: s.vendor,
          productVersion: s.version,
          severity: severityOf(CVES.find((x) => x.id === c)!.cvss),
        })
    }
  for (const [id, row] of software) row.exposedMachines = exposed.get(id)!.size
  const vulnExposed = new Map<string, Set<string>>()
  for (const v of machineVulns)
    vulnExposed.set(
      v.cveId as string,
      (vulnExposed.get(v.cveId as string) ?? new Set()).add(v.machineId as string),
    )
  return [
    { table: 'software', rows: [...software.values()] },
    { table: 'machine_software', rows: machineSoftware },
    {
      table: 'vulnerabilities',
      rows: CVES.map((c) => ({
        tenantId: t.tenantId,
        id: c.id,
        name: c.id,
        description: c.description,
        severity: severityOf(c.cvss),
        cvssV3: c.cvss,
        cvssVector: null,
        exposedMachines: vulnExposed.get(c.id)?.size ?? 0,
        publishedOn: new Date(c.published),
        updatedOn: new Date(Date.parse(c.published) + 20 * 86_400_000),
        publicExploit: c.exploit,
        exploitVerified: c.exploit,
        exploitInKit: false,
        exploitTypes: c.exploit ? ['RemoteCodeExecution'] : [],
        exploitUris: [],
        cveSupportability: 'Supported',
        epss: null,
      })),
    },
    { table: 'machine_vulnerabilities', rows: machineVulns },
    ...recommendationRows(t, [...software.values()], machineSoftware),
  ]
}

/**
 * One security-update recommendation (`va-_-<vendor>-_-<product>`) per installed product with known
 * CVEs, applying to the machines that have it; severity = the worst CVSS of its CVEs.
 */
function recommendationRows(
  t: DemoTenant,
  software: readonly Record<string, unknown>[],
  machineSoftware: readonly Record<string, unknown>[],
): EntityTableRows[] {
  const recs: Record<string, unknown>[] = []
  const links: Record<string, unknown>[] = []
  for (const sw of software) {
    const def = SOFTWARE.find((s) => `${s.vendor}-_-${s.name}` === sw.id)
    if (!def || def.cves.length === 0) continue
    const id = `va-_-${String(sw.id)}`
    const machines = machineSoftware.filter((m) => m.softwareId === sw.id).map((m) => String(m.machineId))
    const cvss = Math.max(...def.cves.map((c) => CVES.find((x) => x.id === c)?.cvss ?? 0))
    recs.push({
      tenantId: t.tenantId,
      id,
      productName: def.name,
      recommendationName: `Update ${def.name.replaceAll('_', ' ')}`,
      weaknesses: def.cves.length,
      vendor: def.vendor,
      recommendedVersion: def.fix && !def.fix.startsWith('KB') ? def.fix : '',
      recommendedProgram: null,
      recommendedVendor: null,
      recommendationCategory: 'Application',
      subCategory: '',
      severityScore: cvss,
      publicExploit: Boolean(sw.publicExploit),
      activeAlert: false,
      associatedThreats: [],
      remediationType: 'Update',
      status: 'Active',
      configScoreImpact: 0,
      exposureImpact: Math.round(cvss * machines.length * 10) / 100,
      totalMachineCount: machines.length,
      exposedMachinesCount: machines.length,
      nonProductivityImpactedAssets: 0,
      relatedComponent: def.name,
      exposedCriticalDevices: 0,
    })
    for (const m of machines) links.push({ tenantId: t.tenantId, machineId: m, recommendationId: id })
  }
  return [
    { table: 'recommendations', rows: recs },
    { table: 'machine_recommendations', rows: links },
  ]
}
