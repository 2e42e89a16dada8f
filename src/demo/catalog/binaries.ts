/**
 * Executable images the demo's processes run, per platform, with version-resource facts and signers.
 * `folder` may contain `{user}` (the account name of the session); hashes derive from `key` only.
 */
export type OsFamily = 'windows' | 'linux' | 'macos'

export interface BinaryDef {
  key: string
  fileName: string
  folder: string
  os: OsFamily
  company: string
  product: string
  version: string
  description: string
  originalName: string
  size: number
  /** Certificate subject of the signer; null = unsigned. */
  signer: string | null
}

const SYS32 = 'C:\\Windows\\System32'
const MS = 'Microsoft Corporation'
const WINPROD = 'Microsoft® Windows® Operating System'
const WINVER = '10.0.22621.3527'
const MSSIGN = 'Microsoft Windows'

function win(
  fileName: string,
  description: string,
  size: number,
  o: Partial<Omit<BinaryDef, 'fileName' | 'description' | 'size' | 'os'>> = {},
): BinaryDef {
  return {
    key: o.key ?? 'win:' + fileName.toLowerCase(),
    fileName,
    folder: o.folder ?? SYS32,
    os: 'windows',
    company: o.company ?? MS,
    product: o.product ?? WINPROD,
    version: o.version ?? WINVER,
    description,
    originalName: o.originalName ?? fileName,
    size,
    signer: o.signer === undefined ? MSSIGN : o.signer,
  }
}

function nix(
  os: 'linux' | 'macos',
  fileName: string,
  folder: string,
  size: number,
  description = '',
): BinaryDef {
  return {
    key: `${os}:${folder}/${fileName}`,
    fileName,
    folder,
    os,
    company: '',
    product: '',
    version: '',
    description,
    originalName: '',
    size,
    signer: os === 'macos' && folder.startsWith('/System') ? 'Software Signing' : null,
  }
}

const OFFICE = 'C:\\Program Files\\Microsoft Office\\root\\Office16'
const officeProd = { company: MS, product: 'Microsoft Office', version: '16.0.17328.20184', signer: MS }

export const WINDOWS_BINARIES = {
  system: win('System', 'NT Kernel & System', 0, { folder: '', signer: null, originalName: '' }),
  smss: win('smss.exe', 'Windows Session Manager', 151_552),
  csrss: win('csrss.exe', 'Client Server Runtime Process', 17_920),
  wininit: win('wininit.exe', 'Windows Start-Up Application', 449_536),
  winlogon: win('winlogon.exe', 'Windows Logon Application', 925_696),
  services: win('services.exe', 'Services and Controller app', 732_160),
  lsass: win('lsass.exe', 'Local Security Authority Process', 83_768),
  svchost: win('svchost.exe', 'Host Process for Windows Services', 57_360),
  spoolsv: win('spoolsv.exe', 'Spooler SubSystem App', 929_792),
  msmpeng: win('MsMpEng.exe', 'Antimalware Service Executable', 133_368, {
    folder: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0',
    product: 'Microsoft® Windows® Operating System',
    version: '4.18.24030.9',
  }),
  mssense: win('MsSense.exe', 'Windows Defender Advanced Threat Protection Service Executable', 4_372_344, {
    folder: 'C:\\Program Files\\Windows Defender Advanced Threat Protection',
    version: '10.8760.22621.1023',
  }),
  senseir: win('SenseIR.exe', 'Windows Defender Advanced Threat Protection Automated Response', 2_101_112, {
    folder: 'C:\\Program Files\\Windows Defender Advanced Threat Protection',
    version: '10.8760.22621.1023',
  }),
  searchIndexer: win('SearchIndexer.exe', 'Microsoft Windows Search Indexer', 1_017_344),
  taskhostw: win('taskhostw.exe', 'Host Process for Windows Tasks', 102_912),
  dwm: win('dwm.exe', 'Desktop Window Manager', 118_784),
  userinit: win('userinit.exe', 'Userinit Logon Application', 38_912),
  explorer: win('explorer.exe', 'Windows Explorer', 5_393_528, { folder: 'C:\\Windows' }),
  runtimeBroker: win('RuntimeBroker.exe', 'Runtime Broker', 139_264),
  sihost: win('sihost.exe', 'Shell Infrastructure Host', 126_976),
  ctfmon: win('ctfmon.exe', 'CTF Loader', 20_480),
  conhost: win('conhost.exe', 'Console Window Host', 868_352),
  wmiprvse: win('WmiPrvSE.exe', 'WMI Provider Host', 495_616, { folder: SYS32 + '\\wbem' }),
  tiworker: win('TiWorker.exe', 'Windows Modules Installer Worker', 245_760, {
    folder:
      'C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.3520_none_8d5b2bf7e5e0f1c0',
  }),
  trustedInstaller: win('TrustedInstaller.exe', 'Windows Modules Installer', 143_872, {
    folder: 'C:\\Windows\\servicing',
  }),
  mpcmdrun: win('MpCmdRun.exe', 'Microsoft Malware Protection Command Line Utility', 1_520_112, {
    folder: 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0',
    version: '4.18.24030.9',
  }),
  compattel: win('CompatTelRunner.exe', 'Microsoft Compatibility Telemetry', 208_896),
  backgroundTaskHost: win('backgroundTaskHost.exe', 'Background Task Host', 28_672),
  dllhost: win('dllhost.exe', 'COM Surrogate', 21_504),
  securityHealth: win('SecurityHealthService.exe', 'Windows Security Health Service', 1_146_880),
  gpupdate: win('gpupdate.exe', 'Microsoft® Windows Group Policy Update Utility', 33_280),
  cmd: win('cmd.exe', 'Windows Command Processor', 323_584),
  powershell: win('powershell.exe', 'Windows PowerShell', 455_680, {
    folder: SYS32 + '\\WindowsPowerShell\\v1.0',
    originalName: 'PowerShell.EXE',
  }),
  reg: win('reg.exe', 'Registry Console Tool', 77_824),
  schtasks: win('schtasks.exe', 'Task Scheduler Configuration Tool', 235_520),
  net: win('net.exe', 'Net Command', 57_344),
  net1: win('net1.exe', 'Net Command', 184_832),
  whoami: win('whoami.exe', 'whoami - displays logged on user information', 77_824),
  ipconfig: win('ipconfig.exe', 'IP Configuration Utility', 36_864),
  nslookup: win('nslookup.exe', 'nslookup', 94_208),
  certutil: win('certutil.exe', 'CertUtil.exe', 1_478_656, { originalName: 'CertUtil.exe' }),
  rundll32: win('rundll32.exe', 'Windows host process (Rundll32)', 71_680, { originalName: 'RUNDLL32.EXE' }),
  regsvr32: win('regsvr32.exe', 'Microsoft(C) Register Server', 28_160),
  wmic: win('WMIC.exe', 'WMI Commandline Utility', 516_608, {
    folder: SYS32 + '\\wbem',
    originalName: 'wmic.exe',
  }),
  msiexec: win('msiexec.exe', 'Windows® installer', 69_632),
  sc: win('sc.exe', 'Service Control Manager Configuration Tool', 70_656),
  tasklist: win('tasklist.exe', 'Lists the current running tasks.', 94_208),
  taskkill: win('taskkill.exe', 'Terminates Processes', 97_792),
  vssadmin: win('vssadmin.exe', 'Command Line Interface for Microsoft® Volume Shadow Copy Service', 140_288),
  wbadmin: win('wbadmin.exe', 'Command Line Interface for Microsoft® BLB Backup', 393_216),
  bcdedit: win('bcdedit.exe', 'Boot Configuration Data Editor', 412_672),
  wevtutil: win('wevtutil.exe', 'Eventing Command Line Utility', 232_448),
  notepad: win('notepad.exe', 'Notepad', 201_216),
  mstsc: win('mstsc.exe', 'Remote Desktop Connection', 1_343_488),
  rdpclip: win('rdpclip.exe', 'RDP Clipboard Monitor', 331_776),
  consent: win('consent.exe', 'Consent UI for administrative applications', 163_840),
  wuauclt: win('wuauclt.exe', 'Windows Update', 76_800),
  sqlservr: win('sqlservr.exe', 'SQL Server Windows NT - 64 Bit', 488_312, {
    folder: 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn',
    product: 'Microsoft SQL Server',
    version: '2022.0160.4125.03',
    signer: MS,
  }),
  w3wp: win('w3wp.exe', 'IIS Worker Process', 32_768, {
    folder: SYS32 + '\\inetsrv',
    product: 'Internet Information Services',
  }),
  dns: win('dns.exe', 'Domain Name System (DNS) Server', 2_592_768),
  ntdsutil: win('ntdsutil.exe', 'NT5DS', 559_616),
  outlook: win('OUTLOOK.EXE', 'Microsoft Outlook', 42_177_392, {
    folder: OFFICE,
    ...officeProd,
    key: 'win:outlook',
  }),
  winword: win('WINWORD.EXE', 'Microsoft Word', 2_103_160, {
    folder: OFFICE,
    ...officeProd,
    key: 'win:winword',
  }),
  excel: win('EXCEL.EXE', 'Microsoft Excel', 68_710_784, { folder: OFFICE, ...officeProd, key: 'win:excel' }),
  powerpnt: win('POWERPNT.EXE', 'Microsoft PowerPoint', 1_971_072, {
    folder: OFFICE,
    ...officeProd,
    key: 'win:powerpnt',
  }),
  chrome: win('chrome.exe', 'Google Chrome', 3_138_328, {
    folder: 'C:\\Program Files\\Google\\Chrome\\Application',
    company: 'Google LLC',
    product: 'Google Chrome',
    version: '124.0.6367.91',
    signer: 'Google LLC',
  }),
  msedge: win('msedge.exe', 'Microsoft Edge', 4_133_440, {
    folder: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application',
    product: 'Microsoft Edge',
    version: '124.0.2478.80',
    signer: MS,
  }),
  teams: win('ms-teams.exe', 'Microsoft Teams', 1_250_304, {
    folder: 'C:\\Program Files\\WindowsApps\\MSTeams_24091.214.2846.1452_x64__8wekyb3d8bbwe',
    product: 'Microsoft Teams',
    version: '24091.214.2846.1452',
    signer: MS,
  }),
  onedrive: win('OneDrive.exe', 'Microsoft OneDrive', 2_987_872, {
    folder: 'C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive',
    product: 'Microsoft OneDrive',
    version: '24.066.0331.0004',
    signer: MS,
  }),
  acrobat: win('Acrobat.exe', 'Adobe Acrobat', 6_813_112, {
    folder: 'C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat',
    company: 'Adobe Inc.',
    product: 'Adobe Acrobat',
    version: '24.2.20687.0',
    signer: 'Adobe Inc.',
  }),
  code: win('Code.exe', 'Visual Studio Code', 158_447_512, {
    folder: 'C:\\Users\\{user}\\AppData\\Local\\Programs\\Microsoft VS Code',
    product: 'Visual Studio Code',
    version: '1.89.0',
    signer: MS,
  }),
  procdump: win('procdump64.exe', 'Sysinternals process dump utility', 415_640, {
    folder: 'C:\\Users\\Public',
    company: 'Sysinternals - www.sysinternals.com',
    product: 'ProcDump',
    version: '11.0',
    signer: MS,
  }),
  psexec: win('PsExec.exe', 'Execute processes remotely', 716_176, {
    folder: 'C:\\Users\\{user}\\Downloads',
    company: 'Sysinternals - www.sysinternals.com',
    product: 'Sysinternals PsExec',
    version: '2.43',
    signer: MS,
  }),
  psexesvc: win('PSEXESVC.exe', 'PsExec Service', 196_992, {
    folder: 'C:\\Windows',
    company: 'Sysinternals - www.sysinternals.com',
    product: 'Sysinternals PsExec',
    version: '2.43',
    signer: MS,
  }),
} satisfies Record<string, BinaryDef>

const L = (f: string, d: string, s: number, desc = '') => nix('linux', f, d, s, desc)
export const LINUX_BINARIES = {
  systemd: L('systemd', '/usr/lib/systemd', 1_849_920, 'system and service manager'),
  sshd: L('sshd', '/usr/sbin', 921_664, 'OpenSSH daemon'),
  bash: L('bash', '/usr/bin', 1_396_520, 'GNU Bourne-Again SHell'),
  sh: L('dash', '/usr/bin', 125_688, 'command interpreter'),
  cron: L('cron', '/usr/sbin', 55_944, 'daemon to execute scheduled commands'),
  nginx: L('nginx', '/usr/sbin', 1_190_896, 'web server'),
  phpfpm: L('php-fpm8.1', '/usr/sbin', 5_079_520, 'PHP FastCGI Process Manager'),
  java: L('java', '/usr/lib/jvm/java-17-openjdk-amd64/bin', 14_512, 'OpenJDK runtime'),
  python3: L('python3.10', '/usr/bin', 5_912_936, 'Python interpreter'),
  curl: L('curl', '/usr/bin', 260_328, 'transfer a URL'),
  wget: L('wget', '/usr/bin', 503_544, 'network downloader'),
  apt: L('apt-get', '/usr/bin', 51_720, 'APT package handling utility'),
  dpkg: L('dpkg', '/usr/bin', 318_584, 'package manager for Debian'),
  ls: L('ls', '/usr/bin', 138_208),
  ps: L('ps', '/usr/bin', 137_688),
  grep: L('grep', '/usr/bin', 186_008),
  cat: L('cat', '/usr/bin', 35_280),
  sudo: L('sudo', '/usr/bin', 232_416),
  id: L('id', '/usr/bin', 39_424),
  uname: L('uname', '/usr/bin', 35_328),
  whoami: L('whoami', '/usr/bin', 35_328),
  logrotate: L('logrotate', '/usr/sbin', 96_096),
  mdatp: L('wdavdaemon', '/opt/microsoft/mdatp/sbin', 19_842_312, 'Microsoft Defender for Endpoint daemon'),
  dockerd: L('dockerd', '/usr/bin', 95_869_464, 'Docker daemon'),
  crontab: L('crontab', '/usr/bin', 43_720),
  nc: L('nc.openbsd', '/usr/bin', 43_568, 'arbitrary TCP and UDP connections'),
  tar: L('tar', '/usr/bin', 531_464),
  systemctl: L('systemctl', '/usr/bin', 1_022_184),
}

const M = (f: string, d: string, s: number, desc = '') => nix('macos', f, d, s, desc)
export const MAC_BINARIES = {
  launchd: M('launchd', '/sbin', 1_100_112, 'launch daemon'),
  loginwindow: M('loginwindow', '/System/Library/CoreServices/loginwindow.app/Contents/MacOS', 3_032_080),
  finder: M('Finder', '/System/Library/CoreServices/Finder.app/Contents/MacOS', 7_981_152),
  safari: M('Safari', '/Applications/Safari.app/Contents/MacOS', 103_888),
  chrome: M('Google Chrome', '/Applications/Google Chrome.app/Contents/MacOS', 162_464),
  teams: M('MSTeams', '/Applications/Microsoft Teams.app/Contents/MacOS', 1_232_176),
  slack: M('Slack', '/Applications/Slack.app/Contents/MacOS', 123_344),
  terminal: M('Terminal', '/System/Applications/Utilities/Terminal.app/Contents/MacOS', 4_007_808),
  zsh: M('zsh', '/bin', 1_361_200, 'Z shell'),
  bash: M('bash', '/bin', 1_310_224),
  mdworker: M(
    'mdworker_shared',
    '/System/Library/Frameworks/CoreServices.framework/Frameworks/Metadata.framework/Versions/A/Support',
    301_088,
  ),
  softwareupdated: M(
    'softwareupdated',
    '/System/Library/PrivateFrameworks/SoftwareUpdate.framework/Resources',
    2_402_528,
  ),
  osascript: M('osascript', '/usr/bin', 119_312),
  curl: M('curl', '/usr/bin', 361_296),
  python3: M('python3', '/usr/bin', 167_120),
  git: M('git', '/usr/bin', 167_120),
  mdatp: M(
    'wdavdaemon',
    '/Library/Application Support/Microsoft/Defender/wdavdaemon.app/Contents/MacOS',
    27_012_304,
  ),
}

/** Full path of an image for a session user (`{user}` substituted). */
export function imagePath(b: BinaryDef, user: string): string {
  const folder = b.folder.replace('{user}', user)
  if (!folder) return b.fileName
  return b.os === 'windows' ? `${folder}\\${b.fileName}` : `${folder}/${b.fileName}`
}

/** DLLs a Windows process typically loads (for DeviceImageLoadEvents). */
export const COMMON_DLLS: readonly BinaryDef[] = [
  'ntdll.dll',
  'kernel32.dll',
  'KernelBase.dll',
  'advapi32.dll',
  'user32.dll',
  'ws2_32.dll',
  'crypt32.dll',
  'wininet.dll',
  'winhttp.dll',
  'amsi.dll',
  'clr.dll',
  'dbghelp.dll',
  'samlib.dll',
  'vaultcli.dll',
  'comsvcs.dll',
].map((n) => win(n, n.replace(/\.dll$/i, '') + ' library', 200_000 + n.length * 37_119))
