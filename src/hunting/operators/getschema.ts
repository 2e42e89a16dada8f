import { operatorBinders } from '../bind/bind-context.js'
import type { KType } from '../ir/ir.js'

/** .NET type names `getschema` reports in DataType, per KQL type. */
const DATA_TYPES: Record<KType, string> = {
  string: 'System.String',
  long: 'System.Int64',
  int: 'System.Int32',
  real: 'System.Double',
  bool: 'System.SByte',
  datetime: 'System.DateTime',
  timespan: 'System.TimeSpan',
  dynamic: 'System.Object',
  guid: 'System.Guid',
  decimal: 'System.Data.SqlTypes.SqlDecimal',
}

/** `getschema`: one row per input column (name, ordinal, .NET type, KQL type); the rows are not read. */
operatorBinders.set('GetSchemaOperator', (node, input, cx) => ({
  op: 'datatable',
  rows: input.columns.map((c, i) => [c.name, i, DATA_TYPES[c.type] ?? 'System.Object', c.type]),
  columns: cx.columnsOf(node),
  span: cx.span(node),
}))
