import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { alertEntity, machineEntity } from '../schema/entities/mde.js'
import { entityModel } from './entity-model.js'
import { parseQueryOptions } from './query-options.js'
import { lowerFilter } from './sql-lowering.js'

const models = [entityModel(machineEntity), entityModel(alertEntity, { expandable: ['evidence'] })]

const fragments = [
  ' ',
  '(',
  ')',
  ',',
  '/',
  ':',
  "'",
  "''",
  'eq',
  'ne',
  'gt',
  'ge',
  'lt',
  'le',
  'and',
  'or',
  'not',
  'in',
  'any',
  'all',
  'startswith',
  'contains',
  'null',
  'true',
  'false',
  'datetime',
  'guid',
  'machineTags',
  'computerDnsName',
  'lastSeen',
  'healthStatus',
  'rbacGroupId',
  'status',
  'severity',
  'id',
  't',
  "'x'",
  "'Active'",
  '2018-08-01Z',
  '2019-11-22T00:00:00Z',
  '2021-13-45T99:99:99Z',
  '12',
  '-7',
  '1.5e3',
  '99999999999999999999999',
  '0e4f9a1c-1111-2222-3333-444455556666',
  '$',
  '%',
  '"',
  '\\',
  '\u0000',
  '\u{1F600}',
]

/** Token soup: mostly-plausible OData text that exercises every parser path, including the invalid ones. */
const soup = fc.array(fc.constantFrom(...fragments), { maxLength: 60 }).map((xs) => xs.join(' '))
const junk = fc.string({ maxLength: 200 })

/** Structurally valid filters over Machine. */
const leaf = fc.oneof(
  fc.constantFrom(
    "healthStatus eq 'Active'",
    "riskScore ne 'High'",
    'rbacGroupId ge 3',
    'lastSeen lt 2025-01-01T00:00:00Z',
  ),
  fc.string({ maxLength: 10 }).map((s) => `computerDnsName eq '${s.replace(/'/g, "''")}'`),
  fc.string({ maxLength: 10 }).map((s) => `startswith(computerDnsName,'${s.replace(/'/g, "''")}')`),
  fc.string({ maxLength: 10 }).map((s) => `machineTags/any(t: t eq '${s.replace(/'/g, "''")}')`),
  fc.constant("osPlatform in ('Windows10','Linux')"),
)
const valid: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('and', 'or'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
    tie('e').map((a) => `not (${a})`),
  ),
})).e

describe('OData parser (property-based)', () => {
  it('never throws on arbitrary input and reports a message for each rejection', () => {
    fc.assert(
      fc.property(fc.oneof(soup, junk), fc.oneof(soup, junk, fc.constant('10')), (filter, other) => {
        for (const model of models) {
          for (const raw of [
            { $filter: filter },
            { $top: other, $orderby: filter },
            { $select: filter, $expand: other },
          ]) {
            const r = parseQueryOptions(raw, model)
            if (!r.ok) {
              assert.ok(r.error.length > 0)
              for (const d of r.error) assert.ok(d.message.length > 0 && d.code.startsWith('odata-'))
            } else if (r.value.filter) {
              lowerFilter(r.value.filter, 'duckdb', { firstParam: 1 })
              lowerFilter(r.value.filter, 'postgres', { firstParam: 1 })
            }
          }
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('accepts every structurally valid filter and binds one parameter per literal', () => {
    fc.assert(
      fc.property(valid, (filter) => {
        const r = parseQueryOptions({ $filter: filter }, models[0]!)
        if (!r.ok && r.error[0]!.code === 'odata-too-complex') return
        assert.ok(r.ok, `${filter}: ${!r.ok ? r.error[0]!.message : ''}`)
        const low = lowerFilter(r.value.filter!, 'postgres', { firstParam: 1 })
        const placeholders = low.sql.match(/\$\d+/g) ?? []
        assert.equal(placeholders.length, low.params.length)
      }),
      { numRuns: 1000 },
    )
  })

  it('bounds nesting depth and length instead of overflowing the stack', () => {
    for (const n of [33, 1000, 100_000]) {
      const r = parseQueryOptions({ $filter: 'not '.repeat(n) + "id eq 'x'" }, models[0]!)
      assert.ok(!r.ok)
      assert.equal(r.error[0]!.code, 'odata-too-complex')
      const p = parseQueryOptions({ $filter: '('.repeat(n) }, models[0]!)
      assert.ok(!p.ok)
    }
    const long = Array.from({ length: 600 }, (_, i) => `id eq '${i}'`).join(' or ')
    const r = parseQueryOptions({ $filter: long }, models[0]!)
    assert.ok(!r.ok && r.error[0]!.code === 'odata-too-complex')
  })
})
