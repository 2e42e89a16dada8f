import { COMMON_DLLS, WINDOWS_BINARIES as W, type BinaryDef } from './catalog/binaries.js'
import type { DeviceDay } from './device-day.js'
import type { Boots } from './noise-common.js'
import { browse, dnsLookup, isWeekend, peerDevice, randomPublicIp } from './noise-common.js'
import { userAccount, type Account, type Proc } from './process.js'
import type { DemoUser } from './tenant.js'

const H = 3_600_000
const dll = (name: string): BinaryDef => COMMON_DLLS.find((d) => d.fileName === name)!

/** The interactive session of a day, which stories hang their processes from. */
export interface UserSession {
  user: DemoUser
  account: Account
  logonId: number
  startMs: number
  endMs: number
  explorer: Proc
  outlook: Proc | null
  browser: Proc | null
}

function loadDlls(dd: DeviceDay, p: Proc, names: readonly string[]): void {
  let t = p.created
  for (const n of names) {
    t = dd.later(t, 1, 80)
    dd.imageLoad(p, t, dll(n))
  }
}

/** Background activity of Windows services on any Windows device. */
function systemActivity(dd: DeviceDay, boots: Boots, ticks: number): void {
  const { rng } = dd
  for (let i = 0; i < ticks; i++) {
    const when = dd.at(boots.randomUpMs())
    const boot = boots.at(when)
    const kind = rng.weighted(
      ['sense', 'dns', 'wu', 'task', 'wmi', 'av', 'reg', 'smb'] as const,
      [4, 4, 1, 2, 1, 1, 2, 1],
    )
    switch (kind) {
      case 'sense':
        browse(dd, boot.get('mssense'), when, [
          'winatp-gw-eus.microsoft.com',
          'settings-win.data.microsoft.com',
        ])
        break
      case 'dns':
        dnsLookup(dd, boot.get('svchost-dnscache'), when)
        break
      case 'wu':
        browse(dd, boot.get('svchost-wuauserv'), when, ['ctldl.windowsupdate.com', 'go.microsoft.com'])
        break
      case 'task': {
        const sched = boot.get('svchost-netsvcs')
        const pick = rng.pick(['taskhostw', 'mpcmdrun', 'compattel', 'gpupdate'] as const)
        if (pick === 'taskhostw')
          dd.spawn(
            sched,
            W.taskhostw,
            'taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly',
            when,
          )
        else if (pick === 'mpcmdrun') {
          const p = dd.spawn(
            sched,
            W.mpcmdrun,
            '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MpCmdRun.exe" -SignatureUpdate -ScheduleJob -RestrictPrivileges',
            when,
          )
          browse(dd, p, dd.later(when), ['go.microsoft.com'])
        } else if (pick === 'compattel')
          dd.spawn(
            sched,
            W.compattel,
            'C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun',
            when,
          )
        else dd.spawn(sched, W.gpupdate, 'gpupdate.exe /target:computer', when)
        break
      }
      case 'wmi': {
        const p = dd.spawn(
          boot.get('svchost-dcom'),
          W.wmiprvse,
          'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
          when,
        )
        loadDlls(dd, p, ['ntdll.dll', 'kernel32.dll', 'advapi32.dll'])
        break
      }
      case 'av':
        dd.file(boot.get('msmpeng'), when, {
          action: 'FileModified',
          path:
            'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\mpcache-' +
            rng.hex(8) +
            '.bin',
          size: rng.int(4096, 65_536),
          hashKey: 'mpcache:' + rng.hex(6),
        })
        break
      case 'reg':
        dd.registry(boot.get('services'), when, {
          key: `HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\${rng.pick(['BITS', 'wuauserv', 'UsoSvc', 'DoSvc', 'TrustedInstaller'])}`,
          valueName: 'Start',
          valueType: 'Dword',
          data: String(rng.pick([2, 3])),
        })
        break
      case 'smb': {
        const peer = peerDevice(dd)
        dd.network(boot.root, when, {
          action: 'InboundConnectionAccepted',
          remoteIp: peer.ip,
          remotePort: 445,
          localPort: 445,
        })
        break
      }
    }
  }
  // One scheduled quick scan a day.
  const scanAt = dd.at(boots.randomUpMs(2 * H, 6 * H))
  dd.event(boots.at(scanAt).get('msmpeng'), scanAt, 'AntivirusScanCompleted', {
    additional: { ScanTypeIndex: 1, ScanType: 'Quick', ThreatCount: 0 },
  })
}

/** A user's working day on a Windows workstation (logon, shell, apps, browsing, documents). */
function userDay(dd: DeviceDay, boots: Boots, user: DemoUser, force: boolean): UserSession | null {
  const { rng } = dd
  if (!force && isWeekend(dd.dayStartMs) && !rng.chance(0.25)) return null
  const startMs = Math.max(boots.firstUpMs, 13 * H + rng.int(0, 90) * 60_000)
  const endMs = Math.min(22 * H + rng.int(0, 60) * 60_000, dd.dayEndMs - dd.dayStartMs - 1)
  if (endMs <= startMs) return null
  const logonAt = dd.at(startMs)
  const boot = boots.at(logonAt)
  const account = userAccount(user)
  const logonId = rng.int(1_000_000, 90_000_000)
  dd.logon(boot.get('lsass'), logonAt, {
    logonType: 'Interactive',
    account,
    logonId,
    isLocalAdmin: false,
    protocol: 'Kerberos',
  })
  const base = {
    account,
    integrity: 'Medium' as const,
    elevation: 'TokenElevationTypeLimited' as const,
    logonId,
    sessionId: 1,
  }
  const userinit = dd.spawn(
    boot.get('winlogon'),
    W.userinit,
    'C:\\Windows\\system32\\userinit.exe',
    dd.later(logonAt),
    base,
  )
  const explorer = dd.spawn(
    userinit,
    W.explorer,
    'C:\\Windows\\Explorer.EXE',
    dd.later(userinit.created, 500, 3000),
    base,
  )
  const t0 = explorer.created
  dd.spawn(
    explorer,
    W.onedrive,
    `"C:\\Users\\${user.accountName}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background`,
    dd.later(t0, 2000, 9000),
  )
  const teams = dd.spawn(
    explorer,
    W.teams,
    '"ms-teams.exe" msteams:system-initiated',
    dd.later(t0, 3000, 15_000),
  )
  const outlook = dd.spawn(
    explorer,
    W.outlook,
    '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"',
    dd.later(t0, 10_000, 300_000),
  )
  loadDlls(dd, outlook, ['ntdll.dll', 'kernel32.dll', 'crypt32.dll', 'wininet.dll'])
  const browserBin = rng.chance(0.6) ? W.chrome : W.msedge
  const browser = dd.spawn(
    explorer,
    browserBin,
    `"${browserBin.folder}\\${browserBin.fileName}"`,
    dd.later(t0, 20_000, 600_000),
  )
  const docs = `C:\\Users\\${user.accountName}\\Documents`
  const ticks = rng.int(70, 120)
  for (let i = 0; i < ticks; i++) {
    const when = dd.at(rng.int(startMs + 60_000, endMs))
    const kind = rng.weighted(
      ['browse', 'mail', 'teams', 'doc', 'shell', 'reg', 'download', 'rare', 'unlock'] as const,
      [6, 3, 2, 2, 1, 2, 1, 0.4, 1],
    )
    switch (kind) {
      case 'browse':
        browse(dd, browser, when, undefined, rng.int(2, 7))
        break
      case 'mail': {
        browse(dd, outlook, when, ['outlook.office365.com'])
        if (rng.chance(0.3)) {
          const file = rng.pick([
            'Q3-forecast.xlsx',
            'Minutes.docx',
            'Travel-policy.docx',
            'Budget-2025.xlsx',
          ])
          const path = `C:\\Users\\${user.accountName}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${rng.hex(8).toUpperCase()}\\${file}`
          dd.file(outlook, dd.later(when), {
            action: 'FileCreated',
            path,
            size: rng.int(20_000, 900_000),
            hashKey: 'att:' + file,
          })
          const bin = file.endsWith('.xlsx') ? W.excel : W.winword
          const app = dd.spawn(
            outlook,
            bin,
            `"${bin.folder}\\${bin.fileName}" /n "${path}" /o ""`,
            dd.later(when, 2000, 8000),
          )
          loadDlls(dd, app, ['ntdll.dll', 'kernel32.dll', 'user32.dll'])
        }
        if (rng.chance(0.15))
          dd.event(outlook, dd.later(when), 'BrowserLaunchedToOpenUrl', {
            RemoteUrl: `https://${rng.pick(['contoso-my.sharepoint.com', 'www.linkedin.com', 'zoom.us'])}/${rng.hex(10)}`,
          })
        break
      }
      case 'teams':
        browse(dd, teams, when, ['teams.microsoft.com', 'graph.microsoft.com'], 2)
        break
      case 'doc': {
        const bin = rng.pick([W.winword, W.excel, W.powerpnt])
        const ext = bin === W.winword ? 'docx' : bin === W.excel ? 'xlsx' : 'pptx'
        const path = `${docs}\\${rng.pick(['Report', 'Notes', 'Plan', 'Review', 'Summary'])}-${rng.int(1, 40)}.${ext}`
        const app = dd.spawn(explorer, bin, `"${bin.folder}\\${bin.fileName}" "${path}"`, when)
        dd.file(app, dd.later(when, 60_000, 1_800_000), {
          action: 'FileModified',
          path,
          size: rng.int(15_000, 2_000_000),
          hashKey: path + rng.hex(4),
        })
        break
      }
      case 'shell': {
        const kindShell = rng.pick(['cmd', 'ps'] as const)
        if (kindShell === 'cmd') {
          const tool = rng.pick([
            [W.ipconfig, 'ipconfig /all'],
            [W.whoami, 'whoami /groups'],
            [W.nslookup, 'nslookup contoso-my.sharepoint.com'],
            [W.tasklist, 'tasklist /v'],
          ] as const)
          const cmd = dd.spawn(explorer, W.cmd, `"C:\\Windows\\system32\\cmd.exe" /c ${tool[1]}`, when)
          dd.spawn(
            cmd,
            W.conhost,
            '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
            dd.later(when, 5, 50),
          )
          dd.spawn(cmd, tool[0], tool[1], dd.later(when, 50, 300))
        } else {
          const script = rng.pick([
            'Get-Process | Sort-Object CPU -Descending | Select-Object -First 10',
            'Test-NetConnection outlook.office365.com -Port 443',
            'Get-ChildItem $env:USERPROFILE\\Downloads',
          ])
          const ps = dd.spawn(
            explorer,
            W.powershell,
            `"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -Command "${script}"`,
            when,
          )
          loadDlls(dd, ps, ['ntdll.dll', 'clr.dll', 'amsi.dll'])
          dd.event(ps, dd.later(when), 'PowerShellCommand', { additional: { Command: script.split(' ')[0] } })
        }
        break
      }
      case 'reg':
        dd.registry(explorer, when, {
          key: `HKEY_CURRENT_USER\\${user.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\${rng.pick(['RecentDocs', 'RunMRU', 'TypedPaths', 'UserAssist'])}`,
          valueName: rng.pick(['a', 'MRUList', 'url1', String(rng.int(0, 20))]),
          valueType: rng.pick(['Binary', 'String']),
          data: rng.hex(16),
        })
        break
      case 'download': {
        const file = rng.pick([
          'AcroRdrDC2400220759_en_US.exe',
          'zoom_x64.msi',
          'invoice-template.pdf',
          'vlc-3.0.20-win64.exe',
          'report-data.zip',
        ])
        const host = rng.pick(['zoom.us', 'www.google.com', 'github.com', 'objects.githubusercontent.com'])
        dd.file(browser, when, {
          action: 'FileCreated',
          path: `C:\\Users\\${user.accountName}\\Downloads\\${file}`,
          size: rng.int(200_000, 90_000_000),
          hashKey: 'dl:' + file,
          originUrl: `https://${host}/download/${file}`,
          extra: { FileOriginReferrerUrl: `https://${host}/` },
        })
        break
      }
      case 'rare': {
        const which = rng.pick(['usb', 'smartscreen', 'rundll', 'msiexec'] as const)
        if (which === 'usb') {
          dd.event(null, when, 'PnpDeviceConnected', {
            additional: {
              ClassName: 'DiskDrive',
              DeviceDescription: 'SanDisk Ultra USB Device',
              VendorIds: 'USBSTOR\\DiskSanDisk_Ultra',
              DeviceId: 'USBSTOR\\DISK&VEN_SANDISK&PROD_ULTRA\\4C530001',
            },
          })
          dd.event(boot.get('svchost-localservice'), dd.later(when), 'UsbDriveMounted', {
            additional: {
              DriveLetter: 'E:',
              ProductName: 'Ultra',
              Manufacturer: 'SanDisk',
              SerialNumber: '4C530001' + rng.hex(8),
            },
          })
        } else if (which === 'smartscreen')
          dd.event(browser, when, 'SmartScreenUrlWarning', {
            RemoteUrl: `http://${rng.pick(['free-pdf-convert.top', 'get-codecs.site', 'win-prize.club'])}/`,
            additional: { Experience: 'Malicious' },
          })
        else if (which === 'rundll')
          dd.spawn(
            explorer,
            W.rundll32,
            '"C:\\Windows\\system32\\rundll32.exe" shell32.dll,Control_RunDLL "C:\\Windows\\System32\\desk.cpl",,0',
            when,
          )
        else dd.spawn(boot.get('services'), W.msiexec, 'C:\\Windows\\system32\\msiexec.exe /V', when, {})
        break
      }
      case 'unlock':
        dd.logon(boot.get('lsass'), when, { logonType: 'Unlock', account, logonId, protocol: 'Negotiate' })
        break
    }
  }
  return { user, account, logonId, startMs, endMs, explorer, outlook, browser }
}

/** Servers: role traffic, network logons, the occasional admin RDP session. */
function serverDay(dd: DeviceDay, boots: Boots): UserSession | null {
  const { rng, dev, tenant } = dd
  const role = dev.role
  const n = role === 'dc' ? Math.min(900, 60 + tenant.devices.length * 8) : rng.int(150, 400)
  for (let i = 0; i < n; i++) {
    const when = dd.at(boots.randomUpMs())
    const boot = boots.at(when)
    const peer = peerDevice(dd)
    if (role === 'dc') {
      const u = peer.user ?? rng.pick(tenant.users)
      const fail = rng.chance(0.04)
      dd.logon(boot.get('lsass'), when, {
        action: fail ? 'LogonFailed' : 'LogonSuccess',
        logonType: 'Network',
        account: userAccount(u),
        remoteIp: peer.ip,
        remoteDevice: peer.shortName,
        protocol: 'Kerberos',
        ...(fail ? { failureReason: 'InvalidUserNameOrPassword' } : {}),
      })
      if (rng.chance(0.3))
        dd.network(boot.get('dns'), when, {
          action: 'InboundConnectionAccepted',
          remoteIp: peer.ip,
          remotePort: 53,
          localPort: 53,
          protocol: 'Udp',
        })
    } else if (role === 'sql' && boot.has('sqlservr'))
      dd.network(boot.get('sqlservr'), when, {
        action: 'InboundConnectionAccepted',
        remoteIp: peer.ip,
        remotePort: 1433,
        localPort: 1433,
      })
    else if (boot.has('w3wp'))
      dd.network(boot.get('w3wp'), when, {
        action: 'InboundConnectionAccepted',
        remoteIp: randomPublicIp(dd),
        remotePort: 443,
        localPort: 443,
      })
    else if (role === 'fileserver') {
      const u = peer.user ?? rng.pick(tenant.users)
      dd.file(boot.root, when, {
        action: rng.pick(['FileModified', 'FileCreated'] as const),
        path: `D:\\Shares\\${rng.pick(['Finance', 'HR', 'Projects', 'Public'])}\\${rng.pick(['Q1', 'Q2', 'Q3', 'Q4'])}-${rng.pick(['ledger', 'payroll', 'plan', 'minutes'])}-${rng.int(1, 30)}.${rng.pick(['xlsx', 'docx', 'pdf'])}`,
        size: rng.int(20_000, 4_000_000),
        hashKey: 'share:' + rng.hex(8),
        extra: {
          RequestProtocol: 'SMB',
          RequestSourceIP: peer.ip,
          RequestSourcePort: rng.int(49_152, 65_535),
          RequestAccountName: u.accountName,
          RequestAccountDomain: u.domain,
          RequestAccountSid: u.sid,
          ShareName: 'Shares',
        },
      })
    } else {
      dd.logon(boot.get('lsass'), when, {
        logonType: 'Network',
        account: userAccount(rng.pick(tenant.users)),
        remoteIp: peer.ip,
        remoteDevice: peer.shortName,
      })
    }
  }
  if (!rng.chance(role === 'jump' ? 0.9 : 0.4)) return null
  const admin = rng.pick(dev.admins)
  const startMs = boots.randomUpMs(12 * H, 20 * H)
  const when = dd.at(startMs)
  const boot = boots.at(when)
  const account = userAccount(admin)
  const logonId = rng.int(1_000_000, 90_000_000)
  const from = tenant.devices.find((d) => d.role === 'jump' && d.index !== dev.index) ?? peerDevice(dd)
  dd.logon(boot.get('lsass'), when, {
    logonType: 'RemoteInteractive',
    account,
    logonId,
    isLocalAdmin: true,
    remoteIp: from.ip,
    remoteDevice: from.shortName,
    remotePort: 3389,
  })
  const base = {
    account,
    integrity: 'High' as const,
    elevation: 'TokenElevationTypeFull' as const,
    logonId,
    sessionId: 2,
  }
  const userinit = dd.spawn(
    boot.get('winlogon'),
    W.userinit,
    'C:\\Windows\\system32\\userinit.exe',
    dd.later(when),
    base,
  )
  const explorer = dd.spawn(
    userinit,
    W.explorer,
    'C:\\Windows\\Explorer.EXE',
    dd.later(userinit.created),
    base,
  )
  dd.spawn(explorer, W.rdpclip, 'rdpclip', dd.later(explorer.created))
  const ps = dd.spawn(
    explorer,
    W.powershell,
    '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"',
    dd.later(explorer.created, 5000, 60_000),
  )
  for (const cmd of rng.sample(
    [
      'Get-Service | Where-Object Status -eq Stopped',
      'Get-EventLog -LogName System -Newest 50',
      'Restart-Service Spooler',
      'Get-WindowsUpdateLog',
    ],
    2,
  ))
    dd.event(ps, dd.later(ps.created, 5000, 600_000), 'PowerShellCommand', {
      additional: { Command: cmd.split(' ')[0] },
    })
  return {
    user: admin,
    account,
    logonId,
    startMs,
    endMs: startMs + 3_600_000,
    explorer,
    outlook: null,
    browser: null,
  }
}

export function windowsDay(dd: DeviceDay, boots: Boots, forceSession: boolean): UserSession | null {
  systemActivity(dd, boots, dd.dev.deviceType === 'Server' ? 320 : 220)
  if (dd.dev.user) return userDay(dd, boots, dd.dev.user, forceSession)
  return serverDay(dd, boots)
}
