import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GENERATED_DIR, generateCatalogueFiles } from '../src/schema/codegen.js'

/**
 * `npm run gen`: regenerates src/schema/generated/ (TypeScript types, DDL per dialect, OData $metadata)
 * from the catalogue (src/schema/entities + hunting tables). Run it after changing an entity; commit the
 * output. A test fails when the committed files are stale.
 */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
  return dir
}

const out = resolve(repoRoot(), GENERATED_DIR)
mkdirSync(out, { recursive: true })
let changed = 0
for (const [name, text] of generateCatalogueFiles()) {
  const path = join(out, name)
  const old = existsSync(path) ? readFileSync(path, 'utf8') : null
  if (old === text) continue
  writeFileSync(path, text)
  changed++
  console.log(`gen: wrote ${GENERATED_DIR}/${name}`)
}
console.log(changed ? `gen: ${changed} file(s) updated` : 'gen: up to date')
