import { imagePath, type BinaryDef } from './catalog/binaries.js'
import { cachedHashes, type FileHashes } from './files.js'
import type { Row } from './sink.js'
import type { DemoDevice, DemoUser } from './tenant.js'

/** The account a process runs as, in hunting-table form. */
export interface Account {
  name: string
  domain: string
  sid: string
  upn: string
  objectId: string
}

export type Integrity = 'System' | 'High' | 'Medium' | 'Low'
export type Elevation = 'TokenElevationTypeDefault' | 'TokenElevationTypeLimited' | 'TokenElevationTypeFull'

/** One process instance on one device. (pid, created) identifies it on that device. */
export interface Proc {
  pid: number
  created: Date
  bin: BinaryDef
  hashes: FileHashes
  path: string
  cmd: string
  account: Account
  integrity: Integrity
  elevation: Elevation
  logonId: number
  sessionId: number
  parent: Proc | null
  /** Attacker-controlled image (stories); used by evidence. */
  malicious?: boolean
  /** Cached InitiatingProcess* columns (see `initiatingColumns`). */
  initiating?: Row
}

export const SYSTEM_ACCOUNT: Account = {
  name: 'system',
  domain: 'nt authority',
  sid: 'S-1-5-18',
  upn: '',
  objectId: '',
}
export const LOCAL_SERVICE: Account = {
  name: 'local service',
  domain: 'nt authority',
  sid: 'S-1-5-19',
  upn: '',
  objectId: '',
}
export const NETWORK_SERVICE: Account = {
  name: 'network service',
  domain: 'nt authority',
  sid: 'S-1-5-20',
  upn: '',
  objectId: '',
}

export function userAccount(u: DemoUser): Account {
  return { name: u.accountName, domain: u.domain.toLowerCase(), sid: u.sid, upn: u.upn, objectId: u.objectId }
}

/** Root account on Linux/macOS (the device's short name is the account domain there). */
export function rootAccount(dev: DemoDevice): Account {
  return { name: 'root', domain: dev.shortName, sid: '', upn: '', objectId: '' }
}

export function localUnixAccount(dev: DemoDevice, u: DemoUser): Account {
  return {
    name: u.accountName,
    domain: dev.shortName,
    sid: '',
    upn: dev.os === 'macos' ? u.upn : '',
    objectId: '',
  }
}

export function makeProc(
  init: Omit<Proc, 'hashes' | 'path'> & { hashKey?: string; pathOverride?: string },
): Proc {
  const { hashKey, pathOverride, ...rest } = init
  return {
    ...rest,
    hashes: cachedHashes(hashKey ?? init.bin.key),
    path: pathOverride ?? imagePath(init.bin, init.account.name),
  }
}

/** The InitiatingProcess* columns describing `p` as the actor of an event. */
export function initiatingColumns(p: Proc): Row {
  p.initiating ??= computeInitiating(p)
  return p.initiating
}

function computeInitiating(p: Proc): Row {
  const parent = p.parent
  return {
    InitiatingProcessAccountDomain: p.account.domain,
    InitiatingProcessAccountName: p.account.name,
    InitiatingProcessAccountSid: p.account.sid,
    InitiatingProcessAccountUpn: p.account.upn,
    InitiatingProcessAccountObjectId: p.account.objectId,
    InitiatingProcessSHA1: p.hashes.sha1,
    InitiatingProcessSHA256: p.hashes.sha256,
    InitiatingProcessMD5: p.hashes.md5,
    InitiatingProcessFileName: p.bin.fileName,
    InitiatingProcessFileSize: p.bin.size,
    InitiatingProcessVersionInfoCompanyName: p.bin.company,
    InitiatingProcessVersionInfoProductName: p.bin.product,
    InitiatingProcessVersionInfoProductVersion: p.bin.version,
    InitiatingProcessVersionInfoInternalFileName: p.bin.originalName.replace(/\.(exe|dll)$/i, ''),
    InitiatingProcessVersionInfoOriginalFileName: p.bin.originalName,
    InitiatingProcessVersionInfoFileDescription: p.bin.description,
    InitiatingProcessId: p.pid,
    InitiatingProcessCommandLine: p.cmd,
    InitiatingProcessCreationTime: p.created,
    InitiatingProcessFolderPath: p.path,
    InitiatingProcessParentId: parent ? parent.pid : 0,
    InitiatingProcessParentFileName: parent ? parent.bin.fileName : '',
    InitiatingProcessParentCreationTime: parent ? parent.created : null,
    InitiatingProcessIntegrityLevel: p.integrity,
    InitiatingProcessTokenElevation: p.elevation,
    InitiatingProcessSessionId: p.sessionId,
    IsInitiatingProcessRemoteSession: false,
  }
}

/** The Process and file columns of a created process (DeviceProcessEvents). */
export function createdProcessColumns(p: Proc): Row {
  return {
    FileName: p.bin.fileName,
    FolderPath: p.path,
    SHA1: p.hashes.sha1,
    SHA256: p.hashes.sha256,
    MD5: p.hashes.md5,
    FileSize: p.bin.size,
    ProcessVersionInfoCompanyName: p.bin.company,
    ProcessVersionInfoProductName: p.bin.product,
    ProcessVersionInfoProductVersion: p.bin.version,
    ProcessVersionInfoInternalFileName: p.bin.originalName.replace(/\.(exe|dll)$/i, ''),
    ProcessVersionInfoOriginalFileName: p.bin.originalName,
    ProcessVersionInfoFileDescription: p.bin.description,
    ProcessId: p.pid,
    ProcessCommandLine: p.cmd,
    ProcessIntegrityLevel: p.integrity,
    ProcessTokenElevation: p.elevation,
    ProcessCreationTime: p.created,
    AccountDomain: p.account.domain,
    AccountName: p.account.name,
    AccountSid: p.account.sid,
    AccountUpn: p.account.upn,
    AccountObjectId: p.account.objectId,
    LogonId: p.logonId,
    CreatedProcessSessionId: p.sessionId,
    IsProcessRemoteSession: false,
  }
}

const sample = makeProc({
  pid: 1,
  created: new Date(0),
  bin: {
    key: 'x',
    fileName: 'x',
    folder: '',
    os: 'windows',
    company: '',
    product: '',
    version: '',
    description: '',
    originalName: '',
    size: 0,
    signer: null,
  },
  cmd: '',
  account: SYSTEM_ACCOUNT,
  integrity: 'System',
  elevation: 'TokenElevationTypeDefault',
  logonId: 0,
  sessionId: 0,
  parent: null,
})

/** Columns the shared helpers emit that some tables lack; the sink drops them there. */
export const SHARED_PROCESS_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(initiatingColumns(sample)),
  ...Object.keys(createdProcessColumns(sample)),
  'InitiatingProcessLogonId',
])
