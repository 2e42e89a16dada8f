import { CORP_DNS_SERVERS } from './catalog/network.js'
import type { DeviceDay } from './device-day.js'
import type { Boots } from './noise-common.js'
import { rngFor } from './prng.js'

const H = 3_600_000

export function deviceInfoRow(
  dd: DeviceDay,
  when: Date,
  loggedOn: readonly { name: string; domain: string; sid: string }[],
) {
  const d = dd.dev
  return {
    Timestamp: when,
    DeviceId: d.id,
    DeviceName: d.name,
    ClientVersion: d.clientVersion,
    PublicIP: d.externalIp,
    OSArchitecture: '64-bit',
    OSPlatform: d.osPlatform,
    OSBuild: d.osBuild,
    IsAzureADJoined: d.aadDeviceId !== null,
    JoinType: d.os === 'windows' ? (d.aadDeviceId ? 'Hybrid Azure AD Join' : 'Domain Joined') : '',
    AadDeviceId: d.aadDeviceId ?? '',
    LoggedOnUsers: JSON.stringify(
      loggedOn.map((u) => ({ UserName: u.name, DomainName: u.domain, Sid: u.sid })),
    ),
    RegistryDeviceTag: '',
    OSVersion: d.os === 'windows' ? '10.0' : d.version,
    MachineGroup: d.group.name,
    ReportId: dd.reportId(),
    OnboardingStatus: 'Onboarded',
    AdditionalFields: '',
    DeviceCategory: 'Endpoint',
    DeviceType: d.deviceType,
    DeviceSubtype: '',
    Model: d.model,
    Vendor: d.vendor,
    OSDistribution: d.osDistribution,
    OSVersionInfo: d.osVersionInfo,
    MergedDeviceIds: '',
    MergedToDeviceId: '',
    IsInternetFacing: d.isInternetFacing,
    SensorHealthState: 'Active',
    IsExcluded: false,
    ExclusionReason: '',
    ExposureLevel: d.exposureLevel,
    AssetValue: d.assetValue,
    DeviceManualTags: JSON.stringify(d.tags),
    DeviceDynamicTags: '[]',
    ConnectivityType: '',
    HostDeviceId: '',
    AzureResourceId: '',
    AwsResourceName: '',
    GcpFullResourceName: '',
  }
}

/** DeviceInfo every six hours, DeviceNetworkInfo daily per adapter, DeviceFileCertificateInfo for images seen. */
export function stateRows(
  dd: DeviceDay,
  boots: Boots,
  loggedOn: readonly { name: string; domain: string; sid: string }[],
): void {
  const d = dd.dev
  for (let h = 0; h < 24; h += 6) {
    const ms = h * H + dd.rng.int(60_000, 3 * H)
    if (ms < boots.firstUpMs || dd.dayStartMs + ms >= dd.dayEndMs) continue
    dd.sink.push('DeviceInfo', deviceInfoRow(dd, dd.at(ms), h >= 12 ? loggedOn : []))
  }
  const when = dd.at(Math.max(boots.firstUpMs, 60_000) + dd.rng.int(0, H))
  const adapters =
    d.os === 'windows'
      ? [
          {
            name: 'Ethernet',
            type: 'Ethernet',
            vendor: d.deviceType === 'Server' ? 'Microsoft' : 'Intel Corporation',
          },
        ]
      : [
          {
            name: d.os === 'macos' ? 'en0' : 'eth0',
            type: d.os === 'macos' ? 'Wireless80211' : 'Ethernet',
            vendor: '',
          },
        ]
  for (const a of adapters)
    dd.sink.push('DeviceNetworkInfo', {
      Timestamp: when,
      DeviceId: d.id,
      DeviceName: d.name,
      NetworkAdapterName: a.name,
      MacAddress: d.mac.replace(/:/g, '-'),
      NetworkAdapterType: a.type,
      NetworkAdapterStatus: 'Up',
      TunnelType: '',
      ConnectedNetworks: JSON.stringify([
        {
          Name: 'corp.contoso-demo.com',
          Category: 'Domain',
          Description: 'corp.contoso-demo.com',
          IsConnectedToInternet: true,
        },
      ]),
      DnsAddresses: JSON.stringify(CORP_DNS_SERVERS),
      IPv4Dhcp: d.deviceType === 'Server' ? '' : '10.0.0.2',
      IPv6Dhcp: '',
      DefaultGateways: JSON.stringify([d.ip.replace(/\.\d+$/, '.1')]),
      IPAddresses: JSON.stringify([{ IPAddress: d.ip, SubnetPrefix: 24, AddressType: 'Private' }]),
      ReportId: dd.reportId(),
      NetworkAdapterVendor: a.vendor,
    })
  const certAt = dd.at(boots.firstUpMs + dd.rng.int(H, 2 * H))
  for (const { bin, hashes } of dd.seenImages.values()) {
    const signer = bin.signer!
    const ms = signer === 'Microsoft Windows' || signer === 'Microsoft Corporation'
    const issuer = ms
      ? 'Microsoft Windows Production PCA 2011'
      : 'DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1'
    const r = rngFor(dd.tenant.seed, 'cert', signer)
    dd.sink.push('DeviceFileCertificateInfo', {
      Timestamp: certAt,
      DeviceId: d.id,
      DeviceName: d.name,
      SHA1: hashes.sha1,
      IsSigned: true,
      SignatureType: bin.os === 'windows' && bin.folder.startsWith('C:\\Windows') ? 'Catalog' : 'Embedded',
      Signer: signer,
      SignerHash: r.hex(40),
      Issuer: issuer,
      IssuerHash: rngFor(0, 'issuer', issuer).hex(40),
      CertificateSerialNumber: r.hex(38),
      CrlDistributionPointUrls: JSON.stringify([
        ms
          ? 'http://www.microsoft.com/pkiops/crl/MicWinProPCA2011_2011-10-19.crl'
          : 'http://crl3.digicert.com/DigiCertTrustedG4CodeSigningRSA4096SHA3842021CA1.crl',
      ]),
      CertificateCreationTime: new Date(Date.UTC(2023, 9, 1 + (r.nextUint32() % 60))),
      CertificateExpirationTime: new Date(Date.UTC(2026, 9, 1 + (r.nextUint32() % 60))),
      CertificateCountersignatureTime: new Date(Date.UTC(2024, 2, 1 + (r.nextUint32() % 60))),
      IsTrusted: true,
      IsRootSignerMicrosoft: ms,
      ReportId: dd.reportId(),
    })
  }
}
