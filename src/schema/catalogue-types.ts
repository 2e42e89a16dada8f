/**
 * The catalogue DSL. Every stored entity (MDE resources and the directory) is declared once with
 * `defineEntity`; TypeScript types, DDL for both dialects and OData metadata are generated from these
 * declarations by `npm run gen` (tools/generate.ts) into src/schema/generated/, and a test fails when
 * the generated files are stale. Field keys are the wire names (camelCase for MDE entities) and also the
 * column names (always double-quoted in SQL).
 */
export type FieldType =
  | 'string'
  | 'guid'
  | 'int'
  | 'long'
  | 'double'
  | 'bool'
  | 'datetime'
  /** Arbitrary JSON (objects, arrays); DuckDB JSON, PostgreSQL jsonb; read back as text and parsed. */
  | 'json'
  /** A string restricted to `values`. */
  | 'enum'
  /** An array of strings, stored as JSON. */
  | 'string[]'

/** OData comparison operators a field supports in `$filter` (MDE documents a subset per entity). */
export type ODataOperator =
  'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'in' | 'startswith' | 'contains' | 'endswith' | 'any'

export interface FieldDef {
  type: FieldType
  /** Allowed values for `enum` fields. */
  values?: readonly string[]
  nullable?: boolean
  /** Stored but never serialised on the wire (tenantId, secret hashes, …). */
  internal?: boolean
  /** `$filter` support; absent = not filterable. */
  filter?: readonly ODataOperator[]
  /** `$orderby` support. */
  sortable?: boolean
  description?: string
  /** SQL default expression, portable to both dialects (e.g. `'Unknown'`, `0`, `false`). */
  default?: string
}

export interface EntityDef {
  /** Type name (PascalCase, as in MDE's OData metadata: Alert, Machine, MachineAction, …). */
  name: string
  /** SQL table name (snake_case, plural). */
  table: string
  /** OData entity set when the entity is exposed by the MDE API (Alerts, Machines, …). */
  entitySet?: string
  /** OData namespace-qualified type for @odata.context / $metadata; defaults to microsoft.windowsDefenderATP.api.<name>. */
  odataType?: string
  /** Primary key columns (usually ['tenantId', 'id']). */
  key: readonly string[]
  fields: Readonly<Record<string, FieldDef>>
  /** Secondary indexes, each a list of columns. */
  indexes?: readonly (readonly string[])[]
  description?: string
}

export function defineEntity<const E extends EntityDef>(e: E): E {
  for (const k of e.key) if (!(k in e.fields)) throw new Error(`${e.name}: key column ${k} is not a field`)
  return e
}
