import schemaJson from '../../schema/hunting-schema.json' with { type: 'json' }
import { huntingIndexColumns } from '../../schema/ddl.js'
import { huntingTables } from '../../schema/hunting-tables.js'
import type { CatalogueColumn, HuntingCatalogue, KustoTypeName } from './catalogue-types.js'

/**
 * The hunting catalogue as the KQL engine sees it, derived from the one schema catalogue
 * (src/schema/hunting-tables.ts and the spec copy src/schema/hunting-schema.json): tables and column
 * types, the Sentinel-dialect differences, the portal enrichment functions and the legacy table names.
 */
interface SchemaExtras {
  sentinelDialect: {
    typeDifferences: Record<string, Record<string, { sentinelType: string }>>
    extraColumnsPerTable: Record<string, string[]>
  }
  functions: Record<string, { columns: { name: string; type: string }[] }>
  legacyTableNames: Record<string, string>
}

const extras = schemaJson as unknown as SchemaExtras
const known = new Set(huntingTables.map((t) => t.name))

export const huntingCatalogue: HuntingCatalogue = {
  tables: Object.fromEntries(
    huntingTables.map((t) => [
      t.name,
      { kind: t.kind, columns: t.columns.map((c): CatalogueColumn => [c.name, c.type]) },
    ]),
  ),
  sentinelTypes: Object.fromEntries(
    Object.entries(extras.sentinelDialect.typeDifferences).map(([table, cols]) => [
      table,
      Object.fromEntries(Object.entries(cols).map(([col, d]) => [col, d.sentinelType as KustoTypeName])),
    ]),
  ),
  sentinelExtraColumns: extras.sentinelDialect.extraColumnsPerTable,
  functions: Object.fromEntries(
    Object.entries(extras.functions).map(([name, f]) => [
      name,
      f.columns.map((c): CatalogueColumn => [c.name, c.type as KustoTypeName]),
    ]),
  ),
  legacyTables: Object.fromEntries(Object.entries(extras.legacyTableNames).filter(([, v]) => known.has(v))),
  pgIndexes: Object.fromEntries(huntingTables.map((t) => [t.name, huntingIndexColumns(t, 'postgres')])),
}
