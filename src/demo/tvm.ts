import { CVES, SECURE_CONFIGS, SOFTWARE, severityOf, type SoftwareDef } from './catalog/software.js'
import { rngFor } from './prng.js'
import type { RowSink } from './sink.js'
import type { DemoDevice, DemoTenant } from './tenant.js'

const BROWSER_EXTENSIONS = [
  { id: 'cjpalhdlnbpafiamejdnhcphjbkeiagm', name: 'uBlock Origin', vendor: 'Raymond Hill', risk: 'Low' },
  { id: 'ghbmnnjooekpmoecnnnilnnbdlolhkhi', name: 'Google Docs Offline', vendor: 'Google', risk: 'Low' },
  { id: 'aapbdbdomjkkjkaonfhkkikfgjllcleb', name: 'Google Translate', vendor: 'Google', risk: 'Medium' },
  {
    id: 'hdokiejnpimakedhajhdlcegeplioahd',
    name: 'LastPass: Free Password Manager',
    vendor: 'LastPass',
    risk: 'High',
  },
  {
    id: 'fihnjjcciajhdojfnbdddfaoknhalnja',
    name: 'I don\u2019t care about cookies',
    vendor: 'Avast',
    risk: 'Medium',
  },
]
const EXT_PERMISSIONS = [
  { id: 'tabs', name: 'Tabs', risk: 'Low' },
  { id: 'storage', name: 'Storage', risk: 'Low' },
  { id: '<all_urls>', name: 'Read and change all your data on all websites', risk: 'High' },
  { id: 'cookies', name: 'Cookies', risk: 'Medium' },
]

/** Software installed on a device: every catalogue entry of its OS, drawn by prevalence. */
export function installedSoftware(tenant: DemoTenant, dev: DemoDevice): SoftwareDef[] {
  const rng = rngFor(tenant.seed, 'software', dev.index)
  return SOFTWARE.filter((s) => {
    if (s.os !== dev.os) return false
    if (s.name === 'windows_11') return dev.osPlatform === 'Windows11'
    if (s.name === 'sql_server_2022') return dev.role === 'sql'
    if (s.name === 'nginx') return dev.role === 'web'
    if (s.name === 'php') return dev.role === 'web'
    return rng.chance(s.prevalence)
  })
}

/** Snapshot TVM rows of one device (no Timestamp on most of these tables). */
export function tvmDeviceRows(tenant: DemoTenant, dev: DemoDevice, sink: RowSink): void {
  const rng = rngFor(tenant.seed, 'tvm', dev.index)
  const base = {
    DeviceId: dev.id,
    DeviceName: dev.name,
    OSPlatform: dev.osPlatform,
    OSVersion: dev.version,
    OSArchitecture: 'x64',
  }
  const now = new Date(tenant.endMs - 3_600_000)
  for (const s of installedSoftware(tenant, dev)) {
    sink.push('DeviceTvmSoftwareInventory', {
      ...base,
      SoftwareVendor: s.vendor,
      SoftwareName: s.name,
      SoftwareVersion: s.version,
      EndOfSupportStatus: s.endOfSupport?.status ?? '',
      EndOfSupportDate: s.endOfSupport ? new Date(s.endOfSupport.date) : null,
      ProductCodeCpe: `cpe:2.3:a:${s.vendor}:${s.name}:${s.version}:*:*:*:*:*:*:*`,
    })
    sink.push('DeviceTvmSoftwareEvidenceBeta', {
      DeviceId: dev.id,
      SoftwareVendor: s.vendor,
      SoftwareName: s.name,
      SoftwareVersion: s.version,
      RegistryPaths: JSON.stringify(s.registryPath ? [s.registryPath] : []),
      DiskPaths: JSON.stringify([s.diskPath]),
      LastSeenTime: now.toISOString(),
    })
    for (const id of s.cves) {
      const c = CVES.find((x) => x.id === id)!
      sink.push('DeviceTvmSoftwareVulnerabilities', {
        DeviceId: dev.id,
        DeviceName: dev.name,
        OSPlatform: dev.osPlatform,
        OSVersion: dev.version,
        OSArchitecture: 'x64',
        SoftwareVendor: s.vendor,
        SoftwareName: s.name,
        SoftwareVersion: s.version,
        CveId: id,
        VulnerabilitySeverityLevel: severityOf(c.cvss),
        RecommendedSecurityUpdate: s.fix ? `Update ${s.name.replace(/_/g, ' ')} to ${s.fix}` : '',
        RecommendedSecurityUpdateId: s.fix?.startsWith('KB') ? s.fix.slice(2) : '',
        CveTags: JSON.stringify(c.exploit ? ['ExploitAvailable'] : []),
      })
    }
  }
  for (const c of SECURE_CONFIGS.filter((x) => x.os === dev.os)) {
    const compliant = rng.chance(c.id === 'scid-2011' || c.id === 'scid-2090' ? 0.7 : 0.85)
    sink.push('DeviceTvmSecureConfigurationAssessment', {
      DeviceId: dev.id,
      DeviceName: dev.name,
      OSPlatform: dev.osPlatform,
      Timestamp: now,
      ConfigurationId: c.id,
      ConfigurationCategory: c.category,
      ConfigurationSubcategory: c.subcategory,
      ConfigurationImpact: c.impact,
      IsCompliant: compliant,
      IsApplicable: true,
      Context: JSON.stringify(compliant ? [] : [[c.name, 'Not configured', '']]),
      IsExpectedUserImpact: false,
    })
    sink.push('DeviceBaselineComplianceAssessment', {
      DeviceId: dev.id,
      DeviceName: dev.name,
      OSPlatform: dev.osPlatform,
      OSVersion: dev.version,
      ConfigurationId: c.id,
      ProfileId: `profile-${dev.os}-cis-l1`,
      IsCompliant: compliant,
      IsApplicable: true,
      Source: JSON.stringify(['Registry']),
      RecommendedValue: JSON.stringify(['Enabled']),
      CurrentValue: JSON.stringify([compliant ? 'Enabled' : 'Disabled']),
      IsExempt: false,
    })
  }
  sink.push('DeviceTvmInfoGathering', {
    Timestamp: now,
    LastSeenTime: now,
    DeviceId: dev.id,
    DeviceName: dev.name,
    OSPlatform: dev.osPlatform,
    AdditionalFields: JSON.stringify({
      AvMode: dev.os === 'windows' ? '0' : 'Active',
      AvSignatureVersion: '1.411.260.0',
      AvEngineVersion: '1.1.24030.4',
      AvPlatformVersion: '4.18.24030.9',
      TlsClient10: 'Disabled',
      Log4jEnvironmentVariableMitigation: 'false',
      SmbServerV1: dev.deviceType === 'Server' && rng.chance(0.2) ? 'Enabled' : 'Disabled',
    }),
  })
  if (dev.deviceType === 'Workstation')
    for (const e of rng.sample(BROWSER_EXTENSIONS, rng.int(1, 3)))
      sink.push('DeviceTvmBrowserExtensions', {
        DeviceId: dev.id,
        BrowserName: dev.os === 'macos' ? 'Chrome' : rng.pick(['Chrome', 'Edge']),
        ExtensionId: e.id,
        ExtensionName: e.name,
        ExtensionDescription: `${e.name} browser extension`,
        ExtensionVersion: `${rng.int(1, 9)}.${rng.int(0, 40)}.${rng.int(0, 9)}`,
        ExtensionRisk: e.risk,
        ExtensionVendor: e.vendor,
        IsActivated: 'true',
        InstallationTime: new Date(dev.firstSeenMs + rng.int(1, 20) * 86_400_000),
      })
  sink.push('DeviceTvmCertificateInfo', {
    DeviceId: dev.id,
    Thumbprint: rng.hex(40).toUpperCase(),
    Path: dev.os === 'windows' ? 'Cert:\\LocalMachine\\My' : '/etc/ssl/certs',
    SerialNumber: rng.hex(32),
    IssuedTo: JSON.stringify({ CommonName: dev.name, Organization: 'Contoso Demo' }),
    IssuedBy: JSON.stringify({ CommonName: 'Contoso Demo Issuing CA 01', Organization: 'Contoso Demo' }),
    FriendlyName: `${dev.shortName} machine certificate`,
    SignatureAlgorithm: 'sha256RSA',
    KeySize: '2048',
    ExpirationDate: new Date(tenant.endMs + rng.int(-30, 400) * 86_400_000).toISOString(),
    IssueDate: new Date(dev.firstSeenMs).toISOString(),
    SubjectType: 'End entity',
    KeyUsage: JSON.stringify(['DigitalSignature', 'KeyEncipherment']),
    ExtendedKeyUsage: JSON.stringify(['Client Authentication', 'Server Authentication']),
  })
  const hw: [string, string, string, string, string][] =
    dev.os === 'macos'
      ? [['Processor', 'Apple', 'Apple M1 Pro', 'Apple M1', '8422.100.650']]
      : [
          ['Bios', dev.vendor, `${dev.model} BIOS`, 'UEFI', `1.${rng.int(10, 30)}.0`],
          ['Processor', 'Intel', 'Intel(R) Core(TM) i7-1365U', 'Raptor Lake', '0x4121'],
        ]
  for (const [type, manu, name, family, version] of hw)
    sink.push('DeviceTvmHardwareFirmware', {
      DeviceId: dev.id,
      DeviceName: dev.name,
      ComponentType: type,
      Manufacturer: manu,
      ComponentName: name,
      ComponentFamily: family,
      ComponentVersion: version,
      AdditionalFields: JSON.stringify({ Model: dev.model }),
    })
}

/** Catalogue (KB) tables and tenant-level baseline profiles. */
export function tvmCatalogueRows(tenant: DemoTenant, sink: RowSink): void {
  for (const c of CVES)
    sink.push('DeviceTvmSoftwareVulnerabilitiesKB', {
      CveId: c.id,
      CvssScore: c.cvss.toFixed(1),
      IsExploitAvailable: c.exploit,
      VulnerabilitySeverityLevel: severityOf(c.cvss),
      LastModifiedTime: new Date(Date.parse(c.published) + 20 * 86_400_000),
      PublishedDate: new Date(c.published),
      VulnerabilityDescription: c.description,
      AffectedSoftware: JSON.stringify(
        SOFTWARE.filter((s) => s.cves.includes(c.id)).map((s) => `${s.vendor} ${s.name} ${s.version}`),
      ),
    })
  for (const c of SECURE_CONFIGS) {
    sink.push('DeviceTvmSecureConfigurationAssessmentKB', {
      ConfigurationId: c.id,
      ConfigurationImpact: c.impact,
      ConfigurationName: c.name,
      ConfigurationDescription: c.description,
      RiskDescription: `Devices without "${c.name}" are more exposed to attacks.`,
      ConfigurationCategory: c.category,
      ConfigurationSubcategory: c.subcategory,
      ConfigurationBenchmarks: JSON.stringify([{ BenchmarkName: 'CIS', BenchmarkVersion: '2.0.0' }]),
      Tags: JSON.stringify([c.subcategory]),
      RemediationOptions: c.remediation,
    })
    sink.push('DeviceBaselineComplianceAssessmentKB', {
      ConfigurationId: c.id,
      ConfigurationName: c.name,
      ConfigurationDescription: c.description,
      ConfigurationRationale: `Reduces the attack surface (${c.subcategory}).`,
      ConfigurationCategory: c.category,
      BenchmarkProfileLevels: JSON.stringify(['Level 1']),
      CCEReference: `CCE-${10000 + Number(c.id.replace(/\D/g, ''))}-0`,
      RemediationOptions: c.remediation,
      ConfigurationBenchmark: 'CIS',
      Source: JSON.stringify(['Registry']),
      RecommendedValue: JSON.stringify(['Enabled']),
    })
  }
  for (const os of ['windows', 'linux', 'macos'] as const)
    sink.push('DeviceBaselineComplianceProfiles', {
      ProfileId: `profile-${os}-cis-l1`,
      ProfileName: `CIS ${os === 'windows' ? 'Microsoft Windows' : os === 'linux' ? 'Ubuntu Linux' : 'Apple macOS'} Level 1`,
      ProfileDescription: 'Baseline profile for the demo tenant',
      OSPlatform: JSON.stringify(
        os === 'windows'
          ? ['Windows10', 'Windows11', 'WindowsServer2019', 'WindowsServer2022']
          : os === 'linux'
            ? ['Ubuntu', 'RedHatEnterpriseLinux']
            : ['macOS'],
      ),
      OSVersion: '',
      BaseBenchmark: 'CIS',
      BenchmarkVersion: '2.0.0',
      BenchmarkProfileLevel: 'Level 1',
      Status: true,
      CreatedBy: tenant.users[0]!.upn,
      CreatedOn: new Date(tenant.startMs - 60 * 86_400_000),
      LastUpdatedBy: tenant.users[0]!.upn,
      LastUpdatedOn: new Date(tenant.startMs - 10 * 86_400_000),
    })
  for (const [id, field, desc] of [
    ['IG-1', 'AvMode', 'Microsoft Defender Antivirus mode (0 active, 1 passive, 4 EDR block)'],
    ['IG-2', 'AvSignatureVersion', 'Security intelligence version'],
    ['IG-3', 'AvEngineVersion', 'Antimalware engine version'],
    ['IG-4', 'AvPlatformVersion', 'Antimalware platform version'],
    ['IG-5', 'TlsClient10', 'TLS 1.0 client state'],
    ['IG-6', 'Log4jEnvironmentVariableMitigation', 'Log4j LOG4J_FORMAT_MSG_NO_LOOKUPS mitigation'],
    ['IG-7', 'SmbServerV1', 'SMBv1 server state'],
  ] as const)
    sink.push('DeviceTvmInfoGatheringKB', {
      IgId: id,
      FieldName: field,
      Description: desc,
      Categories: JSON.stringify(['Security controls']),
      DataStructure: 'String',
    })
  for (const e of BROWSER_EXTENSIONS)
    for (const p of EXT_PERMISSIONS)
      sink.push('DeviceTvmBrowserExtensionsKB', {
        BrowserName: 'Chrome',
        ExtensionId: e.id,
        ExtensionName: e.name,
        ExtensionDescription: `${e.name} browser extension`,
        ExtensionVersion: JSON.stringify(['1.0']),
        ExtensionRisk: e.risk,
        PermissionId: p.id,
        PermissionName: p.name,
        PermissionDescription: p.name,
        PermissionRisk: p.risk,
        IsPermissionRequired: 'true',
      })
}
