/**
 * Device-group membership rules, shared by identity (RBAC scoping) and the demo generator (which
 * assigns each machine its group). MDE evaluates a device group's rules in rank order and puts each
 * device in the first group whose rules all match; devices matching none go to the tenant's
 * "Ungrouped devices (default)" group.
 */
export interface DeviceGroupRules {
  /** Any of these machine tags (case-insensitive). */
  tags?: string[]
  /** Computer DNS name starts with any of these (case-insensitive). */
  namePrefixes?: string[]
  /** Computer DNS name ends with `.<domain>` (case-insensitive). */
  domains?: string[]
  /** osPlatform equals any of these (case-insensitive), e.g. Windows10, Linux, macOS. */
  osPlatforms?: string[]
}

export interface DeviceGroupDefinition {
  id: number
  name: string
  description: string
  /** Lower rank wins when several groups match. */
  rank: number
  rules: DeviceGroupRules
}

export interface MachineForGrouping {
  computerDnsName: string
  osPlatform: string
  machineTags: readonly string[]
}

export const UNGROUPED_DEVICE_GROUP: DeviceGroupDefinition = {
  id: 0,
  name: 'UnassignedGroup',
  description: 'Ungrouped devices (default)',
  rank: Number.MAX_SAFE_INTEGER,
  rules: {},
}

const lc = (s: string) => s.toLowerCase()

export function matchesDeviceGroup(machine: MachineForGrouping, rules: DeviceGroupRules): boolean {
  const name = lc(machine.computerDnsName)
  const hasRule = Boolean(
    rules.tags?.length || rules.namePrefixes?.length || rules.domains?.length || rules.osPlatforms?.length,
  )
  if (!hasRule) return false
  if (rules.tags?.length && !machine.machineTags.some((t) => rules.tags!.some((r) => lc(r) === lc(t))))
    return false
  if (rules.namePrefixes?.length && !rules.namePrefixes.some((p) => name.startsWith(lc(p)))) return false
  if (rules.domains?.length && !rules.domains.some((d) => name.endsWith('.' + lc(d)))) return false
  if (rules.osPlatforms?.length && !rules.osPlatforms.some((o) => lc(o) === lc(machine.osPlatform)))
    return false
  return true
}

/** The group a machine belongs to: the best-ranked matching group, else the default group. */
export function assignDeviceGroup(
  machine: MachineForGrouping,
  groups: readonly DeviceGroupDefinition[],
): DeviceGroupDefinition {
  const sorted = [...groups].sort((a, b) => a.rank - b.rank)
  return sorted.find((g) => matchesDeviceGroup(machine, g.rules)) ?? UNGROUPED_DEVICE_GROUP
}
