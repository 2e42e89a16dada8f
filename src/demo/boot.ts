import {
  LINUX_BINARIES as LX,
  MAC_BINARIES as MAC,
  WINDOWS_BINARIES as W,
  type BinaryDef,
} from './catalog/binaries.js'
import type { DeviceDay } from './device-day.js'
import { rngFor } from './prng.js'
import {
  LOCAL_SERVICE,
  makeProc,
  NETWORK_SERVICE,
  rootAccount,
  SYSTEM_ACCOUNT,
  type Account,
  type Proc,
} from './process.js'
import { DAY_MS, type DemoDevice, type DemoTenant } from './tenant.js'

/** The long-running processes of one boot of a device, by role name (lsass, services, sshd, …). */
export class BootState {
  constructor(
    readonly index: number,
    readonly atMs: number,
    readonly procs: ReadonlyMap<string, Proc>,
  ) {}

  get(name: string): Proc {
    const p = this.procs.get(name)
    if (!p) throw new Error(`demo: no boot process ${name}`)
    return p
  }

  has(name: string): boolean {
    return this.procs.has(name)
  }

  get root(): Proc {
    return this.get('root')
  }
}

/** Boot instants of a device inside the window: one at the start, plus a patch reboot for Windows. */
export function bootTimes(tenant: DemoTenant, dev: DemoDevice): number[] {
  const rng = rngFor(tenant.seed, 'boot-times', dev.index)
  const first = tenant.startMs + rng.int(2, 20) * 60_000
  if (dev.os !== 'windows') return [first]
  return [first, tenant.firstDayMs + 3 * DAY_MS + rng.int(120, 240) * 60_000]
}

type Node = [name: string, parent: string, bin: BinaryDef, cmd: string, account?: Account]

function windowsNodes(dev: DemoDevice): Node[] {
  const nodes: Node[] = [
    ['smss', 'root', W.smss, '\\SystemRoot\\System32\\smss.exe'],
    [
      'csrss',
      'smss',
      W.csrss,
      '%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16',
    ],
    ['wininit', 'smss', W.wininit, 'wininit.exe'],
    ['winlogon', 'smss', W.winlogon, 'winlogon.exe'],
    ['services', 'wininit', W.services, 'C:\\Windows\\system32\\services.exe'],
    ['lsass', 'wininit', W.lsass, 'C:\\Windows\\system32\\lsass.exe'],
    ['svchost-dcom', 'services', W.svchost, 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p'],
    [
      'svchost-netsvcs',
      'services',
      W.svchost,
      'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
    ],
    [
      'svchost-wuauserv',
      'services',
      W.svchost,
      'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv',
    ],
    [
      'svchost-dnscache',
      'services',
      W.svchost,
      'C:\\Windows\\system32\\svchost.exe -k NetworkService -p -s Dnscache',
      NETWORK_SERVICE,
    ],
    [
      'svchost-localservice',
      'services',
      W.svchost,
      'C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p',
      LOCAL_SERVICE,
    ],
    ['spoolsv', 'services', W.spoolsv, 'C:\\Windows\\System32\\spoolsv.exe'],
    [
      'msmpeng',
      'services',
      W.msmpeng,
      '"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24030.9-0\\MsMpEng.exe"',
    ],
    [
      'mssense',
      'services',
      W.mssense,
      '"C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe"',
    ],
    ['securityhealth', 'services', W.securityHealth, 'C:\\Windows\\system32\\SecurityHealthService.exe'],
    ['searchindexer', 'services', W.searchIndexer, 'C:\\Windows\\system32\\SearchIndexer.exe /Embedding'],
  ]
  if (dev.role === 'sql')
    nodes.push([
      'sqlservr',
      'services',
      W.sqlservr,
      '"C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe" -sMSSQLSERVER',
    ])
  if (dev.role === 'dc') nodes.push(['dns', 'services', W.dns, 'C:\\Windows\\system32\\dns.exe'])
  if (dev.role === 'web' || dev.role === 'app')
    nodes.push([
      'w3wp',
      'svchost-netsvcs',
      W.w3wp,
      'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll" -a \\\\.\\pipe\\iisipm -h "C:\\inetpub\\temp\\apppools\\DefaultAppPool\\DefaultAppPool.config" -w "" -m 0',
      NETWORK_SERVICE,
    ])
  return nodes
}

function linuxNodes(dev: DemoDevice): Node[] {
  const nodes: Node[] = [
    ['sshd', 'root', LX.sshd, 'sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups'],
    ['cron', 'root', LX.cron, '/usr/sbin/cron -f -P'],
    ['mdatp', 'root', LX.mdatp, '/opt/microsoft/mdatp/sbin/wdavdaemon'],
  ]
  if (dev.role === 'web') {
    nodes.push([
      'nginx',
      'root',
      LX.nginx,
      'nginx: master process /usr/sbin/nginx -g daemon on; master_process on;',
    ])
    nodes.push(['nginx-worker', 'nginx', LX.nginx, 'nginx: worker process'])
    nodes.push(['phpfpm', 'root', LX.phpfpm, 'php-fpm: master process (/etc/php/8.1/fpm/php-fpm.conf)'])
    nodes.push(['phpfpm-worker', 'phpfpm', LX.phpfpm, 'php-fpm: pool www'])
  } else if (dev.role === 'app') {
    nodes.push([
      'dockerd',
      'root',
      LX.dockerd,
      '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock',
    ])
    nodes.push([
      'java',
      'root',
      LX.java,
      '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xms512m -Xmx2g -jar /opt/orders/orders-service.jar',
    ])
  } else
    nodes.push([
      'postgres',
      'root',
      LX.bash,
      '/usr/lib/postgresql/14/bin/postgres -D /var/lib/postgresql/14/main',
    ])
  return nodes
}

function macNodes(): Node[] {
  return [
    [
      'loginwindow',
      'root',
      MAC.loginwindow,
      '/System/Library/CoreServices/loginwindow.app/Contents/MacOS/loginwindow console',
    ],
    [
      'mdatp',
      'root',
      MAC.mdatp,
      '/Library/Application Support/Microsoft/Defender/wdavdaemon.app/Contents/MacOS/wdavdaemon',
    ],
    [
      'softwareupdated',
      'root',
      MAC.softwareupdated,
      '/System/Library/PrivateFrameworks/SoftwareUpdate.framework/Resources/softwareupdated',
    ],
    [
      'mdworker',
      'root',
      MAC.mdworker,
      '/System/Library/Frameworks/CoreServices.framework/Frameworks/Metadata.framework/Versions/A/Support/mdworker_shared -s mdworker -c MDSImporterWorker -m com.apple.mdworker.shared',
    ],
  ]
}

/**
 * Builds the boot-time process tree of boot `index` (its own random stream, so it is the same whether
 * or not today's generator writes it); writes the ProcessCreated rows when `emit` is set.
 */
export function bootState(dd: DeviceDay, index: number, atMs: number, emit: boolean): BootState {
  const dev = dd.dev
  const rng = rngFor(dd.tenant.seed, 'boot', dev.index, index)
  const rootBin = dev.os === 'windows' ? W.system : dev.os === 'linux' ? LX.systemd : MAC.launchd
  const rootAcct = dev.os === 'windows' ? SYSTEM_ACCOUNT : rootAccount(dev)
  const root = makeProc({
    pid: dev.os === 'windows' ? 4 : 1,
    created: new Date(atMs),
    bin: rootBin,
    cmd: dev.os === 'windows' ? '' : dev.os === 'linux' ? '/sbin/init splash' : '/sbin/launchd',
    account: rootAcct,
    integrity: 'System',
    elevation: 'TokenElevationTypeDefault',
    logonId: 999,
    sessionId: 0,
    parent: null,
  })
  const procs = new Map<string, Proc>([['root', root]])
  const nodes = dev.os === 'windows' ? windowsNodes(dev) : dev.os === 'linux' ? linuxNodes(dev) : macNodes()
  let t = atMs + rng.int(200, 900)
  let pid = dev.os === 'windows' ? 96 : 300
  for (const [name, parentName, bin, cmd, account] of nodes) {
    t += rng.int(40, 2500)
    pid += dev.os === 'windows' ? 4 * rng.int(2, 30) : rng.int(1, 40)
    const parent = procs.get(parentName)!
    const p = dd.spawn(parent, bin, cmd, new Date(t), {
      pid,
      account: account ?? rootAcct,
      silent: !emit,
      sessionId: name === 'winlogon' || name === 'csrss' ? 1 : 0,
    })
    procs.set(name, p)
  }
  return new BootState(index, atMs, procs)
}
