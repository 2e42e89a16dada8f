import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { HuntingEngine } from '../../src/hunting/index.js'
import { DEMO_NOW_MS } from './demo-data.js'

/**
 * `CompiledQuery.insertionOrder`: only a statement that is one table scan under a small constant LIMIT
 * (scan.ts SMALL_SCAN_LIMIT) runs with the store's insertion order kept; everything else runs unordered.
 */
const engine = HuntingEngine.shared()

function insertionOrder(query: string, dialect: 'duckdb' | 'postgres' = 'duckdb'): boolean {
  const p = engine.plan(query)
  assert.ok(p.ok, query)
  const l = engine.lower(p.plan, {
    dialect,
    scope: { tenantId: 't', deviceIds: null, minTimestampUs: 0 },
    nowMs: DEMO_NOW_MS,
    rowLimit: 100_000,
  })
  assert.ok(l.ok, query)
  return l.query.insertionOrder
}

describe('insertion order for small-LIMIT scans', () => {
  test('a where chain and a small take over one table', () => {
    for (const d of ['duckdb', 'postgres'] as const) {
      assert.equal(
        insertionOrder(
          'DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ "powershell.exe" and ProcessCommandLine has "-enc" | take 100',
          d,
        ),
        true,
      )
      assert.equal(insertionOrder('DeviceProcessEvents | take 10', d), true)
      assert.equal(insertionOrder('DeviceProcessEvents | limit 10000', d), true)
    }
  })

  test('anything else runs unordered', () => {
    for (const q of [
      'DeviceProcessEvents | take 10001',
      'DeviceProcessEvents | where FileName == "a.exe"',
      'DeviceProcessEvents | summarize count() by DeviceId',
      'DeviceProcessEvents | top 10 by Timestamp',
      'DeviceProcessEvents | sort by Timestamp desc | take 10',
      'DeviceProcessEvents | take 10 | summarize count() by DeviceId',
      'DeviceProcessEvents | take 10 | join kind=inner (DeviceNetworkEvents | take 10) on DeviceId',
      'let n = 10; DeviceProcessEvents | take n | extend x = 1 | summarize max(x)',
      'print x = 1',
    ])
      assert.equal(insertionOrder(q), false, q)
  })
})
