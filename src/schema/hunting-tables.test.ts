import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { huntingTableDdl } from './ddl.js'
import { huntingTable, huntingTableIgnoreCase, huntingTables } from './hunting-tables.js'

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}
const root = repoRoot()
const specPath = join(root, '..', 'shared', 'spec', 'hunting-schema.json')
const copyPath = join(root, 'src', 'schema', 'hunting-schema.json')

describe('hunting tables', () => {
  it('exposes the 27 tables of the spec with their exact columns and types', () => {
    const raw = JSON.parse(readFileSync(copyPath, 'utf8')) as {
      tables: Record<string, { columns: { name: string; type: string }[] }>
    }
    assert.equal(huntingTables.length, 27)
    assert.deepEqual(
      huntingTables.map((t) => t.name),
      Object.keys(raw.tables),
    )
    for (const t of huntingTables) {
      const cols = raw.tables[t.name]!.columns
      assert.deepEqual(
        t.columns.map((c) => [c.name, c.type]),
        cols.map((c) => [c.name, c.type === 'boolean' ? 'bool' : c.type]),
      )
      assert.ok(!t.columns.some((c) => c.name === 'TenantId'), `${t.name} must not expose TenantId`)
    }
  })

  it('keeps the repository copy equal to the reference spec', (t) => {
    if (!existsSync(specPath)) return t.skip('../shared not present')
    assert.deepEqual(JSON.parse(readFileSync(copyPath, 'utf8')), JSON.parse(readFileSync(specPath, 'utf8')))
  })

  it('looks tables up by exact name, and ignoring case for diagnostics', () => {
    assert.equal(huntingTable('DeviceProcessEvents')?.columns[0]?.name, 'Timestamp')
    assert.equal(huntingTable('deviceprocessevents'), undefined)
    assert.equal(huntingTableIgnoreCase('deviceprocessevents')?.name, 'DeviceProcessEvents')
    assert.equal(huntingTable('DeviceTvmSoftwareInventory')?.timed, false)
  })

  it('produces DDL with a leading TenantId column in both dialects', () => {
    for (const d of ['duckdb', 'postgres'] as const) {
      const ddl = huntingTableDdl(d)
      assert.match(
        ddl,
        /CREATE TABLE IF NOT EXISTS "DeviceProcessEvents" \(\n {2}"TenantId" [^,]*NOT NULL,\n {2}"Timestamp" /,
      )
      assert.equal(ddl.match(/CREATE TABLE/g)?.length, 27)
    }
    assert.match(huntingTableDdl('postgres'), /"AdditionalFields" jsonb/)
    assert.match(huntingTableDdl('duckdb'), /"AdditionalFields" JSON/)
    assert.match(huntingTableDdl('postgres'), /ON "DeviceProcessEvents" \("TenantId", "Timestamp"\)/)
    assert.match(
      huntingTableDdl('postgres'),
      /ON "DeviceProcessEvents" \("TenantId", "DeviceId", "Timestamp"\)/,
    )
    // PostgreSQL truncates identifiers past 63 bytes: every index name fits and is unique.
    const names = [...huntingTableDdl('postgres').matchAll(/CREATE INDEX IF NOT EXISTS "([^"]+)"/g)].map(
      (m) => m[1]!,
    )
    assert.ok(
      names.every((n) => Buffer.byteLength(n) <= 63),
      names.join(', '),
    )
    assert.equal(new Set(names).size, names.length)
  })
})
