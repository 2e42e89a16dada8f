import { createRequire } from 'node:module'
import type { KElement, KList, KNode, KustoLanguage } from './kusto-types.js'

/**
 * The one place that loads Microsoft's Kusto.Language (Bridge.NET build of the C# parser/binder).
 * Loading defines the globals `Bridge`, `System` and `Kusto`; it happens once per process, lazily,
 * and costs ~0.5 s and ~150 MB. Never load another copy of the package elsewhere.
 */
let loaded: KustoLanguage | undefined

export function kusto(): KustoLanguage {
  if (loaded) return loaded
  const require = createRequire(import.meta.url)
  require('@kusto/language-service-next/bridge.min.js')
  require('@kusto/language-service-next/Kusto.Language.Bridge.min.js')
  const g = globalThis as unknown as { Kusto: { Language: KustoLanguage } }
  loaded = g.Kusto.Language
  return loaded
}

/** .NET lists surface as JS arrays or as `{Count, getItem(i)}`. */
export function items<T>(list: KList<T> | T[] | null | undefined): T[] {
  if (!list) return []
  if (Array.isArray(list)) return list
  const out: T[] = []
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i))
  return out
}

let syntaxKindNames: Map<number, string> | undefined
let symbolKindNames: Map<number, string> | undefined

function invert(e: Record<string, number | string>): Map<number, string> {
  const m = new Map<number, string>()
  for (const [k, v] of Object.entries(e)) if (typeof v === 'number' && !m.has(v)) m.set(v, k)
  return m
}

/** Name of a syntax kind, e.g. `FilterOperator`, `HasExpression`, `StringLiteralToken`. */
export function kindOf(e: KElement): string {
  syntaxKindNames ??= invert(kusto().Syntax.SyntaxKind)
  return syntaxKindNames.get(e.Kind) ?? `Kind${e.Kind}`
}

/** Name of a symbol kind, e.g. `Column`, `Variable`, `Function`, `Table`. */
export function symbolKindOf(kind: number): string {
  symbolKindNames ??= invert(kusto().Symbols.SymbolKind)
  return symbolKindNames.get(kind) ?? `Symbol${kind}`
}

/** Named child of a node (`Expression`, `Operator`, `Condition`, …), or null. */
export function child(node: KNode, name: string): KElement | null {
  for (let i = 0; i < node.ChildCount; i++) if (node.GetName(i) === name) return node.GetChild(i)
  return null
}

export function childNode(node: KNode, name: string): KNode | null {
  const c = child(node, name)
  return c && !c.IsToken ? (c as KNode) : null
}

/** All non-token children in order. */
export function childNodes(node: KNode): KNode[] {
  const out: KNode[] = []
  for (let i = 0; i < node.ChildCount; i++) {
    const c = node.GetChild(i)
    if (c && !c.IsToken) out.push(c as KNode)
  }
  return out
}
