import type { EntityDef } from '../catalogue-types.js'
import { directoryEntities } from './directory.js'
import { mdeEntities } from './mde.js'

/**
 * Every stored entity of the catalogue: the directory (identity) and the MDE resources (api). Add an
 * entity in directory.ts or mde.ts and run `npm run gen`; nothing here needs to change.
 */
export const allEntities: readonly EntityDef[] = [...directoryEntities, ...mdeEntities]
