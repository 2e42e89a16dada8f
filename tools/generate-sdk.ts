import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sdkTypesFile, SDK_TYPES_PATH } from './sdk-types.js'

/** `npm run gen` (second step): writes the SDK's wire types from the catalogue. */
let dir = dirname(fileURLToPath(import.meta.url))
while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'tsconfig.tsbuildinfo')))
  dir = dirname(dir)
const path = join(dir, SDK_TYPES_PATH)
const text = sdkTypesFile()
mkdirSync(dirname(path), { recursive: true })
if (existsSync(path) && readFileSync(path, 'utf8') === text) console.log('gen: SDK types up to date')
else {
  writeFileSync(path, text)
  console.log(`gen: wrote ${SDK_TYPES_PATH}`)
}
