import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { huntingTables } from '../schema/hunting-tables.js'
import { STORY_IDS } from './stories.js'
import { collect, rowsOf, tableHashes, TEST_NOW } from './test-support.js'

const small = collect(7, 12)
const EVENT_TABLES = [
  'DeviceProcessEvents',
  'DeviceNetworkEvents',
  'DeviceFileEvents',
  'DeviceRegistryEvents',
  'DeviceLogonEvents',
  'DeviceImageLoadEvents',
  'DeviceEvents',
]

describe('demo generator: determinism', () => {
  it('same seed and clock give identical tables; another seed differs', () => {
    const again = collect(7, 12)
    const a = tableHashes(small)
    assert.deepEqual(tableHashes(again), a)
    const other = tableHashes(collect(8, 12))
    for (const t of EVENT_TABLES) assert.notEqual(other.get(t), a.get(t), t)
    assert.deepEqual(
      again.result.alerts.map((x) => x.id),
      small.result.alerts.map((x) => x.id),
    )
  })

  it('fills every hunting table and only known columns', () => {
    for (const t of huntingTables) assert.ok((small.result.counts.get(t.name) ?? 0) > 0, `${t.name} is empty`)
    for (const b of small.batches) {
      const shape = huntingTables.find((t) => t.name === b.table)!
      assert.deepEqual(b.columns, ['TenantId', ...shape.columns.map((c) => c.name)])
      assert.ok(b.data.every((col) => col.length === b.rows))
    }
  })

  it('keeps every event inside the seven-day window ending at the last full hour', () => {
    const end = Math.floor(TEST_NOW / 3_600_000) * 3_600_000
    const start = end - 7 * 86_400_000
    for (const t of [...EVENT_TABLES, 'DeviceInfo', 'DeviceNetworkInfo', 'AlertInfo'])
      for (const r of rowsOf(small, t, ['Timestamp'])) {
        const ms = (r.Timestamp as Date).getTime()
        assert.ok(ms >= start && ms < end, `${t} ${new Date(ms).toISOString()}`)
      }
  })

  it('scales roughly linearly with the device count', () => {
    const total = (n: number) => [...collect(3, n).result.counts.values()].reduce((a, b) => a + b, 0)
    const r = total(24) / total(12)
    assert.ok(r > 1.5 && r < 2.6, `ratio ${r}`)
  })
})

describe('demo generator: referential integrity', () => {
  const devices = new Map(small.result.tenant.devices.map((d) => [d.id, d]))
  const key = (dev: unknown, pid: unknown, t: unknown) =>
    `${String(dev)}|${String(pid)}|${(t as Date).getTime()}`
  const created = new Map<string, { parentPid: unknown; parentTime: unknown; sha1: unknown }>()
  for (const r of rowsOf(small, 'DeviceProcessEvents', [
    'DeviceId',
    'ProcessId',
    'ProcessCreationTime',
    'InitiatingProcessId',
    'InitiatingProcessCreationTime',
    'SHA1',
  ]))
    created.set(key(r.DeviceId, r.ProcessId, r.ProcessCreationTime), {
      parentPid: r.InitiatingProcessId,
      parentTime: r.InitiatingProcessCreationTime,
      sha1: r.SHA1,
    })
  const ROOTS = new Set(['System', 'systemd', 'launchd'])

  it('uses only tenant devices, with matching names', () => {
    for (const t of [...EVENT_TABLES, 'DeviceInfo', 'DeviceNetworkInfo', 'DeviceFileCertificateInfo'])
      for (const r of rowsOf(small, t, ['DeviceId', 'DeviceName'])) {
        const d = devices.get(r.DeviceId as string)
        assert.ok(d, `${t}: unknown device ${String(r.DeviceId)}`)
        assert.equal(r.DeviceName, d.name)
      }
  })

  it('links every actor to a created process (or the OS root) with consistent parent ids', () => {
    let checked = 0
    for (const t of EVENT_TABLES)
      for (const r of rowsOf(small, t, [
        'DeviceId',
        'InitiatingProcessId',
        'InitiatingProcessCreationTime',
        'InitiatingProcessFileName',
        'InitiatingProcessParentId',
        'InitiatingProcessParentCreationTime',
      ])) {
        if (r.InitiatingProcessCreationTime === null) continue
        const p = created.get(key(r.DeviceId, r.InitiatingProcessId, r.InitiatingProcessCreationTime))
        if (!p) {
          assert.ok(
            ROOTS.has(r.InitiatingProcessFileName as string),
            `${t}: orphan actor ${JSON.stringify(r)}`,
          )
          continue
        }
        assert.equal(r.InitiatingProcessParentId, p.parentPid, t)
        assert.equal(
          (r.InitiatingProcessParentCreationTime as Date).getTime(),
          (p.parentTime as Date).getTime(),
          t,
        )
        checked++
      }
    assert.ok(checked > 1000)
  })

  it('links every alert evidence item to telemetry of the alert machine', () => {
    const files = new Set<string>()
    for (const t of ['DeviceFileEvents', 'DeviceProcessEvents'])
      for (const r of rowsOf(small, t, ['DeviceId', 'SHA1']))
        files.add(`${String(r.DeviceId)}|${String(r.SHA1)}`)
    const ips = new Set<string>()
    for (const t of ['DeviceNetworkEvents', 'DeviceLogonEvents'])
      for (const r of rowsOf(small, t, ['DeviceId', 'RemoteIP']))
        ips.add(`${String(r.DeviceId)}|${String(r.RemoteIP)}`)
    const urls = new Set<string>()
    for (const r of rowsOf(small, 'DeviceNetworkEvents', ['DeviceId', 'RemoteUrl']))
      urls.add(`${String(r.DeviceId)}|${String(r.RemoteUrl)}`)
    for (const r of rowsOf(small, 'DeviceFileEvents', ['DeviceId', 'FileOriginUrl']))
      urls.add(`${String(r.DeviceId)}|${new URL((r.FileOriginUrl as string) || 'http://x').host}`)
    const accounts = new Set<string>()
    for (const t of EVENT_TABLES)
      for (const r of rowsOf(small, t, ['DeviceId', 'InitiatingProcessAccountName']))
        accounts.add(`${String(r.DeviceId)}|${String(r.InitiatingProcessAccountName).toLowerCase()}`)
    for (const r of rowsOf(small, 'DeviceLogonEvents', ['DeviceId', 'AccountName']))
      accounts.add(`${String(r.DeviceId)}|${String(r.AccountName).toLowerCase()}`)

    assert.ok(small.result.alerts.length >= 10)
    for (const a of small.result.alerts) {
      assert.ok(devices.has(a.machineId), a.title)
      for (const e of a.evidence) {
        const on = (x: string) => `${a.machineId}|${x}`
        if (e.entityType === 'Process') {
          const p = created.get(key(a.machineId, e.processId, e.processCreationTime))
          assert.ok(p, `${a.title}: process ${e.fileName} not created`)
          assert.equal(p.sha1, e.sha1)
          assert.equal(p.parentPid, e.parentProcessId)
        } else if (e.entityType === 'File')
          assert.ok(files.has(on(e.sha1!)), `${a.title}: file ${e.fileName}`)
        else if (e.entityType === 'Ip') assert.ok(ips.has(on(e.ipAddress!)), `${a.title}: ip ${e.ipAddress}`)
        else if (e.entityType === 'Url')
          assert.ok(urls.has(on(new URL(e.url!).host)), `${a.title}: url ${e.url}`)
        else if (e.entityType === 'User')
          assert.ok(accounts.has(on(e.accountName!.toLowerCase())), `${a.title}: user ${e.accountName}`)
      }
    }
    const evidenceRows = rowsOf(small, 'AlertEvidence', ['AlertId'])
    assert.equal(
      evidenceRows.length,
      small.result.alerts.reduce((n, a) => n + a.evidence.length + 1, 0),
    )
  })
})

describe('demo generator: stories', () => {
  const cmd = rowsOf(small, 'DeviceProcessEvents', ['DeviceName', 'FileName', 'ProcessCommandLine'])
  const has = (pred: (r: Record<string, unknown>) => boolean) => cmd.some(pred)
  const cl = (r: Record<string, unknown>) => String(r.ProcessCommandLine)

  it('plans every story in a 12-device tenant and raises its alerts', () => {
    assert.deepEqual([...small.result.stories].sort(), [...STORY_IDS].sort())
    const titles = new Set(small.result.alerts.map((a) => a.title))
    for (const t of [
      'Suspicious PowerShell command line',
      'Suspicious access to LSASS memory',
      'Ransomware behavior detected in the file system',
      'Suspicious scheduled task',
      'Suspicious reverse shell',
      'Suspected brute-force attack (RDP)',
    ])
      assert.ok(titles.has(t), t)
  })

  it('leaves the telemetry hunting queries look for', () => {
    assert.ok(
      has((r) => r.FileName === 'powershell.exe' && / -enc /.test(cl(r))),
      'powershell -enc',
    )
    assert.ok(
      has((r) => r.FileName === 'certutil.exe' && cl(r).includes('-urlcache')),
      'certutil',
    )
    assert.ok(
      has((r) => r.FileName === 'rundll32.exe' && /comsvcs\.dll, MiniDump/.test(cl(r))),
      'comsvcs',
    )
    assert.ok(
      has((r) => cl(r).includes('lsass') && cl(r).includes('-ma')),
      'procdump lsass',
    )
    assert.ok(
      has((r) => r.FileName === 'schtasks.exe' && cl(r).includes('/create')),
      'schtasks',
    )
    assert.ok(
      has((r) => cl(r).includes('bash -i >& /dev/tcp/')),
      'reverse shell',
    )
    assert.ok(
      has((r) => r.FileName === 'vssadmin.exe' && cl(r).includes('delete shadows')),
      'vssadmin',
    )
    const renames = rowsOf(small, 'DeviceFileEvents', ['ActionType', 'FileName']).filter(
      (r) => r.ActionType === 'FileRenamed' && String(r.FileName).endsWith('.lockbit'),
    )
    assert.ok(renames.length >= 100)
    const ev = rowsOf(small, 'DeviceEvents', ['ActionType', 'FileName'])
    assert.ok(ev.some((r) => r.ActionType === 'OpenProcessApiCall' && r.FileName === 'lsass.exe'))
    assert.ok(ev.some((r) => r.ActionType === 'ScheduledTaskCreated'))
    const failed = rowsOf(small, 'DeviceLogonEvents', ['ActionType', 'RemoteIP']).filter(
      (r) => r.ActionType === 'LogonFailed' && r.RemoteIP === '203.0.113.77',
    )
    assert.ok(failed.length >= 50)
  })

  it('leaves out stories whose host is missing in a tiny tenant', () => {
    const tiny = collect(7, 2)
    assert.deepEqual(tiny.result.stories, ['phishing-powershell-cradle', 'lsass-credential-dumping'])
  })
})
