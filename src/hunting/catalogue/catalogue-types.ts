/** Kusto scalar type names as they appear in the hunting schema and in the binder. */
export type KustoTypeName =
  'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'timespan' | 'dynamic' | 'guid' | 'decimal'

export type CatalogueColumn = readonly [name: string, type: KustoTypeName]

export interface CatalogueTable {
  kind: 'event' | 'state' | 'alert' | 'tvm' | 'tvm-kb'
  columns: readonly CatalogueColumn[]
}

/** The hunting tables as KQL sees them (the storage adds a leading internal "TenantId" column). */
export interface HuntingCatalogue {
  tables: Readonly<Record<string, CatalogueTable>>
  /** Columns whose Sentinel-dialect type differs (JSON text used as dynamic, CvssScore as real). */
  sentinelTypes: Readonly<Record<string, Readonly<Record<string, KustoTypeName>>>>
  /** Columns only the Sentinel copies of the tables have. */
  sentinelExtraColumns: Readonly<Record<string, readonly string[]>>
  /** Output columns of the portal enrichment functions (FileProfile, DeviceFromIP, AssignedIPAddresses). */
  functions: Readonly<Record<string, readonly CatalogueColumn[]>>
  /** Pre-2020 table names → current names. */
  legacyTables: Readonly<Record<string, string>>
  /**
   * The btree indexes the PostgreSQL store keeps per table (column lists, "TenantId" first). The
   * lowering only emits index-driven shapes (loose index scans) when the index they walk exists.
   */
  pgIndexes: Readonly<Record<string, readonly (readonly string[])[]>>
}
