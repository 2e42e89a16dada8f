import type { CatalogueColumn, HuntingCatalogue, KustoTypeName } from '../catalogue/catalogue-types.js'
import { kusto } from './kusto-runtime.js'
import type { KGlobalState, KSymbol } from './kusto-types.js'

/**
 * Binding environments built once per process from the hunting catalogue:
 * - strict: exactly the MDE hunting schema;
 * - lenient: the Sentinel dialect on top (TimeGenerated, JSON-text columns typed dynamic, Sentinel-only
 *   columns, pre-2020 table and column names). The lowering maps every lenient-only name back to storage
 *   (see `lenientColumnSource`).
 */
export interface BindingEnvironments {
  strict: KGlobalState
  lenient: KGlobalState
  /** Per table and dialect, the KQL-visible columns in order. */
  tableColumns(table: string, lenient: boolean): readonly CatalogueColumn[] | undefined
  /**
   * Names that exist only in the lenient dialect: legacy table names and Sentinel-only columns that are
   * no column of any strict table. A query referring to one cannot bind strictly.
   */
  lenientOnlyNames: ReadonlySet<string>
}

/** Where a lenient-only column's value comes from. */
export type LenientSource =
  | { kind: 'column'; column: string }
  | { kind: 'json-column'; column: string }
  | { kind: 'tenant' }
  | { kind: 'constant'; value: string }
  | { kind: 'null' }

const LEGACY_COLUMNS: Readonly<Record<string, string>> = {
  EventTime: 'Timestamp',
  ComputerName: 'DeviceName',
  MachineId: 'DeviceId',
}

const SENTINEL_EXTRA_TYPES: Readonly<Record<string, KustoTypeName>> = {
  InitiatingProcessUniqueId: 'long',
  ProcessUniqueId: 'long',
  IsTransient: 'bool',
  CloudPlatforms: 'dynamic',
  RestrictedDeviceSecurityOperations: 'dynamic',
  OsBuildRevision: 'long',
}

/** Resolves a (possibly legacy) table name to the storage table it reads. */
export function storageTable(cat: HuntingCatalogue, name: string): string | undefined {
  if (cat.tables[name]) return name
  const legacy = cat.legacyTables[name]
  return legacy && cat.tables[legacy] ? legacy : undefined
}

/** KQL-visible columns of a table in the lenient dialect, with how each maps to storage. */
export function lenientColumns(
  cat: HuntingCatalogue,
  name: string,
): { columns: CatalogueColumn[]; sources: Map<string, LenientSource> } | undefined {
  const table = storageTable(cat, name)
  if (!table) return undefined
  const base = cat.tables[table]!
  const types = cat.sentinelTypes[table] ?? {}
  const sources = new Map<string, LenientSource>()
  const columns: CatalogueColumn[] = base.columns.map(([n, t]) => {
    const st = types[n]
    if (st && st !== t) {
      sources.set(
        n,
        t === 'string' && st === 'dynamic' ? { kind: 'json-column', column: n } : { kind: 'null' },
      )
      if (st === 'real') sources.set(n, { kind: 'column', column: n })
      return [n, st]
    }
    return [n, t]
  })
  const has = (n: string) => columns.some((c) => c[0] === n)
  const add = (n: string, t: KustoTypeName, src: LenientSource) => {
    if (has(n)) return
    columns.push([n, t])
    sources.set(n, src)
  }
  const hasTimestamp = base.columns.some((c) => c[0] === 'Timestamp')
  add('TimeGenerated', 'datetime', hasTimestamp ? { kind: 'column', column: 'Timestamp' } : { kind: 'null' })
  add('TenantId', 'string', { kind: 'tenant' })
  add('Type', 'string', { kind: 'constant', value: table })
  add('SourceSystem', 'string', { kind: 'constant', value: '' })
  if (base.kind === 'event' || table === 'DeviceInfo')
    add('MachineGroup', 'string', { kind: 'constant', value: '' })
  for (const n of cat.sentinelExtraColumns[table] ?? [])
    add(n, SENTINEL_EXTRA_TYPES[n] ?? 'string', { kind: 'null' })
  if (name !== table)
    for (const [legacy, current] of Object.entries(LEGACY_COLUMNS)) {
      const cur = base.columns.find((c) => c[0] === current)
      if (cur) add(legacy, cur[1], { kind: 'column', column: current })
    }
  return { columns, sources }
}

const schemaText = (cols: readonly CatalogueColumn[]) =>
  '(' + cols.map(([n, t]) => `['${n}']:${t}`).join(', ') + ')'

function enrichmentFunctions(cat: HuntingCatalogue): KSymbol[] {
  const K = kusto()
  const out: KSymbol[] = []
  const extendMissing = (cols: readonly CatalogueColumn[]) =>
    cols
      .map(([n, t]) => `['${n}'] = column_ifexists('${n}', ${t === 'string' ? '""' : `${t}(null)`})`)
      .join(', ')
  const fp = cat.functions.FileProfile
  if (fp)
    out.push(
      new K.Symbols.FunctionSymbol.$ctor16(
        'FileProfile',
        '(T:(*), idColumn:string="SHA1", maxRecords:long=100)',
        `{ T | extend ${extendMissing(fp)} }`,
        null,
      ),
    )
  const dip = cat.functions.DeviceFromIP
  if (dip)
    out.push(
      new K.Symbols.FunctionSymbol.$ctor16(
        'DeviceFromIP',
        '(T:(*), ip:string="IP", at:datetime=datetime(null))',
        `{ T | extend ${extendMissing(dip)} }`,
        null,
      ),
    )
  const aip = cat.functions.AssignedIPAddresses
  if (aip)
    out.push(
      new K.Symbols.FunctionSymbol.$ctor16(
        'AssignedIPAddresses',
        '(deviceIdOrName:string, at:datetime=datetime(null))',
        `{ datatable${schemaText(aip)}[] }`,
        null,
      ),
    )
  return out
}

export function buildEnvironments(cat: HuntingCatalogue): BindingEnvironments {
  const K = kusto()
  const strictCols = new Map<string, readonly CatalogueColumn[]>()
  const lenientCols = new Map<string, readonly CatalogueColumn[]>()
  for (const [name, t] of Object.entries(cat.tables)) strictCols.set(name, t.columns)
  for (const name of [...Object.keys(cat.tables), ...Object.keys(cat.legacyTables)]) {
    const l = lenientColumns(cat, name)
    if (l) lenientCols.set(name, l.columns)
  }
  const makeDb = (cols: Map<string, readonly CatalogueColumn[]>) => {
    const tables = [...cols].map(([n, c]) => new K.Symbols.TableSymbol.$ctor7(n, schemaText(c), null))
    return K.GlobalState.Default.WithDatabase(
      new K.Symbols.DatabaseSymbol.ctor('hunting', [...tables, ...enrichmentFunctions(cat)]),
    )
  }
  const strictNames = new Set<string>([...strictCols.keys()])
  for (const cols of strictCols.values()) for (const [n] of cols) strictNames.add(n)
  for (const fn of Object.keys(cat.functions)) strictNames.add(fn)
  const lenientOnlyNames = new Set<string>()
  for (const [table, cols] of lenientCols) {
    if (!strictNames.has(table)) lenientOnlyNames.add(table)
    for (const [n] of cols) if (!strictNames.has(n)) lenientOnlyNames.add(n)
  }
  return {
    strict: makeDb(strictCols),
    lenient: makeDb(lenientCols),
    tableColumns: (table, lenient) => (lenient ? lenientCols : strictCols).get(table),
    lenientOnlyNames,
  }
}
