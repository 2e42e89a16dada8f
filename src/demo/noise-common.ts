import { BENIGN_ENDPOINTS, CORP_DNS_SERVERS, type RemoteEndpoint } from './catalog/network.js'
import { bootState, bootTimes, type BootState } from './boot.js'
import type { DeviceDay } from './device-day.js'
import type { Proc } from './process.js'

/** The boots of the device that matter for one day, and which one is active at a given instant. */
export class Boots {
  readonly states: BootState[] = []

  constructor(readonly dd: DeviceDay) {
    const times = bootTimes(dd.tenant, dd.dev)
    times.forEach((atMs, i) => {
      const next = times[i + 1] ?? Infinity
      if (atMs >= dd.dayEndMs || next <= dd.dayStartMs) return
      this.states.push(bootState(dd, i, atMs, atMs >= dd.dayStartMs))
    })
  }

  /** Earliest instant (ms into the day) at which the device is up today. */
  get firstUpMs(): number {
    const first = this.states[0]
    return first ? Math.max(0, first.atMs - this.dd.dayStartMs + 5 * 60_000) : 0
  }

  at(when: Date): BootState {
    let cur = this.states[0]!
    for (const s of this.states) if (s.atMs + 5 * 60_000 <= when.getTime()) cur = s
    return cur
  }

  /** A random instant of the day when the device is up (ms into the day), within [fromMs, toMs). */
  randomUpMs(fromMs = 0, toMs = 86_400_000): number {
    const lo = Math.max(fromMs, this.firstUpMs)
    const hi = Math.max(lo + 1, Math.min(toMs, this.dd.dayEndMs - this.dd.dayStartMs))
    const t = this.dd.rng.int(lo, hi - 1)
    // Keep clear of the patch reboot gap.
    for (const s of this.states) {
      const rel = s.atMs - this.dd.dayStartMs
      if (t >= rel - 60_000 && t < rel + 5 * 60_000) return rel + 5 * 60_000 + this.dd.rng.int(1, 60_000)
    }
    return t
  }
}

export function isWeekend(dayStartMs: number): boolean {
  const d = new Date(dayStartMs).getUTCDay()
  return d === 0 || d === 6
}

export function benign(dd: DeviceDay, hosts?: readonly string[]): RemoteEndpoint {
  const pool = hosts ? BENIGN_ENDPOINTS.filter((e) => hosts.includes(e.host)) : BENIGN_ENDPOINTS
  return dd.rng.pick(pool.length ? pool : BENIGN_ENDPOINTS)
}

/** A connection (or a few) from `actor` to a benign SaaS endpoint. */
export function browse(dd: DeviceDay, actor: Proc, when: Date, hosts?: readonly string[], count = 1): void {
  let t = when
  for (let i = 0; i < count; i++) {
    const e = benign(dd, hosts)
    dd.network(actor, t, { remoteIp: e.ip, remotePort: e.port, remoteUrl: e.host })
    t = dd.later(t, 200, 20_000)
  }
}

export function dnsLookup(dd: DeviceDay, actor: Proc, when: Date): void {
  dd.network(actor, when, {
    remoteIp: dd.rng.pick(CORP_DNS_SERVERS),
    remotePort: 53,
    protocol: 'Udp',
  })
}

/** Other devices of the tenant (for lateral, SMB and logon traffic), excluding this one. */
export function peerDevice(dd: DeviceDay) {
  const devs = dd.tenant.devices
  if (devs.length === 1) return dd.dev
  let d = dd.rng.pick(devs)
  while (d.index === dd.dev.index) d = dd.rng.pick(devs)
  return d
}

export function randomPublicIp(dd: DeviceDay): string {
  const first = dd.rng.pick([45, 61, 77, 89, 91, 103, 112, 118, 141, 176, 185, 193, 194, 212])
  return `${first}.${dd.rng.int(1, 254)}.${dd.rng.int(1, 254)}.${dd.rng.int(1, 254)}`
}
