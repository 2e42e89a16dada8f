import { join, resolve } from 'node:path'
import { repoRoot } from './cli.js'

/**
 * The read-only reference folder (specs, fixtures, KQL corpus). CI lays it beside the clone
 * (`../shared`); tests read it there, the product never does.
 */
export const sharedDir: string = resolve(repoRoot, '..', 'shared')

export const sharedPath = (...parts: string[]): string => join(sharedDir, ...parts)
