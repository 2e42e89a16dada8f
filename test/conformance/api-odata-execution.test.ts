import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { entityModel, lowerFilter, lowerOrderBy, parseQueryOptions } from '../../src/odata/index.js'
import { machineEntity } from '../../src/schema/entities/mde.js'
import { catalogueMigrations } from '../../src/store/catalogue-migrations.js'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrations.js'
import { backends } from '../helpers/stores.js'

const model = entityModel(machineEntity)
const T = '11111111-2222-3333-4444-555555555555'

const rows = [
  {
    id: 'a'.repeat(40),
    computerDnsName: 'FIN-LT-1.corp',
    healthStatus: 'Active',
    riskScore: 'High',
    rbacGroupId: 102,
    lastSeen: '2025-03-01T00:00:00Z',
    machineTags: ['Finance', 'VIP'],
    aadDeviceId: null,
  },
  {
    id: 'b'.repeat(40),
    computerDnsName: 'srv-dc-1.corp',
    healthStatus: 'Inactive',
    riskScore: null,
    rbacGroupId: 101,
    lastSeen: '2025-02-01T00:00:00Z',
    machineTags: ['tier0'],
    aadDeviceId: 'd1',
  },
  {
    id: 'c'.repeat(40),
    computerDnsName: 'ws-2',
    healthStatus: 'Active',
    riskScore: 'Low',
    rbacGroupId: 0,
    lastSeen: '2025-03-03T00:00:00Z',
    machineTags: [],
    aadDeviceId: null,
  },
]

async function seed(db: Db): Promise<void> {
  await migrate(db, catalogueMigrations)
  for (const r of rows)
    await db.execute(
      `INSERT INTO machines ("tenantId","id","computerDnsName","firstSeen","lastSeen","osPlatform","healthStatus","riskScore","rbacGroupId","machineTags","onboardingStatus","aadDeviceId")
       VALUES ($1,$2,$3,$4,$5,'Windows11',$6,$7,$8,$9,'Onboarded',$10)`,
      [
        T,
        r.id,
        r.computerDnsName,
        new Date(r.lastSeen),
        new Date(r.lastSeen),
        r.healthStatus,
        r.riskScore,
        r.rbacGroupId,
        JSON.stringify(r.machineTags),
        r.aadDeviceId,
      ],
    )
}

async function run(db: Db, raw: Record<string, string>): Promise<string[]> {
  const q = parseQueryOptions(raw, model)
  assert.ok(q.ok, JSON.stringify(!q.ok && q.error))
  const f = q.value.filter
    ? lowerFilter(q.value.filter, db.dialect, { firstParam: 2 })
    : { sql: 'TRUE', params: [] }
  const order = lowerOrderBy([...q.value.orderBy, { column: 'id', desc: false }])
  const out = await db.query<{ computerDnsName: string }>(
    `SELECT "computerDnsName" FROM machines WHERE "tenantId" = $1 AND ${f.sql} ORDER BY ${order}`,
    [T, ...f.params],
  )
  return out.map((r) => r.computerDnsName)
}

for (const backend of backends) {
  describe(`OData filters execute on ${backend.name}`, () => {
    it('gives the same answers on every store', async () => {
      const db = await backend.open()
      try {
        await seed(db)
        assert.deepEqual(await run(db, { $filter: "computerDnsName eq 'fin-lt-1.CORP'" }), ['FIN-LT-1.corp'])
        assert.deepEqual(await run(db, { $filter: "startswith(computerDnsName,'srv')" }), ['srv-dc-1.corp'])
        assert.deepEqual(await run(db, { $filter: "machineTags/any(t: t eq 'vip')" }), ['FIN-LT-1.corp'])
        assert.deepEqual(await run(db, { $filter: "machineTags/any(t: startswith(t,'TIER'))" }), [
          'srv-dc-1.corp',
        ])
        assert.deepEqual(await run(db, { $filter: 'machineTags/any()', $orderby: 'computerDnsName desc' }), [
          'srv-dc-1.corp',
          'FIN-LT-1.corp',
        ])
        assert.deepEqual(await run(db, { $filter: 'lastSeen gt 2025-02-15Z', $orderby: 'lastSeen desc' }), [
          'ws-2',
          'FIN-LT-1.corp',
        ])
        assert.deepEqual(await run(db, { $filter: "riskScore ne 'High'", $orderby: 'riskScore' }), [
          'srv-dc-1.corp',
          'ws-2',
        ])
        assert.deepEqual(await run(db, { $filter: 'rbacGroupId in (101, 0)', $orderby: 'rbacGroupId' }), [
          'ws-2',
          'srv-dc-1.corp',
        ])
        assert.deepEqual(
          await run(db, { $filter: "not (healthStatus eq 'active') or aadDeviceId eq 'D1'" }),
          ['srv-dc-1.corp'],
        )
        assert.deepEqual(await run(db, { $filter: 'aadDeviceId eq null and rbacGroupId ge 1' }), [
          'FIN-LT-1.corp',
        ])
      } finally {
        await db.close()
      }
    })
  })
}
