/** Parse tree of an OData `$filter` (syntax only; see filter-binder.ts for the checked form). */
export type Literal =
  | { kind: 'Literal'; type: 'string'; value: string }
  | { kind: 'Literal'; type: 'number'; value: number; text: string }
  | { kind: 'Literal'; type: 'datetime'; value: Date; text: string }
  | { kind: 'Literal'; type: 'guid'; value: string }
  | { kind: 'Literal'; type: 'bool'; value: boolean }
  | { kind: 'Literal'; type: 'null' }

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'

export type SyntaxNode =
  | Literal
  | { kind: 'Path'; segments: string[]; pos: number }
  | { kind: 'Binary'; op: ComparisonOp | 'and' | 'or'; left: SyntaxNode; right: SyntaxNode; pos: number }
  | { kind: 'Not'; operand: SyntaxNode; pos: number }
  | { kind: 'In'; left: SyntaxNode; list: SyntaxNode[]; pos: number }
  | { kind: 'Call'; name: string; args: SyntaxNode[]; pos: number }
  | {
      kind: 'Lambda'
      /** Collection path, e.g. ['machineTags']. */
      collection: string[]
      fn: 'any' | 'all'
      variable: string | null
      body: SyntaxNode | null
      pos: number
    }

/** Checked filter, ready for lowering: every property resolved to its column, every literal typed. */
export type BoundValue = string | number | boolean | Date

export type BoundFilter =
  | { kind: 'And' | 'Or'; left: BoundFilter; right: BoundFilter }
  | { kind: 'Not'; operand: BoundFilter }
  | {
      kind: 'Compare'
      op: ComparisonOp
      column: string
      /** How the column compares: strings case-insensitively, the rest as is. */
      valueType: 'string' | 'enum' | 'number' | 'datetime' | 'bool'
      nullable: boolean
      value: BoundValue | null
    }
  | {
      kind: 'In'
      column: string
      valueType: 'string' | 'enum' | 'number' | 'datetime' | 'bool'
      values: BoundValue[]
    }
  | { kind: 'StartsWith'; column: string; value: string }
  /** `col/any(v: <predicate over v>)` on a string collection; the predicate refers to the element as column ''. */
  | { kind: 'Any'; column: string; predicate: BoundFilter | null }
