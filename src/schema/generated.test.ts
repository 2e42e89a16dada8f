import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import type { EntityDef } from './catalogue-types.js'
import { GENERATED_DIR, generateCatalogueFiles, validateCatalogue } from './codegen.js'

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}

describe('generated catalogue files', () => {
  it('are up to date with the catalogue', () => {
    for (const [name, text] of generateCatalogueFiles()) {
      const path = join(repoRoot(), GENERATED_DIR, name)
      const committed = existsSync(path) ? readFileSync(path, 'utf8') : ''
      assert.ok(committed === text, `${GENERATED_DIR}/${name} is stale: run npm run gen`)
    }
  })

  it('rejects duplicate names and bad keys', () => {
    const e = (name: string, table: string): EntityDef => ({
      name,
      table,
      key: ['tenantId', 'nope'],
      fields: { tenantId: { type: 'string' } },
    })
    const problems = validateCatalogue([e('Thing', 'things'), e('Thing', 'things')])
    assert.ok(problems.some((p) => /type name "Thing" is already used/.test(p)))
    assert.ok(problems.some((p) => /table "things" is already used/.test(p)))
    assert.ok(problems.some((p) => /key column nope/.test(p)))
  })

  it('emits wire and row types, hunting row types and an EDMX entity set per exposed entity', () => {
    const files = generateCatalogueFiles([
      {
        name: 'Gadget',
        table: 'gadgets',
        entitySet: 'Gadgets',
        key: ['tenantId', 'id'],
        fields: {
          tenantId: { type: 'string', internal: true },
          id: { type: 'string' },
          kind: { type: 'enum', values: ['A', 'B'] },
          seen: { type: 'datetime', nullable: true },
          tags: { type: 'string[]' },
        },
      },
    ])
    const types = files.get('types.ts')!
    assert.match(
      types,
      /export interface Gadget \{\n {2}id: string\n {2}kind: 'A' \| 'B'\n {2}seen: string \| null\n {2}tags: string\[\]\n\}/,
    )
    assert.match(
      types,
      /export interface GadgetRow \{\n {2}tenantId: string\n[\s\S]*seen: Date \| null\n {2}tags: string\n\}/,
    )
    assert.match(
      types,
      /export interface HuntingDeviceProcessEventsRow \{\n[\s\S]*?TenantId: string\n {2}Timestamp: Date \| null/,
    )
    const edmx = files.get('odata-metadata.xml')!
    assert.match(edmx, /<EntityType Name="Gadget">\n {8}<Key><PropertyRef Name="id"\/><\/Key>/)
    assert.match(edmx, /<Property Name="tags" Type="Collection\(Edm.String\)" Nullable="false"\/>/)
    assert.match(edmx, /<EntitySet Name="Gadgets" EntityType="microsoft.windowsDefenderATP.api.Gadget"\/>/)
    assert.doesNotMatch(edmx, /tenantId/)
  })
})
