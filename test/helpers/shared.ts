import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the nearest folder above this file with a package.json (from test/ and dist/test/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}

/**
 * The read-only reference folder (specs, fixtures, KQL corpus). CI lays it beside the clone
 * (`../shared`); tests read it there, the product never does.
 */
export const sharedDir: string = resolve(findRoot(), '..', 'shared')

export const sharedPath = (...parts: string[]): string => join(sharedDir, ...parts)
