/**
 * The slice of the Kusto.Language object model (Bridge.NET output) the adapter touches. The package
 * ships a 1.7 MB global-namespace .d.ts; these few structural types keep the compile fast and make
 * the boundary explicit.
 */
export interface KList<T> {
  Count: number
  getItem(i: number): T
}

export interface KSymbol {
  Name: string
  Kind: number
  Type?: KSymbol | null
  Columns?: KList<KColumnSymbol> | KColumnSymbol[] | null
  /** Scalar types and tables: true for tabular results. */
  IsTabular?: boolean
  IsScalar?: boolean
}

export interface KColumnSymbol extends KSymbol {
  Type: KSymbol
}

export interface KElement {
  Kind: number
  IsToken: boolean
  IsMissing: boolean
  TextStart: number
  Width: number
  End: number
  Parent: KNode | null
}

export interface KToken extends KElement {
  Text: string
  ValueText: string
}

export interface KNode extends KElement {
  ChildCount: number
  GetChild(i: number): KElement | null
  GetName(i: number): string | null
  ResultType: KSymbol | null
  ReferencedSymbol: KSymbol | null
  IsLiteral: boolean
  LiteralValue: unknown
  GetExpansion(): KNode | null
  WalkElements(fn: (e: KElement) => void): void
  ToString(): string
}

export interface KDiagnostic {
  Code: string
  Message: string
  Severity: string
  Start: number
  Length: number
}

export interface KCode {
  Text: string
  Syntax: KNode
  ResultType: KSymbol | null
  GetDiagnostics(): KList<KDiagnostic> | KDiagnostic[]
}

export interface KGlobalState {
  WithDatabase(db: unknown): KGlobalState
}

/** The `Kusto.Language` namespace object, typed to the members we call. */
export interface KustoLanguage {
  KustoCode: { ParseAndAnalyze(text: string, globals: KGlobalState): KCode }
  GlobalState: { Default: KGlobalState }
  Syntax: { SyntaxKind: Record<string, number | string> }
  Symbols: {
    TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => KSymbol }
    DatabaseSymbol: { ctor: new (name: string, members: KSymbol[]) => KSymbol }
    FunctionSymbol: {
      $ctor16: new (name: string, parameters: string, body: string, description: string | null) => KSymbol
    }
    SymbolKind: Record<string, number | string>
  }
}
