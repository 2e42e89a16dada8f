export {
  HuntingEngine,
  type CompiledQuery,
  type HuntingPlan,
  type LowerInput,
  type PlanResult,
} from './engine.js'
export type { HuntingScope, ExternalTable, RowEncoder, RowJsonShape } from './sql/lowerer.js'
export {
  formatRows,
  joinJsonArray,
  ResultTooLarge,
  rowsJson,
  TextRowsWriter,
  wireValue,
  WIRE_TYPE_NAMES,
  type JsonArrayText,
} from './result/format.js'
export type { ResultColumn } from './front-end/analyze.js'
export { huntingCatalogue } from './catalogue/hunting-tables.js'
export { huntingTableDdl, pgHelperFunctionsSql } from './sql/ddl.js'
