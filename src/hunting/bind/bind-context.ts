import type { HuntingCatalogue } from '../catalogue/catalogue-types.js'
import { unsupported } from '../diagnostics.js'
import { kustoTypeName, tableColumns } from '../front-end/analyze.js'
import { childNode, kindOf } from '../front-end/kusto-runtime.js'
import type { KNode, KSymbol } from '../front-end/kusto-types.js'
import type { Discovery, IrColumn, IrExpr, IrQuery, IrTabular, KType, Span } from '../ir/ir.js'

export type Binding =
  | { kind: 'scalar'; expr: IrExpr }
  | { kind: 'tabular'; ir: IrTabular }
  | { kind: 'function'; params: string[]; body: KNode }

/** An operator's syntax → IR translation; registered per syntax kind by the operator modules. */
export type OperatorBinder = (node: KNode, input: IrTabular, cx: BindCx) => IrTabular
/** A source expression (datatable, externaldata, union at the start, …). */
export type SourceBinder = (node: KNode, cx: BindCx) => IrTabular

export const operatorBinders = new Map<string, OperatorBinder>()
export const sourceBinders = new Map<string, SourceBinder>()

/** State of one syntax → IR translation. */
export class BindCx {
  readonly lets: IrQuery['lets'] = []
  render: IrQuery['render'] = null
  readonly scopes: Map<KSymbol | string, Binding>[] = [new Map<KSymbol | string, Binding>()]
  #letIds = 0
  /** Row scope stack for mv-apply bodies. */
  applyInputs: IrTabular[] = []
  /** Data-dependent plugins met so far (see `Discovery`). */
  readonly discoveries: Discovery[] = []

  constructor(
    readonly text: string,
    readonly toOriginal: (pos: number) => number,
    readonly catalogue: HuntingCatalogue,
    readonly lenient: boolean,
    /** Hook to bind scalars; set by scalar.ts to avoid an import cycle. */
    readonly bindScalar: (node: KNode, cx: BindCx) => IrExpr,
    readonly bindTabular: (node: KNode, cx: BindCx) => IrTabular,
  ) {}

  span(node: KNode): Span {
    const start = this.toOriginal(node.TextStart)
    return { start, length: Math.max(0, this.toOriginal(node.TextStart + node.Width) - start) }
  }

  textOf(node: KNode): string {
    // Nodes of a function's expansion live in their own text; their offsets do not index the query.
    if (!this.inQuery(node)) return node.ToString().trim()
    return this.text.slice(node.TextStart, node.TextStart + node.Width)
  }

  /** True when the node belongs to the query's own syntax tree (not a function expansion). */
  inQuery(node: KNode): boolean {
    let n: KNode = node
    while (n.Parent) n = n.Parent
    return n === this.root
  }

  /** The query's root syntax node (set by bindQuery). */
  root: KNode | null = null

  scalar(node: KNode): IrExpr {
    return this.bindScalar(node, this)
  }

  tabular(node: KNode): IrTabular {
    return this.bindTabular(node, this)
  }

  typeOf(node: KNode): KType {
    return kustoTypeName(node.ResultType)
  }

  /** The binder's output columns of an operator or tabular expression. */
  columnsOf(node: KNode): IrColumn[] {
    const cols = tableColumns(node.ResultType)
    if (!cols)
      return unsupported(
        `The expression '${this.textOf(node).slice(0, 40)}'`,
        this.span(node),
        'no tabular result',
      )
    return cols
  }

  lookup(sym: KSymbol | null, name: string): Binding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const s = this.scopes[i]!
      if (sym && s.has(sym)) return s.get(sym)
      if (s.has(name)) return s.get(name)
    }
    return undefined
  }

  define(sym: KSymbol | null, name: string, b: Binding): void {
    const s = this.scopes[this.scopes.length - 1]!
    if (sym) s.set(sym, b)
    s.set(name, b)
  }

  withScope<T>(bindings: [string, Binding][], fn: () => T): T {
    this.scopes.push(new Map(bindings))
    try {
      return fn()
    } finally {
      this.scopes.pop()
    }
  }

  addLet(name: string, query: IrTabular, materialize: boolean): IrTabular {
    const id = ++this.#letIds
    this.lets.push({ id, name, query, materialize })
    return { op: 'ref', id, columns: query.columns, span: query.span }
  }

  kind(node: KNode): string {
    return kindOf(node)
  }

  child(node: KNode, name: string): KNode | null {
    return childNode(node, name)
  }
}
