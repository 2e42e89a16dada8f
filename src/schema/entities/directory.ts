import type { EntityDef } from '../catalogue-types.js'

/** Directory entities (tenants, applications, credentials, users, roles, device groups, keys, tokens, audit). Owned by the identity work. */
export const directoryEntities: readonly EntityDef[] = []
