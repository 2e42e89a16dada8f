import { createHash } from 'node:crypto'
import type { DeviceGroupDefinition } from './device-groups.js'

/**
 * Fixed facts about the demo tenant that identity (directory seeding) and demo (data generation)
 * must agree on. Everything here is a pure function of the seed.
 */

/** A GUID derived from a name and the seed (deterministic, RFC 4122 layout, version 5 style). */
export function deterministicGuid(name: string, seed: number): string {
  const h = createHash('sha1').update(`bulwark-demo:${seed}:${name}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`
}

export const DEMO_TENANT_DOMAIN = 'contoso-demo.onmicrosoft.com'
/** AD-style domain the demo machines are joined to (computerDnsName suffix). */
export const DEMO_AD_DOMAIN = 'corp.contoso-demo.com'

export function demoTenantId(seed: number): string {
  return deterministicGuid('tenant', seed)
}

/** Device groups of the demo tenant, in rank order; rules reference tags/OS the generator produces. */
export const DEMO_DEVICE_GROUPS: readonly DeviceGroupDefinition[] = [
  {
    id: 101,
    name: 'Tier0-Servers',
    description: 'Domain controllers and critical servers',
    rank: 1,
    rules: { tags: ['tier0'] },
  },
  {
    id: 102,
    name: 'Finance',
    description: 'Finance department workstations',
    rank: 2,
    rules: { tags: ['finance'] },
  },
  {
    id: 103,
    name: 'Linux-Servers',
    description: 'Linux server fleet',
    rank: 3,
    rules: { osPlatforms: ['Linux', 'RedHatEnterpriseLinux', 'Ubuntu'] },
  },
  { id: 104, name: 'Mac-Fleet', description: 'macOS laptops', rank: 4, rules: { osPlatforms: ['macOS'] } },
  {
    id: 105,
    name: 'Workstations',
    description: 'Windows workstations',
    rank: 5,
    rules: { osPlatforms: ['Windows10', 'Windows11'] },
  },
]
