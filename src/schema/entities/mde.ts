import type { EntityDef } from '../catalogue-types.js'

/** MDE resource entities (Alert, Machine, MachineAction, Indicator, …). Owned by the API work. */
export const mdeEntities: readonly EntityDef[] = []
