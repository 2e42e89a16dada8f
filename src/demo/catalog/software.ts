import type { OsFamily } from './binaries.js'

/** Installed software catalogue for the TVM tables, with known-vulnerable versions. */
export interface SoftwareDef {
  vendor: string
  name: string
  version: string
  os: OsFamily
  /** CVEs affecting this exact version. */
  cves: readonly string[]
  endOfSupport?: { status: string; date: string }
  diskPath: string
  registryPath?: string
  /** Share of devices of this OS that have it (0–1). */
  prevalence: number
  fix?: string
}

export const SOFTWARE: readonly SoftwareDef[] = [
  {
    vendor: 'microsoft',
    name: 'windows_11',
    version: '10.0.22631.3447',
    os: 'windows',
    cves: ['CVE-2024-30051', 'CVE-2024-30040'],
    diskPath: 'C:\\Windows\\System32\\ntoskrnl.exe',
    prevalence: 0,
    fix: 'KB5037771',
  },
  {
    vendor: 'microsoft',
    name: 'edge_chromium-based',
    version: '124.0.2478.80',
    os: 'windows',
    cves: [],
    diskPath: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    prevalence: 1,
  },
  {
    vendor: 'google',
    name: 'chrome',
    version: '124.0.6367.91',
    os: 'windows',
    cves: ['CVE-2024-4671', 'CVE-2024-4761'],
    diskPath: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    registryPath:
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Google Chrome',
    prevalence: 0.7,
    fix: '124.0.6367.207',
  },
  {
    vendor: 'microsoft',
    name: 'office',
    version: '16.0.17328.20184',
    os: 'windows',
    cves: ['CVE-2024-30042'],
    diskPath: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
    prevalence: 0.9,
    fix: '16.0.17328.20282',
  },
  {
    vendor: 'microsoft',
    name: 'teams',
    version: '24091.214.2846.1452',
    os: 'windows',
    cves: [],
    diskPath: 'C:\\Program Files\\WindowsApps\\MSTeams_24091.214.2846.1452_x64__8wekyb3d8bbwe\\ms-teams.exe',
    prevalence: 0.9,
  },
  {
    vendor: 'adobe',
    name: 'acrobat_dc',
    version: '24.2.20687.0',
    os: 'windows',
    cves: ['CVE-2024-30284', 'CVE-2024-30310'],
    diskPath: 'C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe',
    prevalence: 0.5,
    fix: '24.2.20759.0',
  },
  {
    vendor: 'videolan',
    name: 'vlc_media_player',
    version: '3.0.18',
    os: 'windows',
    cves: ['CVE-2023-47359', 'CVE-2023-47360'],
    diskPath: 'C:\\Program Files\\VideoLAN\\VLC\\vlc.exe',
    prevalence: 0.25,
    fix: '3.0.20',
  },
  {
    vendor: '7-zip',
    name: '7-zip',
    version: '23.01',
    os: 'windows',
    cves: ['CVE-2024-11477'],
    diskPath: 'C:\\Program Files\\7-Zip\\7z.exe',
    prevalence: 0.4,
    fix: '24.07',
  },
  {
    vendor: 'oracle',
    name: 'jre',
    version: '8.0.3810.9',
    os: 'windows',
    cves: ['CVE-2024-20918', 'CVE-2024-20952'],
    endOfSupport: { status: 'Upcoming EOS Version', date: '2030-12-31T00:00:00Z' },
    diskPath: 'C:\\Program Files\\Java\\jre-1.8\\bin\\java.exe',
    prevalence: 0.2,
    fix: '8.0.4110.9',
  },
  {
    vendor: 'notepad++',
    name: 'notepad++',
    version: '8.5.8',
    os: 'windows',
    cves: ['CVE-2023-40031'],
    diskPath: 'C:\\Program Files\\Notepad++\\notepad++.exe',
    prevalence: 0.3,
    fix: '8.6',
  },
  {
    vendor: 'microsoft',
    name: 'visual_studio_code',
    version: '1.89.0',
    os: 'windows',
    cves: [],
    diskPath: 'C:\\Users\\Public\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe',
    prevalence: 0.35,
  },
  {
    vendor: 'python',
    name: 'python',
    version: '3.8.10',
    os: 'windows',
    cves: ['CVE-2023-24329'],
    endOfSupport: { status: 'EOS Version', date: '2024-10-07T00:00:00Z' },
    diskPath: 'C:\\Program Files\\Python38\\python.exe',
    prevalence: 0.15,
    fix: '3.12.3',
  },
  {
    vendor: 'microsoft',
    name: 'sql_server_2022',
    version: '16.0.4125.3',
    os: 'windows',
    cves: ['CVE-2024-28906'],
    diskPath: 'C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe',
    prevalence: 0,
    fix: 'KB5036343',
  },
  {
    vendor: 'openbsd',
    name: 'openssh',
    version: '8.9p1',
    os: 'linux',
    cves: ['CVE-2024-6387', 'CVE-2023-51385'],
    diskPath: '/usr/sbin/sshd',
    prevalence: 1,
    fix: '9.8p1',
  },
  {
    vendor: 'openssl',
    name: 'openssl',
    version: '3.0.2',
    os: 'linux',
    cves: ['CVE-2023-0286', 'CVE-2023-5678'],
    diskPath: '/usr/lib/x86_64-linux-gnu/libssl.so.3',
    prevalence: 1,
    fix: '3.0.13',
  },
  {
    vendor: 'haxx',
    name: 'curl',
    version: '7.81.0',
    os: 'linux',
    cves: ['CVE-2023-38545'],
    diskPath: '/usr/bin/curl',
    prevalence: 1,
    fix: '8.4.0',
  },
  {
    vendor: 'tukaani',
    name: 'xz',
    version: '5.2.5',
    os: 'linux',
    cves: [],
    diskPath: '/usr/bin/xz',
    prevalence: 1,
  },
  {
    vendor: 'nginx',
    name: 'nginx',
    version: '1.18.0',
    os: 'linux',
    cves: ['CVE-2021-23017'],
    diskPath: '/usr/sbin/nginx',
    prevalence: 0.6,
    fix: '1.20.1',
  },
  {
    vendor: 'php',
    name: 'php',
    version: '8.1.2',
    os: 'linux',
    cves: ['CVE-2024-4577'],
    diskPath: '/usr/sbin/php-fpm8.1',
    prevalence: 0.4,
    fix: '8.1.29',
  },
  {
    vendor: 'sudo_project',
    name: 'sudo',
    version: '1.9.9',
    os: 'linux',
    cves: ['CVE-2023-22809'],
    diskPath: '/usr/bin/sudo',
    prevalence: 1,
    fix: '1.9.12p2',
  },
  {
    vendor: 'docker',
    name: 'docker',
    version: '24.0.5',
    os: 'linux',
    cves: [],
    diskPath: '/usr/bin/dockerd',
    prevalence: 0.4,
  },
  {
    vendor: 'apple',
    name: 'macos',
    version: '14.4.1',
    os: 'macos',
    cves: ['CVE-2024-27804'],
    diskPath: '/System/Library/CoreServices/SystemVersion.plist',
    prevalence: 1,
    fix: '14.5',
  },
  {
    vendor: 'apple',
    name: 'safari',
    version: '17.4.1',
    os: 'macos',
    cves: ['CVE-2024-27834'],
    diskPath: '/Applications/Safari.app',
    prevalence: 1,
    fix: '17.5',
  },
  {
    vendor: 'google',
    name: 'chrome',
    version: '124.0.6367.91',
    os: 'macos',
    cves: ['CVE-2024-4671'],
    diskPath: '/Applications/Google Chrome.app',
    prevalence: 0.7,
    fix: '124.0.6367.207',
  },
  {
    vendor: 'slack',
    name: 'slack',
    version: '4.38.121',
    os: 'macos',
    cves: [],
    diskPath: '/Applications/Slack.app',
    prevalence: 0.8,
  },
  {
    vendor: 'microsoft',
    name: 'teams',
    version: '24091.214.2846.1452',
    os: 'macos',
    cves: [],
    diskPath: '/Applications/Microsoft Teams.app',
    prevalence: 0.9,
  },
  {
    vendor: 'videolan',
    name: 'vlc_media_player',
    version: '3.0.18',
    os: 'macos',
    cves: ['CVE-2023-47359'],
    diskPath: '/Applications/VLC.app',
    prevalence: 0.3,
    fix: '3.0.20',
  },
]

export interface CveDef {
  id: string
  cvss: number
  exploit: boolean
  published: string
  description: string
}

const cve = (id: string, cvss: number, exploit: boolean, published: string, description: string): CveDef => ({
  id,
  cvss,
  exploit,
  published,
  description,
})

export const CVES: readonly CveDef[] = [
  cve(
    'CVE-2024-30051',
    7.8,
    true,
    '2024-05-14',
    'Windows DWM Core Library elevation of privilege vulnerability.',
  ),
  cve(
    'CVE-2024-30040',
    8.8,
    true,
    '2024-05-14',
    'Windows MSHTML platform security feature bypass vulnerability.',
  ),
  cve(
    'CVE-2024-4671',
    9.6,
    true,
    '2024-05-14',
    'Use after free in Visuals in Google Chrome allows a sandbox escape via a crafted HTML page.',
  ),
  cve(
    'CVE-2024-4761',
    8.8,
    true,
    '2024-05-14',
    'Out of bounds write in V8 in Google Chrome allows remote code execution via a crafted HTML page.',
  ),
  cve('CVE-2024-30042', 7.8, false, '2024-05-14', 'Microsoft Excel remote code execution vulnerability.'),
  cve(
    'CVE-2024-30284',
    7.8,
    false,
    '2024-05-15',
    'Acrobat Reader use after free that could result in arbitrary code execution.',
  ),
  cve(
    'CVE-2024-30310',
    7.8,
    false,
    '2024-05-15',
    'Acrobat Reader out-of-bounds write that could result in arbitrary code execution.',
  ),
  cve(
    'CVE-2023-47359',
    9.8,
    false,
    '2023-11-07',
    'VLC media player heap overflow in the MMS stream handler.',
  ),
  cve(
    'CVE-2023-47360',
    7.5,
    false,
    '2023-11-07',
    'VLC media player integer underflow in the MMS stream handler.',
  ),
  cve(
    'CVE-2024-11477',
    7.8,
    false,
    '2024-11-22',
    '7-Zip Zstandard decompression integer underflow allowing code execution.',
  ),
  cve('CVE-2024-20918', 7.4, false, '2024-01-16', 'Oracle Java SE Hotspot component vulnerability.'),
  cve('CVE-2024-20952', 7.4, false, '2024-01-16', 'Oracle Java SE Security component vulnerability.'),
  cve(
    'CVE-2023-40031',
    7.8,
    true,
    '2023-08-25',
    'Notepad++ heap buffer write overflow in the UTF-16 to UTF-8 conversion.',
  ),
  cve('CVE-2023-24329', 7.5, true, '2023-02-17', 'Python urllib.parse URL parsing blocklist bypass.'),
  cve(
    'CVE-2024-28906',
    8.8,
    false,
    '2024-04-09',
    'Microsoft OLE DB Driver for SQL Server remote code execution vulnerability.',
  ),
  cve(
    'CVE-2024-6387',
    8.1,
    true,
    '2024-07-01',
    'OpenSSH signal handler race condition (regreSSHion) allowing unauthenticated remote code execution.',
  ),
  cve(
    'CVE-2023-51385',
    6.5,
    false,
    '2023-12-18',
    'OpenSSH OS command injection via user or host names with shell metacharacters.',
  ),
  cve(
    'CVE-2023-0286',
    7.4,
    false,
    '2023-02-08',
    'OpenSSL X.400 address type confusion in X.509 GeneralName.',
  ),
  cve(
    'CVE-2023-5678',
    5.3,
    false,
    '2023-11-06',
    'OpenSSL excessive time spent in DH key generation and check.',
  ),
  cve('CVE-2023-38545', 9.8, true, '2023-10-18', 'curl SOCKS5 heap buffer overflow.'),
  cve('CVE-2021-23017', 7.7, true, '2021-06-01', 'nginx resolver off-by-one heap write.'),
  cve(
    'CVE-2024-4577',
    9.8,
    true,
    '2024-06-09',
    'PHP-CGI argument injection on Windows code pages (best-fit mapping).',
  ),
  cve(
    'CVE-2023-22809',
    7.8,
    true,
    '2023-01-18',
    'sudoedit mishandles extra arguments in user-provided environment variables.',
  ),
  cve('CVE-2024-27804', 7.8, false, '2024-05-13', 'macOS AppleAVD kernel memory corruption.'),
  cve('CVE-2024-27834', 8.1, true, '2024-05-13', 'Safari WebKit pointer authentication bypass.'),
]

export function severityOf(cvss: number): 'Low' | 'Medium' | 'High' | 'Critical' {
  return cvss >= 9 ? 'Critical' : cvss >= 7 ? 'High' : cvss >= 4 ? 'Medium' : 'Low'
}

export interface SecureConfigDef {
  id: string
  name: string
  category: 'Application' | 'OS' | 'Network' | 'Accounts' | 'Security controls'
  subcategory: string
  impact: number
  os: OsFamily
  description: string
  remediation: string
}

const cfg = (
  id: string,
  name: string,
  category: SecureConfigDef['category'],
  subcategory: string,
  impact: number,
  os: OsFamily = 'windows',
): SecureConfigDef => ({
  id,
  name,
  category,
  subcategory,
  impact,
  os,
  description: name + '.',
  remediation: `Configure the setting "${name}" through Intune or Group Policy.`,
})

export const SECURE_CONFIGS: readonly SecureConfigDef[] = [
  cfg('scid-2000', 'Turn on Microsoft Defender Antivirus', 'Security controls', 'Antivirus', 9),
  cfg(
    'scid-2001',
    'Fix Microsoft Defender Antivirus cloud service connectivity',
    'Security controls',
    'Antivirus',
    7,
  ),
  cfg('scid-2002', 'Turn on real-time protection', 'Security controls', 'Antivirus', 9),
  cfg('scid-2003', 'Turn on PUA protection in block mode', 'Security controls', 'Antivirus', 5),
  cfg('scid-2010', 'Update Microsoft Defender Antivirus definitions', 'Security controls', 'Antivirus', 8),
  cfg(
    'scid-2011',
    'Ensure Microsoft Defender Antivirus definitions are up to date',
    'Security controls',
    'Antivirus',
    8,
  ),
  cfg('scid-2012', 'Turn on cloud-delivered protection', 'Security controls', 'Antivirus', 7),
  cfg('scid-2013', 'Set cloud block level to High', 'Security controls', 'Antivirus', 4),
  cfg('scid-2014', 'Turn on tamper protection', 'Security controls', 'Antivirus', 8),
  cfg(
    'scid-2016',
    'Turn on Microsoft Defender Antivirus behavior monitoring',
    'Security controls',
    'Antivirus',
    6,
  ),
  cfg('scid-91', 'Enable Microsoft Defender for Endpoint sensor', 'Security controls', 'EDR', 10),
  cfg(
    'scid-64',
    'Block credential stealing from the Windows local security authority subsystem (lsass.exe)',
    'Security controls',
    'ASR',
    8,
  ),
  cfg('scid-2090', 'Encrypt all BitLocker-supported drives', 'Security controls', 'Bitlocker', 8),
  cfg('scid-39', 'Disable SMBv1 client driver', 'Network', 'SMB', 7),
  cfg('scid-96', 'Set LAN Manager authentication level to NTLMv2 only', 'Accounts', 'NTLM', 6),
  cfg('scid-5001', 'Disable root login over SSH', 'OS', 'SSH', 7, 'linux'),
  cfg('scid-5002', 'Enable automatic security updates', 'OS', 'Updates', 6, 'linux'),
  cfg('scid-6001', 'Enable FileVault disk encryption', 'Security controls', 'Encryption', 8, 'macos'),
  cfg('scid-6002', 'Turn on the macOS firewall', 'Network', 'Firewall', 6, 'macos'),
]
