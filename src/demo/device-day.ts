import type { BinaryDef } from './catalog/binaries.js'
import { cachedHashes, type FileHashes } from './files.js'
import { rngFor, type Rng } from './prng.js'
import {
  createdProcessColumns,
  initiatingColumns,
  makeProc,
  type Account,
  type Elevation,
  type Integrity,
  type Proc,
} from './process.js'
import type { Row, RowSink, RowValue } from './sink.js'
import { DAY_MS, type DemoDevice, type DemoTenant } from './tenant.js'

export interface SpawnOptions {
  account?: Account
  integrity?: Integrity
  elevation?: Elevation
  logonId?: number
  sessionId?: number
  hashKey?: string
  path?: string
  malicious?: boolean
  pid?: number
  /** Do not write a ProcessCreated row (processes that existed before the window). */
  silent?: boolean
}

export interface NetworkOptions {
  action?: string
  remoteIp: string
  remotePort: number
  remoteUrl?: string
  localPort?: number
  protocol?: 'Tcp' | 'Udp'
  remoteIpType?: string
  localIp?: string
}

export interface FileOptions {
  action: 'FileCreated' | 'FileModified' | 'FileRenamed' | 'FileDeleted'
  /** Full path including the file name. */
  path: string
  size?: number
  hashKey?: string
  hashes?: FileHashes
  originUrl?: string
  originIp?: string
  previousPath?: string
  extra?: Row
}

/** Action-specific DeviceEvents columns; `additional` becomes the AdditionalFields JSON. */
export type EventExtra = Record<string, RowValue | Record<string, unknown>>

const isPrivate = (ip: string) => /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip)
const isLoopback = (ip: string) => ip.startsWith('127.') || ip === '::1'
export const ipType = (ip: string) => (isLoopback(ip) ? 'Loopback' : isPrivate(ip) ? 'Private' : 'Public')

const splitPath = (path: string) => {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'))
  return { folder: path.slice(0, i), name: path.slice(i + 1) }
}

/**
 * Emits one device's telemetry for one day of the window: process creation with consistent parent
 * ids, and events whose InitiatingProcess* columns describe a process that was created (or is the
 * OS root). Everything is deterministic in (seed, device, day).
 */
export class DeviceDay {
  readonly rng: Rng
  /** UTC midnight of this calendar day (offsets passed to `at` count from here). */
  readonly dayStartMs: number
  /** First instant of the day inside the window. */
  readonly lowMs: number
  readonly dayEndMs: number
  #seq = 0
  #nextPid: number
  readonly #pidsInUse = new Set<number>()
  /** Signed images executed or loaded today (for DeviceFileCertificateInfo). */
  readonly seenImages = new Map<string, { bin: BinaryDef; hashes: FileHashes }>()

  constructor(
    readonly tenant: DemoTenant,
    readonly dev: DemoDevice,
    readonly day: number,
    readonly sink: RowSink,
  ) {
    this.rng = rngFor(tenant.seed, 'device-day', dev.index, day)
    this.dayStartMs = tenant.firstDayMs + day * DAY_MS
    this.lowMs = Math.max(this.dayStartMs, tenant.startMs)
    this.dayEndMs = Math.min(this.dayStartMs + DAY_MS, tenant.endMs)
    this.#nextPid = dev.os === 'windows' ? 1000 + this.rng.int(0, 400) * 4 : 2000 + day * 15_000
  }

  /** A Date `ms` after the start of the day, kept inside the day. */
  at(ms: number): Date {
    return new Date(Math.min(Math.max(this.lowMs, this.dayStartMs + ms), this.dayEndMs - 1))
  }

  reportId(): number {
    return (this.day + 1) * 1_000_000 + ++this.#seq
  }

  pid(): number {
    if (this.dev.os === 'windows') {
      for (;;) {
        this.#nextPid = 1000 + ((this.#nextPid - 1000 + 4 * this.rng.int(1, 60)) % 60_000)
        if (!this.#pidsInUse.has(this.#nextPid)) break
      }
    } else this.#nextPid += this.rng.int(1, 9)
    this.#pidsInUse.add(this.#nextPid)
    return this.#nextPid
  }

  #base(table: string, when: Date, action: string): Row {
    return {
      Timestamp: when,
      DeviceId: this.dev.id,
      DeviceName: this.dev.name,
      ActionType: action,
      ReportId: this.reportId(),
    }
    void table
  }

  #see(p: Proc): void {
    if (p.bin.signer && !this.seenImages.has(p.bin.key))
      this.seenImages.set(p.bin.key, { bin: p.bin, hashes: p.hashes })
  }

  /** Creates a process under `parent` at `when` and writes its ProcessCreated row. */
  spawn(parent: Proc, bin: BinaryDef, cmd: string, when: Date, o: SpawnOptions = {}): Proc {
    const p = makeProc({
      pid: o.pid ?? this.pid(),
      created: when,
      bin,
      cmd,
      account: o.account ?? parent.account,
      integrity: o.integrity ?? parent.integrity,
      elevation: o.elevation ?? parent.elevation,
      logonId: o.logonId ?? parent.logonId,
      sessionId: o.sessionId ?? parent.sessionId,
      parent,
      ...(o.malicious ? { malicious: true } : {}),
      ...(o.hashKey ? { hashKey: o.hashKey } : {}),
      ...(o.path ? { pathOverride: o.path } : {}),
    })
    this.#see(p)
    if (o.silent) return p
    this.sink.push(
      'DeviceProcessEvents',
      this.#base('DeviceProcessEvents', when, 'ProcessCreated'),
      createdProcessColumns(p),
      initiatingColumns(parent),
      {
        InitiatingProcessLogonId: parent.logonId,
        InitiatingProcessSignerType: parent.bin.signer ? 'OsVendor' : 'None',
        InitiatingProcessSignatureStatus: parent.bin.signer ? 'Valid' : 'Unsigned',
      },
    )
    return p
  }

  /** A child a few hundred ms after `when` (the usual way a command line runs). */
  later(when: Date, minMs = 50, maxMs = 1500): Date {
    return new Date(Math.min(when.getTime() + this.rng.int(minMs, maxMs), this.dayEndMs - 1))
  }

  network(actor: Proc, when: Date, o: NetworkOptions): void {
    const action = o.action ?? 'ConnectionSuccess'
    const inbound = action === 'InboundConnectionAccepted' || action === 'ListeningConnectionCreated'
    const localIp = o.localIp ?? this.dev.ip
    this.sink.push(
      'DeviceNetworkEvents',
      this.#base('DeviceNetworkEvents', when, action),
      initiatingColumns(actor),
      {
        RemoteIP: o.remoteIp,
        RemotePort: o.remotePort,
        RemoteUrl: o.remoteUrl ?? '',
        LocalIP: localIp,
        LocalPort: o.localPort ?? (inbound ? o.remotePort : this.rng.int(49_152, 65_535)),
        Protocol: o.protocol ?? 'Tcp',
        LocalIPType: ipType(localIp),
        RemoteIPType: o.remoteIpType ?? ipType(o.remoteIp),
      },
    )
  }

  file(actor: Proc, when: Date, o: FileOptions): FileHashes {
    const { folder, name } = splitPath(o.path)
    const hashes = o.hashes ?? cachedHashes(o.hashKey ?? `${name}:${o.size ?? 0}`)
    const prev = o.previousPath ? splitPath(o.previousPath) : null
    this.sink.push(
      'DeviceFileEvents',
      this.#base('DeviceFileEvents', when, o.action),
      initiatingColumns(actor),
      {
        FileName: name,
        FolderPath: o.path,
        SHA1: o.action === 'FileDeleted' ? '' : hashes.sha1,
        SHA256: o.action === 'FileDeleted' ? '' : hashes.sha256,
        MD5: o.action === 'FileDeleted' ? '' : hashes.md5,
        FileSize: o.size ?? null,
        FileOriginUrl: o.originUrl ?? '',
        FileOriginIP: o.originIp ?? '',
        PreviousFolderPath: prev ? prev.folder : '',
        PreviousFileName: prev ? prev.name : '',
        RequestProtocol: 'Local',
        IsAzureInfoProtectionApplied: false,
      },
      o.extra ?? {},
    )
    void folder
    return hashes
  }

  registry(
    actor: Proc,
    when: Date,
    o: {
      action?: string
      key: string
      valueName?: string
      valueType?: string
      data?: string
      previousData?: string
    },
  ): void {
    this.sink.push(
      'DeviceRegistryEvents',
      this.#base('DeviceRegistryEvents', when, o.action ?? 'RegistryValueSet'),
      initiatingColumns(actor),
      {
        RegistryKey: o.key,
        RegistryValueType: o.valueType ?? (o.valueName ? 'String' : 'None'),
        RegistryValueName: o.valueName ?? '',
        RegistryValueData: o.data ?? '',
        PreviousRegistryKey: o.previousData !== undefined ? o.key : '',
        PreviousRegistryValueName: o.previousData !== undefined ? (o.valueName ?? '') : '',
        PreviousRegistryValueData: o.previousData ?? '',
      },
    )
  }

  logon(
    actor: Proc,
    when: Date,
    o: {
      action?: 'LogonSuccess' | 'LogonFailed'
      logonType: string
      account: Account
      protocol?: string
      remoteIp?: string
      remoteDevice?: string
      remotePort?: number
      failureReason?: string
      isLocalAdmin?: boolean
      logonId?: number
    },
  ): void {
    this.sink.push(
      'DeviceLogonEvents',
      this.#base('DeviceLogonEvents', when, o.action ?? 'LogonSuccess'),
      initiatingColumns(actor),
      {
        LogonType: o.logonType,
        AccountDomain: o.account.domain,
        AccountName: o.account.name,
        AccountSid: o.account.sid,
        Protocol: o.protocol ?? (this.dev.os === 'windows' ? (o.remoteIp ? 'Kerberos' : 'Negotiate') : ''),
        FailureReason: o.failureReason ?? '',
        IsLocalAdmin: o.isLocalAdmin ?? false,
        LogonId: o.action === 'LogonFailed' ? null : (o.logonId ?? this.rng.int(100_000, 9_999_999)),
        RemoteDeviceName: o.remoteDevice ?? '',
        RemoteIP: o.remoteIp ?? '',
        RemoteIPType: o.remoteIp ? ipType(o.remoteIp) : '',
        RemotePort: o.remotePort ?? null,
      },
    )
  }

  imageLoad(actor: Proc, when: Date, dll: BinaryDef): void {
    const hashes = cachedHashes(dll.key)
    if (dll.signer && !this.seenImages.has(dll.key)) this.seenImages.set(dll.key, { bin: dll, hashes })
    this.sink.push(
      'DeviceImageLoadEvents',
      this.#base('DeviceImageLoadEvents', when, 'ImageLoaded'),
      initiatingColumns(actor),
      {
        FileName: dll.fileName,
        FolderPath: `${dll.folder}\\${dll.fileName}`,
        SHA1: hashes.sha1,
        SHA256: hashes.sha256,
        MD5: hashes.md5,
        FileSize: dll.size,
      },
    )
  }

  /** A DeviceEvents row; `extra` fills the action-specific columns (AdditionalFields as an object). */
  event(actor: Proc | null, when: Date, action: string, extra: EventExtra = {}): void {
    const { additional, ...rest } = extra as Row & { additional?: object }
    this.sink.push(
      'DeviceEvents',
      this.#base('DeviceEvents', when, action),
      actor ? initiatingColumns(actor) : {},
      {
        ...(actor ? { InitiatingProcessLogonId: actor.logonId } : {}),
        ...(additional === undefined ? {} : { AdditionalFields: JSON.stringify(additional) }),
        ...rest,
      },
    )
  }
}
