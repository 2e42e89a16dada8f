import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { alertEntity, indicatorEntity, machineEntity } from '../schema/entities/mde.js'
import { entityModel } from './entity-model.js'
import { parseQueryOptions } from './query-options.js'
import { lowerFilter } from './sql-lowering.js'

const machines = entityModel(machineEntity)
const alerts = entityModel(alertEntity, { expandable: ['evidence'] })
const indicators = entityModel(indicatorEntity, { aliases: { createdBySource: 'source' } })

function sql(raw: Record<string, string>, model = machines, dialect: 'duckdb' | 'postgres' = 'duckdb') {
  const q = parseQueryOptions(raw, model)
  assert.ok(q.ok, JSON.stringify(!q.ok && q.error))
  assert.ok(q.value.filter)
  return lowerFilter(q.value.filter, dialect, { firstParam: 3 })
}

function error(raw: Record<string, string>, model = machines): string {
  const q = parseQueryOptions(raw, model)
  assert.ok(!q.ok, 'expected an error')
  return q.error.map((d) => `${d.code}: ${d.message}`).join('\n')
}

describe('OData query options', () => {
  it('lowers the documented examples with bound parameters', () => {
    assert.deepEqual(sql({ $filter: "computerDnsName eq 'host1'" }), {
      sql: '(lower("computerDnsName") = $3)',
      params: ['host1'],
    })
    const r = sql({ $filter: "riskScore eq 'high' and lastSeen gt 2018-08-01Z" })
    assert.equal(r.sql, '(("riskScore" = $3) AND ("lastSeen" > $4))')
    assert.equal(r.params[0], 'High')
    assert.deepEqual(r.params[1], new Date('2018-08-01T00:00:00Z'))
    assert.deepEqual(sql({ $filter: "startswith(computerDnsName,'FIN-')" }).params, ['fin-'])
    const d = sql({ $filter: "lastUpdateTime ge 2019-11-22T00:00:00Z and status eq 'New'" }, alerts)
    assert.equal(d.sql, '(("lastUpdateTime" >= $3) AND ("status" = $4))')
  })

  it('matches property names and enum values case-insensitively', () => {
    const r = sql({ $filter: "HealthStatus EQ 'active' or ComputerDnsName ne 'x'" })
    assert.equal(r.sql, '(("healthStatus" = $3) OR (lower("computerDnsName") <> $4))')
    assert.deepEqual(r.params, ['Active', 'x'])
  })

  it('supports in, not, parentheses, null, any() on tags', () => {
    assert.equal(
      sql({ $filter: "not (severity in ('High','low')) and assignedTo eq null" }, alerts).sql,
      '((NOT COALESCE(("severity" IN ($3, $4)), FALSE)) AND ("assignedTo" IS NULL))',
    )
    const any = sql(
      { $filter: "machineTags/any(t: t eq 'VIP' or startswith(t,'pci'))" },
      machines,
      'postgres',
    )
    assert.match(any.sql, /jsonb_array_elements_text\("machineTags"\)/)
    assert.deepEqual(any.params, ['vip', 'pci'])
    assert.equal(sql({ $filter: "createdBySource eq 'me'" }, indicators).params[0], 'me')
  })

  it('parses $top, $skip, $orderby, $select, $expand, $count', () => {
    const q = parseQueryOptions(
      {
        $top: '100',
        $skip: '20',
        $orderby: 'lastUpdateTime desc, id',
        $select: 'id,Status,evidence',
        $expand: 'Evidence',
        $count: 'true',
      },
      alerts,
    )
    assert.ok(q.ok)
    assert.deepEqual(q.value.orderBy, [
      { column: 'lastUpdateTime', desc: true },
      { column: 'id', desc: false },
    ])
    assert.deepEqual(q.value.select, ['id', 'status', 'evidence'])
    assert.deepEqual(q.value.expand, ['evidence'])
    assert.equal(q.value.top, 100)
    assert.equal(q.value.skip, 20)
    assert.equal(q.value.count, true)
  })

  it('rejects what is outside the documented subset, naming the part', () => {
    assert.match(error({ $filter: "contains(computerDnsName,'x')" }), /function 'contains' is not supported/)
    assert.match(error({ $filter: 'osBuild eq 5' }), /'osBuild' of Machine does not support filtering/)
    assert.match(error({ $filter: 'nope eq 5' }), /property named 'nope'/)
    assert.match(
      error({ $filter: "healthStatus gt 'Active'" }),
      /operator 'gt' is not supported for the property 'healthStatus'/,
    )
    assert.match(error({ $filter: "healthStatus eq 'Sleepy'" }), /'Sleepy' is not a valid value/)
    assert.match(error({ $filter: "lastSeen gt 'yesterday'" }), /does not match the type/)
    assert.match(error({ $filter: "machineTags/all(t: t eq 'x')" }), /all' is not supported/)
    assert.match(error({ $filter: "id eq 'a' xor id eq 'b'" }), /operator 'xor' is not supported/)
    assert.match(error({ $filter: "id eq 'unterminated" }), /Unterminated string/)
    assert.match(error({ $filter: '('.repeat(100) + "id eq 'a'" + ')'.repeat(100) }), /nested too deeply/)
    assert.match(error({ $top: '10001' }), /exceeds the maximum of 10000/)
    assert.match(error({ $top: '-1' }), /not a non-negative integer/)
    assert.match(error({ $skip: '1e99' }), /not a non-negative integer/)
    assert.match(error({ $search: 'x' }), /'\$search' is not supported/)
    assert.match(error({ $expand: 'evidence' }), /cannot be expanded/)
    assert.match(error({ $orderby: 'machineTags' }), /does not support ordering/)
    assert.match(error({ $count: 'maybe' }), /\$count/)
  })
})
