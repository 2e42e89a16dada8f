import schemaJson from './hunting-schema.json' with { type: 'json' }

/**
 * The advanced-hunting tables (MDE), exact names and Kusto types, from `hunting-schema.json` (a copy of
 * the reference spec kept in the repo so the product never reads the spec at run time). This is the
 * KQL-visible schema: the stores add a leading internal `"TenantId"` column (see `huntingTableDdl`).
 */
export type KqlType = 'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'dynamic' | 'guid'

export type HuntingTableKind = 'event' | 'state' | 'alert' | 'tvm' | 'tvm-kb'

export interface HuntingColumn {
  name: string
  type: KqlType
  description: string
}

export interface HuntingTable {
  name: string
  kind: HuntingTableKind
  description: string
  columns: readonly HuntingColumn[]
  /** True when the table has a `Timestamp` column (time-bounded scans). */
  timed: boolean
}

/** The internal tenant column every hunting table starts with; never part of the KQL schema. */
export const HUNTING_TENANT_COLUMN = 'TenantId'

const KQL_TYPES: ReadonlySet<string> = new Set([
  'string',
  'long',
  'int',
  'real',
  'bool',
  'datetime',
  'dynamic',
  'guid',
])
const KINDS: ReadonlySet<string> = new Set(['event', 'state', 'alert', 'tvm', 'tvm-kb'])

interface RawTable {
  kind: string
  description: string
  columns: { name: string; type: string; description?: string }[]
}

function normaliseType(table: string, column: string, t: string): KqlType {
  const v = t === 'boolean' ? 'bool' : t === 'double' ? 'real' : t
  if (!KQL_TYPES.has(v)) throw new Error(`hunting schema: ${table}.${column} has unsupported type ${t}`)
  return v as KqlType
}

function load(): readonly HuntingTable[] {
  const raw = (schemaJson as unknown as { tables: Record<string, RawTable> }).tables
  return Object.entries(raw).map(([name, t]) => {
    if (!KINDS.has(t.kind)) throw new Error(`hunting schema: ${name} has unknown kind ${t.kind}`)
    const columns = t.columns.map((c) => ({
      name: c.name,
      type: normaliseType(name, c.name, c.type),
      description: c.description ?? '',
    }))
    return {
      name,
      kind: t.kind as HuntingTableKind,
      description: t.description,
      columns,
      timed: columns.some((c) => c.name === 'Timestamp' && c.type === 'datetime'),
    }
  })
}

/** All 27 hunting tables in the spec's order. */
export const huntingTables: readonly HuntingTable[] = load()

const byLowerName = new Map(huntingTables.map((t) => [t.name.toLowerCase(), t]))

/** Exact-name lookup (KQL table names are case-sensitive). */
export function huntingTable(name: string): HuntingTable | undefined {
  const t = byLowerName.get(name.toLowerCase())
  return t && t.name === name ? t : undefined
}

/** Case-insensitive lookup, for "did you mean" diagnostics. */
export function huntingTableIgnoreCase(name: string): HuntingTable | undefined {
  return byLowerName.get(name.toLowerCase())
}
