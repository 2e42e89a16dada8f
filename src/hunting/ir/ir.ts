import type { KustoTypeName } from '../catalogue/catalogue-types.js'

/**
 * The dialect-free, typed intermediate form between the Kusto.Language bound tree and SQL. Every node
 * carries its KQL type (scalars) or its output columns (tabular nodes), taken from the binder, so the
 * SQL lowering never re-derives names or types.
 */
export type KType = KustoTypeName

export interface IrColumn {
  name: string
  type: KType
}

/** Source position (offset, length) in the original query text, for diagnostics. */
export interface Span {
  start: number
  length: number
}

/** A literal value: datetime as epoch microseconds, timespan as microseconds, dynamic as a JSON value. */
export type IrValue = string | number | bigint | boolean | null | IrDynamic

export interface IrDynamic {
  json: unknown
}

export type IrExpr =
  | { k: 'col'; name: string; type: KType; side?: 'left' | 'right' }
  | { k: 'lit'; value: IrValue; type: KType }
  | { k: 'call'; fn: string; args: IrExpr[]; type: KType; span: Span }
  /** A scalar computed from a tabular expression (`toscalar`, a scalar `let` over a table). */
  | { k: 'subquery'; query: IrTabular; type: KType }
  /** `x in (T | project y)`: a one-column tabular operand of the set operators. */
  | { k: 'set'; query: IrTabular; type: KType }

export interface IrNamed {
  name: string
  expr: IrExpr
}

export interface IrAggregate {
  /** Output column names (several for arg_max / arg_min with extra columns). */
  outputs: IrColumn[]
  fn: string
  args: IrExpr[]
  /** arg_max / arg_min: the columns returned from the winning row (parallel to outputs[1..]). */
  extra?: IrExpr[]
  span: Span
}

export interface IrSortKey {
  expr: IrExpr
  desc: boolean
  nullsFirst: boolean
}

export type JoinKind =
  | 'innerunique'
  | 'inner'
  | 'leftouter'
  | 'rightouter'
  | 'fullouter'
  | 'leftsemi'
  | 'leftanti'
  | 'rightsemi'
  | 'rightanti'

interface Base {
  columns: IrColumn[]
  span: Span
}

export type IrTabular =
  | (Base & { op: 'scan'; table: string; lenient: boolean })
  | (Base & { op: 'where'; input: IrTabular; predicate: IrExpr })
  /** project / extend / project-away / project-rename / project-reorder: one item per output column. */
  | (Base & { op: 'project'; input: IrTabular; items: IrNamed[] })
  | (Base & { op: 'summarize'; input: IrTabular; by: IrNamed[]; aggs: IrAggregate[] })
  | (Base & { op: 'sort'; input: IrTabular; keys: IrSortKey[] })
  | (Base & { op: 'take'; input: IrTabular; count: IrExpr })
  | (Base & { op: 'top'; input: IrTabular; count: IrExpr; keys: IrSortKey[] })
  | (Base & { op: 'distinct'; input: IrTabular; items: IrNamed[] })
  | (Base & {
      op: 'join'
      kind: JoinKind
      left: IrTabular
      right: IrTabular
      /** Equality pairs; `left`/`right` exprs are evaluated on their own side. */
      on: { left: IrExpr; right: IrExpr }[]
      /** Output column → which side and which input column it comes from. */
      outputs: { name: string; side: 'left' | 'right'; from: string }[]
      lookup: boolean
    })
  | (Base & { op: 'union'; inputs: IrTabular[]; source: string | null; sourceNames: string[] })
  | (Base & {
      op: 'mv-expand'
      input: IrTabular
      items: { name: string; expr: IrExpr; to: KType | null }[]
      limit: IrExpr | null
      indexColumn: string | null
    })
  | (Base & { op: 'datatable'; rows: IrValue[][] })
  /** A reference to a tabular `let` (or materialize) bound once and used possibly many times. */
  | (Base & { op: 'ref'; id: number })
  | (Base & { op: 'externaldata'; urls: string[]; format: string; ignoreFirstRecord: boolean })
  /** Window functions over serialized rows: row_number(), prev(), next(). */
  | (Base & { op: 'serialize'; input: IrTabular; items: IrNamed[] })
  | (Base & { op: 'file-profile'; input: IrTabular })
  | (Base & { op: 'device-from-ip'; input: IrTabular; ip: IrExpr; at: IrExpr | null })
  | (Base & {
      op: 'mv-apply'
      input: IrTabular
      items: { name: string; expr: IrExpr; to: KType | null }[]
      body: IrTabular
      itemColumns: IrColumn[]
    })
  | (Base & { op: 'apply-input' })
  | (Base & { op: 'count'; input: IrTabular })
  | (Base & { op: 'render'; input: IrTabular; visualization: string })
  /** `evaluate ipv4_lookup`: rows of input joined with lookup rows whose IPv4 range holds the address. */
  | (Base & {
      op: 'ipv4-lookup'
      input: IrTabular
      lookup: IrTabular
      ip: IrExpr
      range: IrExpr
      extraKeys: string[]
      unmatched: boolean
      outputs: { side: 'left' | 'right'; from: string }[]
    })
  /** `make-series`: per group, one array per aggregate over the time bins `from`, `from+step`, … < `to`. */
  | (Base & {
      op: 'make-series'
      input: IrTabular
      by: IrNamed[]
      aggs: { agg: IrAggregate; default: IrExpr }[]
      axis: IrExpr
      from: IrExpr | null
      to: IrExpr | null
      step: IrExpr
    })
  /** `top-nested`: per level a key, an aggregate and how many of its groups to keep (null = all). */
  | (Base & {
      op: 'top-nested'
      input: IrTabular
      levels: { key: IrExpr; agg: IrAggregate; count: IrExpr | null; desc: boolean }[]
    })
  /**
   * A plugin whose output columns depend on the data (`evaluate bag_unpack` / `pivot` without an output
   * schema): cannot be lowered until `HuntingEngine.resolve` has discovered its columns (see Discovery).
   */
  | (Base & { op: 'discover'; input: IrTabular; discovery: number; plugin: string })

/**
 * A data-dependent plugin of a query: a pre-query over its (scoped) input finds the output columns, which
 * are then written into the query text as the plugin's output schema (`: (*, col:type, …)`) and the
 * query is bound again, so names and types downstream come from the binder as for any other query.
 */
export interface Discovery {
  id: number
  plugin: 'bag_unpack' | 'pivot'
  /** The plugin's input rows. */
  input: IrTabular
  /** bag_unpack: the dynamic value to unpack; pivot: the pivot column. */
  value: IrExpr
  /** Offset in the query text where the output schema is inserted (end of the evaluate operator). */
  insertAt: number
  span: Span
  /** bag_unpack: columns kept from the input (the unpacked column removed), prefix, options. */
  inputColumns: IrColumn[]
  prefix: string
  conflict: 'error' | 'replace_source' | 'keep_source'
  ignored: string[]
  /** pivot: the grouping columns and the value type of the pivoted cells. */
  groupColumns: IrColumn[]
  cellType: KType
  /** pivot with an output schema written by the user: the pivoted values it lists (checked, no rewrite). */
  declared: string[] | null
}

/** A whole query: tabular lets in dependency order, then the result expression. */
export interface IrQuery {
  lets: { id: number; name: string; query: IrTabular; materialize: boolean }[]
  result: IrTabular
  /** Data-dependent plugins to resolve before lowering (and user pivot schemas to check). */
  discoveries: Discovery[]
  /** From `render`: chart type and its properties, returned to the client. */
  render: { visualization: string; properties: Record<string, unknown> } | null
}

/** Makes a typed IR node (small helper so call sites stay short). */
export const call = (fn: string, args: IrExpr[], type: KType, span: Span): IrExpr => ({
  k: 'call',
  fn,
  args,
  type,
  span,
})
