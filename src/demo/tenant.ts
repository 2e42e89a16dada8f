import { assignDeviceGroup, type DeviceGroupDefinition } from '../schema/device-groups.js'
import {
  DEMO_AD_DOMAIN,
  DEMO_DEVICE_GROUPS,
  DEMO_TENANT_DOMAIN,
  demoTenantId,
  deterministicGuid,
} from '../schema/demo-tenant.js'
import type { OsFamily } from './catalog/binaries.js'
import { DEPARTMENTS, FIRST_NAMES, LAST_NAMES, type DepartmentCode } from './catalog/people.js'
import { rngFor, type Rng } from './prng.js'

/** Bumped whenever the loaded demo changes for the same seed (stored in the demo marker); 2: observations; 3: recommendations. */
export const DEMO_GENERATOR_VERSION = 3
export const DEMO_DAYS = 7
export const DAY_MS = 86_400_000
export const NETBIOS_DOMAIN = 'CONTOSO'
const DOMAIN_SID = 'S-1-5-21-1004336348-1177238915-682003330'

export interface DemoUser {
  index: number
  accountName: string
  displayName: string
  domain: string
  upn: string
  sid: string
  objectId: string
  department: DepartmentCode | 'admin' | 'service'
  isAdmin: boolean
}

export type DeviceRole = 'workstation' | 'laptop' | 'dc' | 'fileserver' | 'sql' | 'web' | 'app' | 'jump'

export interface DemoDevice extends OsChoice {
  index: number
  id: string
  /** FQDN, lower case (DeviceName / computerDnsName). */
  name: string
  shortName: string
  role: DeviceRole
  deviceType: 'Workstation' | 'Server'
  tags: string[]
  group: DeviceGroupDefinition
  ip: string
  mac: string
  externalIp: string
  /** Primary interactive user (workstations and Macs). */
  user: DemoUser | null
  /** Admin accounts that log on to it. */
  admins: DemoUser[]
  aadDeviceId: string | null
  isInternetFacing: boolean
  model: string
  vendor: string
  clientVersion: string
  firstSeenMs: number
  exposureLevel: 'Low' | 'Medium' | 'High'
  assetValue: 'Low' | 'Normal' | 'High'
}

export interface DemoTenant {
  seed: number
  tenantId: string
  tenantDomain: string
  /** End of the telemetry window (the product clock at first load, floored to the hour). */
  endMs: number
  startMs: number
  /** UTC midnight on or before startMs; calendar day `d` starts at firstDayMs + d·24 h. */
  firstDayMs: number
  /** Calendar days touched by the window (8 unless the window starts at midnight). */
  dayCount: number
  users: DemoUser[]
  devices: DemoDevice[]
}

/** A device's operating system as the demo picks it. */
interface OsChoice {
  os: OsFamily
  osPlatform: string
  /** MDE machine `version` (release), e.g. 23H2, 22.04, 14.4. */
  version: string
  osBuild: number | null
  osVersionInfo: string
  osDistribution: string
}

const WIN11: OsChoice = {
  os: 'windows',
  osPlatform: 'Windows11',
  version: '23H2',
  osBuild: 22631,
  osVersionInfo: '23H2',
  osDistribution: '',
}
const WIN10: OsChoice = {
  os: 'windows',
  osPlatform: 'Windows10',
  version: '22H2',
  osBuild: 19045,
  osVersionInfo: '22H2',
  osDistribution: '',
}
const SRV2022: OsChoice = {
  os: 'windows',
  osPlatform: 'WindowsServer2022',
  version: '21H2',
  osBuild: 20348,
  osVersionInfo: '21H2',
  osDistribution: '',
}
const SRV2019: OsChoice = {
  os: 'windows',
  osPlatform: 'WindowsServer2019',
  version: '1809',
  osBuild: 17763,
  osVersionInfo: '1809',
  osDistribution: '',
}
const SRV2016: OsChoice = {
  os: 'windows',
  osPlatform: 'WindowsServer2016',
  version: '1607',
  osBuild: 14393,
  osVersionInfo: '1607',
  osDistribution: '',
}
const UBUNTU: OsChoice = {
  os: 'linux',
  osPlatform: 'Ubuntu',
  version: '22.04',
  osBuild: null,
  osVersionInfo: '22.04',
  osDistribution: 'Ubuntu',
}
const RHEL: OsChoice = {
  os: 'linux',
  osPlatform: 'RedHatEnterpriseLinux',
  version: '9.3',
  osBuild: null,
  osVersionInfo: '9.3',
  osDistribution: 'RedHatEnterpriseLinux',
}
const MACOS: OsChoice = {
  os: 'macos',
  osPlatform: 'macOS',
  version: '14.4',
  osBuild: null,
  osVersionInfo: '14.4.1',
  osDistribution: 'macOS',
}

interface Slot {
  os: OsChoice
  role: DeviceRole
  prefix: string
  dept?: DepartmentCode
  tags?: string[]
}

/** The first devices are fixed so that every story has its host even in a small tenant. */
const FIXED_SLOTS: readonly Slot[] = [
  { os: WIN11, role: 'laptop', prefix: 'fin-lt', dept: 'fin', tags: ['finance', 'VIP'] },
  { os: SRV2022, role: 'dc', prefix: 'dc', tags: ['tier0'] },
  { os: UBUNTU, role: 'web', prefix: 'web-prod', tags: ['internet-facing'] },
  { os: SRV2019, role: 'fileserver', prefix: 'fs', tags: ['tier0', 'file-share'] },
  { os: MACOS, role: 'laptop', prefix: 'mbp', dept: 'eng' },
  { os: SRV2016, role: 'jump', prefix: 'rds-gw', tags: ['internet-facing'] },
  { os: RHEL, role: 'app', prefix: 'app-prod' },
  { os: WIN10, role: 'workstation', prefix: 'ws', dept: 'it' },
]

function randomSlot(rng: Rng): Slot {
  const kind = rng.weighted(['win-ws', 'win-srv', 'linux', 'mac'] as const, [62, 12, 14, 12])
  if (kind === 'win-ws') {
    const dept = rng.weighted(
      DEPARTMENTS.map((d) => d.code),
      DEPARTMENTS.map((d) => d.weight),
    )
    const laptop = rng.chance(0.6)
    return {
      os: rng.chance(0.65) ? WIN11 : WIN10,
      role: laptop ? 'laptop' : 'workstation',
      prefix: `${dept}-${laptop ? 'lt' : 'ws'}`,
      dept,
      tags: dept === 'fin' ? ['finance'] : [],
    }
  }
  if (kind === 'win-srv') {
    const role = rng.weighted(['sql', 'app', 'fileserver', 'web'] as const, [3, 4, 2, 2])
    return {
      os: rng.pick([SRV2022, SRV2019, SRV2016]),
      role,
      prefix: { sql: 'sql', app: 'appsrv', fileserver: 'fs', web: 'iis' }[role],
      tags: rng.chance(0.2) ? ['pci'] : [],
    }
  }
  if (kind === 'linux') {
    const role = rng.weighted(['web', 'app', 'sql'] as const, [3, 4, 2])
    return {
      os: rng.chance(0.6) ? UBUNTU : RHEL,
      role,
      prefix: { web: 'web-prod', app: rng.pick(['app-prod', 'k8s-node', 'build']), sql: 'db-prod' }[role],
      tags: rng.chance(0.3) ? ['prod'] : [],
    }
  }
  return { os: MACOS, role: 'laptop', prefix: 'mbp', dept: rng.pick(['eng', 'mkt', 'sales'] as const) }
}

const pad = (n: number, w: number) => String(n).padStart(w, '0')

function makeUser(
  seed: number,
  index: number,
  rng: Rng,
  department: DemoUser['department'],
  used: Set<string>,
): DemoUser {
  let first = rng.pick(FIRST_NAMES)
  let last = rng.pick(LAST_NAMES)
  let accountName = (first[0]! + last).toLowerCase()
  for (let k = 2; used.has(accountName); k++) {
    if (k > 5) accountName = `${(first[0]! + last).toLowerCase()}${k}`
    else {
      first = rng.pick(FIRST_NAMES)
      last = rng.pick(LAST_NAMES)
      accountName = (first[0]! + last).toLowerCase()
    }
  }
  used.add(accountName)
  return {
    index,
    accountName,
    displayName: `${first} ${last}`,
    domain: NETBIOS_DOMAIN,
    upn: `${accountName}@${DEMO_TENANT_DOMAIN}`,
    sid: `${DOMAIN_SID}-${1105 + index}`,
    objectId: deterministicGuid(`user:${index}`, seed),
    department,
    isAdmin: department === 'admin',
  }
}

function adminUser(seed: number, index: number, accountName: string, displayName: string): DemoUser {
  return {
    index,
    accountName,
    displayName,
    domain: NETBIOS_DOMAIN,
    upn: `${accountName}@${DEMO_TENANT_DOMAIN}`,
    sid: `${DOMAIN_SID}-${1105 + index}`,
    objectId: deterministicGuid(`user:${index}`, seed),
    department: accountName.startsWith('svc') ? 'service' : 'admin',
    isAdmin: !accountName.startsWith('svc'),
  }
}

function ipFor(index: number, role: DeviceRole): string {
  const server = role !== 'workstation' && role !== 'laptop'
  const base = server ? 0 : 10
  return `10.${base + Math.floor(index / 250)}.${server ? 1 : 20}.${(index % 250) + 5}`
}

/**
 * The tenant's people and devices: a pure function of (seed, device count, window end). Small even at
 * 5,000 devices (no telemetry is held here).
 */
export function buildTenant(seed: number, deviceCount: number, nowMs: number): DemoTenant {
  const endMs = Math.floor(nowMs / 3_600_000) * 3_600_000
  const startMs = endMs - DEMO_DAYS * DAY_MS
  const firstDayMs = Math.floor(startMs / DAY_MS) * DAY_MS
  const used = new Set<string>()
  const admins = [
    adminUser(seed, 0, 'adm-jdoe', 'John Doe (admin)'),
    adminUser(seed, 1, 'adm-mtaylor', 'Megan Taylor (admin)'),
    adminUser(seed, 2, 'svc-backup', 'Backup service'),
    adminUser(seed, 3, 'svc-sql', 'SQL service'),
  ]
  admins.forEach((a) => used.add(a.accountName))
  const users: DemoUser[] = [...admins]
  const devices: DemoDevice[] = []
  const counters = new Map<string, number>()
  for (let i = 0; i < deviceCount; i++) {
    const rng = rngFor(seed, 'device', i)
    const slot = FIXED_SLOTS[i] ?? randomSlot(rng)
    const n = (counters.get(slot.prefix) ?? 0) + 1
    counters.set(slot.prefix, n)
    const server = slot.role !== 'workstation' && slot.role !== 'laptop'
    let user: DemoUser | null = null
    if (!server) {
      user = makeUser(seed, users.length, rng, slot.dept ?? 'eng', used)
      users.push(user)
    }
    const shortName =
      slot.os.os === 'macos' && user
        ? `mbp-${user.accountName}`
        : `${slot.prefix}-${pad(n, slot.role === 'dc' || server ? 2 : 4)}`
    const name = slot.os.os === 'macos' ? shortName : `${shortName}.${DEMO_AD_DOMAIN}`
    const tags = [...(slot.tags ?? [])]
    const group = assignDeviceGroup(
      { computerDnsName: name, osPlatform: slot.os.osPlatform, machineTags: tags },
      DEMO_DEVICE_GROUPS,
    )
    const macTail = rng.hex(6).toUpperCase()
    const isWin = slot.os.os === 'windows'
    const internetFacing = tags.includes('internet-facing')
    devices.push({
      index: i,
      id: deterministicGuid(`machine:${i}`, seed).replace(/-/g, '') + rng.hex(8),
      name,
      shortName,
      os: slot.os.os,
      osPlatform: slot.os.osPlatform,
      version: slot.os.version,
      osBuild: slot.os.osBuild,
      osVersionInfo: slot.os.osVersionInfo,
      osDistribution: slot.os.osDistribution,
      role: slot.role,
      deviceType: server ? 'Server' : 'Workstation',
      tags,
      group,
      ip: ipFor(i, slot.role),
      mac:
        (slot.os.os === 'macos' ? 'A4:83:E7:' : isWin ? '00:15:5D:' : '52:54:00:') +
        macTail.replace(/(..)(?!$)/g, '$1:'),
      externalIp: internetFacing ? `20.81.${10 + (i % 200)}.${(i * 7) % 250}` : '52.168.14.5',
      user,
      admins: server ? [admins[0]!, admins[1]!] : [admins[i % 2]!],
      aadDeviceId: isWin && !server ? deterministicGuid(`aad-device:${i}`, seed) : null,
      isInternetFacing: internetFacing,
      model:
        slot.os.os === 'macos'
          ? 'MacBookPro18,3'
          : server
            ? 'Virtual Machine'
            : rng.pick(['Latitude 7440', 'ThinkPad T14 Gen 4', 'EliteBook 840 G10', 'Surface Laptop 5']),
      vendor:
        slot.os.os === 'macos'
          ? 'Apple Inc.'
          : server
            ? 'Microsoft Corporation'
            : rng.pick(['Dell Inc.', 'LENOVO', 'HP', 'Microsoft Corporation']),
      clientVersion: isWin
        ? `10.8760.${slot.os.osBuild ?? 0}.1023`
        : slot.os.os === 'linux'
          ? '101.24032.0007'
          : '101.24042.0002',
      firstSeenMs: startMs - rng.int(30, 400) * DAY_MS,
      exposureLevel: internetFacing ? 'High' : server ? 'Medium' : rng.pick(['Low', 'Medium'] as const),
      assetValue: tags.includes('tier0') || tags.includes('VIP') ? 'High' : 'Normal',
    })
  }
  return {
    seed,
    tenantId: demoTenantId(seed),
    tenantDomain: DEMO_TENANT_DOMAIN,
    endMs,
    startMs,
    firstDayMs,
    dayCount: Math.ceil((endMs - firstDayMs) / DAY_MS),
    users,
    devices,
  }
}

/** The canonical domain-qualified account name, e.g. `contoso\jdoe`. */
export const qualified = (u: DemoUser) => `${u.domain.toLowerCase()}\\${u.accountName}`
