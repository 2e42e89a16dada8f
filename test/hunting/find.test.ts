import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Db } from '../../src/store/db.js'
import { backends } from '../helpers/stores.js'
import { kql, openHuntingDb, rows, TENANT } from './harness.js'

/**
 * `find`: KQL's semantics (find-operator.md) — the rows of the listed tables that satisfy the predicate,
 * a source column, `project` columns null where a table has none, `project-smart` columns plus `pack_`,
 * tables with none of the predicate's columns not searched.
 */
const H = 'aaaa1111'
const ROWS: Record<string, { cols: string[]; values: (string | number | null)[][] }> = {
  DeviceProcessEvents: {
    cols: [
      'Timestamp',
      'DeviceId',
      'DeviceName',
      'ActionType',
      'FileName',
      'SHA1',
      'InitiatingProcessSHA1',
      'ProcessId',
    ],
    values: [
      ['2025-06-01 10:00:00', 'd1', 'host1', 'ProcessCreated', 'evil.exe', H, 'p0', 7],
      ['2025-06-01 10:01:00', 'd1', 'host1', 'ProcessCreated', 'child.exe', 'c1', H, 8],
      ['2025-06-01 10:02:00', 'd2', 'host2', 'ProcessCreated', 'other.exe', 'zz', 'yy', 9],
    ],
  },
  DeviceNetworkEvents: {
    cols: [
      'Timestamp',
      'DeviceId',
      'DeviceName',
      'ActionType',
      'RemoteIP',
      'RemoteUrl',
      'InitiatingProcessSHA1',
    ],
    values: [
      ['2025-06-01 10:03:00', 'd1', 'host1', 'ConnectionSuccess', '10.0.0.9', 'evil.example', H],
      ['2025-06-01 10:04:00', 'd2', 'host2', 'ConnectionSuccess', '10.0.0.8', 'good.example', 'qq'],
    ],
  },
  DeviceInfo: {
    cols: ['Timestamp', 'DeviceId', 'DeviceName', 'OSPlatform'],
    values: [['2025-06-01 09:00:00', 'd1', 'host1', 'Windows10']],
  },
}

for (const b of backends)
  describe(`find on ${b.name}`, () => {
    let db: Db
    before(async () => {
      db = await openHuntingDb(b)
      for (const [table, { cols, values }] of Object.entries(ROWS)) {
        const lit = (v: string | number | null, i: number) =>
          v === null ? 'NULL' : typeof v === 'number' ? String(v) : i === 0 ? `TIMESTAMP '${v}'` : `'${v}'`
        await db.execute(
          `INSERT INTO "${table}" ("TenantId", ${cols.map((c) => `"${c}"`).join(', ')}) VALUES ${values
            .map((r) => `('${TENANT}', ${r.map(lit).join(', ')})`)
            .join(', ')}`,
        )
      }
    })
    after(async () => {
      await db.close()
    })

    const sorted = (rs: Record<string, unknown>[], by: string) =>
      [...rs].sort((x, y) => String(x[by]).localeCompare(String(y[by])))

    test('finds a hash on either side across tables; project names the columns, null where absent', async () => {
      const got = await rows(
        db,
        `find withsource=Src in (DeviceProcessEvents, DeviceNetworkEvents, DeviceInfo)
         where SHA1 == "${H}" or InitiatingProcessSHA1 == "${H}"
         project DeviceName, Timestamp, FileName, RemoteIP`,
      )
      assert.deepEqual(sorted(got, 'Timestamp'), [
        {
          Src: 'DeviceProcessEvents',
          DeviceName: 'host1',
          Timestamp: '2025-06-01T10:00:00.0000000Z',
          FileName: 'evil.exe',
          RemoteIP: '',
        },
        {
          Src: 'DeviceProcessEvents',
          DeviceName: 'host1',
          Timestamp: '2025-06-01T10:01:00.0000000Z',
          FileName: 'child.exe',
          RemoteIP: '',
        },
        {
          Src: 'DeviceNetworkEvents',
          DeviceName: 'host1',
          Timestamp: '2025-06-01T10:03:00.0000000Z',
          FileName: '',
          RemoteIP: '10.0.0.9',
        },
      ])
    })

    test('project-smart: predicate and common columns, then pack_ with each row its own other columns', async () => {
      const r = await kql(
        db,
        `find in (DeviceProcessEvents, DeviceNetworkEvents) where InitiatingProcessSHA1 == "${H}" | where DeviceId == "d1"`,
      )
      assert.ok(r.ok, r.ok ? '' : r.message)
      if (!r.ok) return
      const names = r.schema.map((c) => c.name)
      assert.equal(names[0], 'source_')
      assert.equal(names[names.length - 1], 'pack_')
      assert.ok(
        names.includes('InitiatingProcessSHA1') &&
          names.includes('DeviceName') &&
          names.includes('Timestamp'),
      )
      assert.ok(
        !names.includes('RemoteIP') && !names.includes('SHA1'),
        'columns of one table only go into pack_',
      )
      const got = sorted(r.results, 'Timestamp')
      assert.deepEqual(
        got.map((x) => [x.source_, x.DeviceName]),
        [
          ['DeviceProcessEvents', 'host1'],
          ['DeviceNetworkEvents', 'host1'],
        ],
      )
      const pack0 = got[0]!.pack_ as Record<string, unknown>
      const pack1 = got[1]!.pack_ as Record<string, unknown>
      assert.equal(pack0.FileName, 'child.exe')
      assert.equal(pack0.SHA1, 'c1')
      assert.equal(pack0.ProcessId, 8)
      assert.ok(!('RemoteIP' in pack0), "a process row's bag holds process columns only")
      assert.equal(pack1.RemoteIP, '10.0.0.9')
      assert.equal(pack1.RemoteUrl, 'evil.example')
      assert.ok(!('FileName' in pack1))
      assert.ok(!('DeviceName' in pack0), 'output columns are not packed again')
    })

    test('a table with none of the predicate columns is not searched', async () => {
      // DeviceInfo has no SHA1: with the term alone it would match nothing anyway; with `not` it would
      // match every row if it were searched.
      const got = await rows(
        db,
        `find in (DeviceInfo, DeviceProcessEvents) where not(SHA1 == "${H}") project DeviceId, FileName`,
      )
      assert.deepEqual(got.map((x) => x.source_).sort(), ['DeviceProcessEvents', 'DeviceProcessEvents'])
      // No listed table has the column: Kusto's binder refuses the name (400).
      const none = await kql(db, `find in (DeviceInfo) where SHA1 == "${H}" project DeviceId`)
      assert.equal(none.ok, false)
      if (!none.ok) assert.equal(none.status, 400)
    })

    test('a bare term searches every column of every table', async () => {
      const got = await rows(
        db,
        `find in (DeviceNetworkEvents, DeviceInfo) where "evil" project DeviceId, RemoteUrl`,
      )
      assert.deepEqual(got, [{ source_: 'DeviceNetworkEvents', DeviceId: 'd1', RemoteUrl: 'evil.example' }])
      const win = await rows(
        db,
        `find in (DeviceNetworkEvents, DeviceInfo) where "Windows10" project DeviceId`,
      )
      assert.deepEqual(win, [{ source_: 'DeviceInfo', DeviceId: 'd1' }])
    })

    test('search without in (…): every hunting table, `$table` naming the source', async () => {
      const got = await rows(db, `search "evil.example" | project ["$table"], DeviceId, RemoteUrl`)
      assert.deepEqual(got, [{ $table: 'DeviceNetworkEvents', DeviceId: 'd1', RemoteUrl: 'evil.example' }])
      const both = await rows(
        db,
        `search "host1" | summarize n = count() by ["$table"] | sort by ["$table"] asc`,
      )
      assert.deepEqual(both, [
        { $table: 'DeviceInfo', n: 1 },
        { $table: 'DeviceNetworkEvents', n: 1 },
        { $table: 'DeviceProcessEvents', n: 2 },
      ])
    })

    test('without in (…): every hunting table', async () => {
      const got = await rows(db, `find where RemoteUrl == "evil.example" project DeviceName, RemoteUrl`)
      assert.deepEqual(got, [
        { source_: 'DeviceNetworkEvents', DeviceName: 'host1', RemoteUrl: 'evil.example' },
      ])
    })

    test("the caller's tenant only", async () => {
      const other = await kql(db, `find in (DeviceProcessEvents) where SHA1 == "${H}" project FileName`, {
        scope: { tenantId: 'another-tenant', deviceIds: null },
      })
      assert.ok(other.ok)
      if (other.ok) assert.deepEqual(other.results, [])
      const scoped = await kql(
        db,
        `find in (DeviceProcessEvents, DeviceNetworkEvents) where InitiatingProcessSHA1 == "${H}" project DeviceId`,
        {
          scope: { tenantId: TENANT, deviceIds: ['d2'] },
        },
      )
      assert.ok(scoped.ok)
      if (scoped.ok) assert.deepEqual(scoped.results, [])
    })
  })
