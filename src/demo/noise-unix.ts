import { LINUX_BINARIES as LX, MAC_BINARIES as MAC } from './catalog/binaries.js'
import type { DeviceDay } from './device-day.js'
import type { Boots } from './noise-common.js'
import { browse, isWeekend, peerDevice, randomPublicIp } from './noise-common.js'
import { localUnixAccount, rootAccount, type Proc } from './process.js'
import type { UserSession } from './noise-windows.js'

const H = 3_600_000

function cronJobs(dd: DeviceDay, boots: Boots): void {
  const { rng, dev } = dd
  for (let h = 0; h < 24; h++) {
    const when = dd.at(h * H + 17 * 60_000 + rng.int(0, 900))
    if (when.getTime() < boots.states[0]!.atMs + 5 * 60_000) continue
    const boot = boots.at(when)
    const sh = dd.spawn(
      boot.get('cron'),
      LX.sh,
      '/bin/sh -c "   cd / && run-parts --report /etc/cron.hourly"',
      when,
    )
    if (h === 6) {
      const lr = dd.spawn(sh, LX.logrotate, '/usr/sbin/logrotate /etc/logrotate.conf', dd.later(when))
      const log = dev.role === 'web' ? '/var/log/nginx/access.log' : '/var/log/syslog'
      dd.file(lr, dd.later(lr.created), {
        action: 'FileRenamed',
        path: `${log}.1`,
        previousPath: log,
        size: rng.int(1e5, 5e7),
        hashKey: log + dd.day,
      })
      const apt = dd.spawn(sh, LX.apt, '/usr/bin/apt-get -qq update', dd.later(when, 2000, 9000), {})
      browse(
        dd,
        apt,
        dd.later(apt.created),
        dev.osPlatform === 'Ubuntu'
          ? ['archive.ubuntu.com', 'security.ubuntu.com']
          : ['packages.microsoft.com'],
        2,
      )
    }
  }
}

function sshSession(dd: DeviceDay, boots: Boots): void {
  const { rng, dev, tenant } = dd
  const admin = rng.pick(dev.admins)
  const when = dd.at(boots.randomUpMs(13 * H, 23 * H))
  const boot = boots.at(when)
  const from = tenant.devices.find((d) => d.role === 'jump') ?? peerDevice(dd)
  const account = localUnixAccount(dev, admin)
  const logonId = rng.int(1000, 90_000)
  dd.logon(boot.get('sshd'), when, {
    logonType: 'Network',
    account,
    remoteIp: from.ip,
    remoteDevice: from.shortName,
    remotePort: rng.int(49_152, 65_535),
    logonId,
    protocol: '',
  })
  const priv = dd.spawn(boot.get('sshd'), LX.sshd, `sshd: ${admin.accountName} [priv]`, dd.later(when), {
    account: rootAccount(dev),
    logonId,
  })
  const shell = dd.spawn(priv, LX.bash, '-bash', dd.later(priv.created), { account, logonId })
  let t = shell.created
  const cmds: [typeof LX.ls, string][] = [
    [LX.ps, 'ps aux'],
    [LX.ls, 'ls -la /var/www/html'],
    [LX.grep, 'grep -i error /var/log/syslog'],
    [LX.cat, 'cat /etc/os-release'],
    [LX.id, 'id'],
    [LX.uname, 'uname -a'],
  ]
  for (const [bin, cmd] of rng.sample(cmds, rng.int(2, 5))) {
    t = dd.later(t, 3000, 90_000)
    dd.spawn(shell, bin, cmd, t)
  }
  t = dd.later(t, 3000, 90_000)
  const sudo = dd.spawn(shell, LX.sudo, `sudo systemctl status ${dev.role === 'web' ? 'nginx' : 'docker'}`, t)
  dd.spawn(sudo, LX.systemctl, `systemctl status ${dev.role === 'web' ? 'nginx' : 'docker'}`, dd.later(t), {
    account: rootAccount(dev),
  })
}

export function linuxDay(dd: DeviceDay, boots: Boots): UserSession | null {
  const { rng, dev } = dd
  cronJobs(dd, boots)
  const mdatp = () => boots.at(dd.at(0)).get('mdatp')
  for (let i = 0; i < 40; i++)
    browse(dd, mdatp(), dd.at(boots.randomUpMs()), ['winatp-gw-eus.microsoft.com', 'packages.microsoft.com'])
  const serve = rng.int(300, 700)
  for (let i = 0; i < serve; i++) {
    const when = dd.at(boots.randomUpMs())
    const boot = boots.at(when)
    if (dev.role === 'web') {
      dd.network(boot.get('nginx-worker'), when, {
        action: 'InboundConnectionAccepted',
        remoteIp: randomPublicIp(dd),
        remotePort: 443,
        localPort: 443,
      })
      if (rng.chance(0.3)) {
        const db = dd.tenant.devices.find((d) => d.role === 'sql') ?? peerDevice(dd)
        dd.network(boot.get('phpfpm-worker'), dd.later(when), {
          remoteIp: db.ip,
          remotePort: db.os === 'windows' ? 1433 : 5432,
        })
      }
    } else if (boot.has('java'))
      dd.network(boot.get('java'), when, {
        remoteIp: peerDevice(dd).ip,
        remotePort: rng.pick([5432, 6379, 9092]),
      })
    else if (boot.has('postgres'))
      dd.network(boot.get('postgres'), when, {
        action: 'InboundConnectionAccepted',
        remoteIp: peerDevice(dd).ip,
        remotePort: 5432,
        localPort: 5432,
      })
  }
  if (dev.isInternetFacing) {
    const tries = rng.int(8, 30)
    for (let i = 0; i < tries; i++) {
      const when = dd.at(boots.randomUpMs())
      dd.logon(boots.at(when).get('sshd'), when, {
        action: 'LogonFailed',
        logonType: 'Network',
        account: {
          name: rng.pick(['root', 'admin', 'ubuntu', 'test', 'oracle', 'postgres']),
          domain: dev.shortName,
          sid: '',
          upn: '',
          objectId: '',
        },
        remoteIp: randomPublicIp(dd),
        remotePort: rng.int(30_000, 65_000),
        failureReason: 'InvalidUserNameOrPassword',
        protocol: '',
      })
    }
  }
  if (!isWeekend(dd.dayStartMs) || rng.chance(0.2)) sshSession(dd, boots)
  return null
}

export function macDay(dd: DeviceDay, boots: Boots, force: boolean): UserSession | null {
  const { rng, dev } = dd
  const boot0 = () => boots.at(dd.at(boots.firstUpMs))
  for (let i = 0; i < 24; i++)
    browse(dd, boot0().get('softwareupdated'), dd.at(boots.randomUpMs()), ['swscan.apple.com'])
  for (let i = 0; i < 40; i++)
    browse(dd, boot0().get('mdatp'), dd.at(boots.randomUpMs()), ['winatp-gw-eus.microsoft.com'])
  const user = dev.user
  if (!user || (!force && isWeekend(dd.dayStartMs) && !rng.chance(0.3))) return null
  const startMs = Math.max(boots.firstUpMs, 13 * H + rng.int(0, 120) * 60_000)
  const endMs = Math.min(23 * H, dd.dayEndMs - dd.dayStartMs - 1)
  const when = dd.at(startMs)
  const boot = boots.at(when)
  const account = localUnixAccount(dev, user)
  const logonId = rng.int(100_000, 900_000)
  dd.logon(boot.get('loginwindow'), when, { logonType: 'Interactive', account, logonId, protocol: '' })
  const base = { account, logonId, integrity: 'Medium' as const, sessionId: 1 }
  const lw = boot.get('loginwindow')
  const finder = dd.spawn(
    lw,
    MAC.finder,
    '/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder',
    dd.later(when),
    base,
  )
  const browserBin = rng.chance(0.5) ? MAC.safari : MAC.chrome
  const browser = dd.spawn(
    lw,
    browserBin,
    `${browserBin.folder}/${browserBin.fileName}`,
    dd.later(when, 5000, 60_000),
    base,
  )
  const teams = dd.spawn(lw, MAC.teams, `${MAC.teams.folder}/MSTeams`, dd.later(when, 5000, 60_000), base)
  const slack = dd.spawn(lw, MAC.slack, `${MAC.slack.folder}/Slack`, dd.later(when, 5000, 60_000), base)
  let terminal: Proc | null = null
  const ticks = rng.int(70, 120)
  for (let i = 0; i < ticks; i++) {
    const t = dd.at(rng.int(startMs + 60_000, endMs))
    const kind = rng.weighted(['browse', 'chat', 'dev', 'download'] as const, [
      5,
      3,
      user.department === 'eng' ? 3 : 0.3,
      1,
    ])
    if (kind === 'browse') browse(dd, browser, t, undefined, rng.int(1, 3))
    else if (kind === 'chat')
      browse(dd, rng.chance(0.5) ? teams : slack, t, ['teams.microsoft.com', 'slack.com'])
    else if (kind === 'download')
      dd.file(browser, t, {
        action: 'FileCreated',
        path: `/Users/${user.accountName}/Downloads/${rng.pick(['slides.key', 'design.fig', 'report.pdf', 'data.csv'])}`,
        size: rng.int(10_000, 9_000_000),
        hashKey: 'macdl:' + rng.hex(6),
        originUrl: `https://${rng.pick(['github.com', 'www.google.com', 'contoso-my.sharepoint.com'])}/f/${rng.hex(8)}`,
      })
    else {
      terminal ??= dd.spawn(finder, MAC.terminal, `${MAC.terminal.folder}/Terminal`, t)
      const zsh = dd.spawn(terminal, MAC.zsh, '-zsh', dd.later(t))
      const [bin, cmd] = rng.pick([
        [MAC.git, 'git pull --rebase'],
        [MAC.python3, 'python3 manage.py test'],
        [MAC.curl, 'curl -sS https://api.github.com/repos/contoso/web/pulls'],
      ] as const)
      const p = dd.spawn(zsh, bin, cmd, dd.later(t))
      if (bin !== MAC.python3) browse(dd, p, dd.later(p.created), ['github.com'])
    }
  }
  return { user, account, logonId, startMs, endMs, explorer: finder, outlook: null, browser }
}
