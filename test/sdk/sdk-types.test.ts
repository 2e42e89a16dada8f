import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { format } from 'prettier'
import { SDK_TYPES_PATH, sdkTypesFile } from '../../tools/sdk-types.js'
import { repoRoot } from '../helpers/cli.js'

describe('SDK types', () => {
  it('are current with the catalogue (run `npm run gen` if this fails)', async () => {
    const committed = readFileSync(repoRoot + SDK_TYPES_PATH, 'utf8')
    const fresh = await format(sdkTypesFile(), {
      parser: 'typescript',
      semi: false,
      singleQuote: true,
      trailingComma: 'all',
      printWidth: 110,
    })
    assert.equal(committed, fresh)
  })
})
